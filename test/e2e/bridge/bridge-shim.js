// Test bridge shim (test, browser): window.skiptag over fetch + EventSource, the same methods the preload exposes.
//
// The bridge serves this file with `window.__skiptagApiMethods` (the contract's API_METHODS) defined first
// and injects it into index.html before the app's scripts. Stand-ins for what only Electron can do:
// - window.__skiptagTestDropPaths (string[]): the folder paths a test "drops" or "picks". Outside Electron a
//   page cannot turn a File into a path (the preload uses webUtils.getPathForFile), so addDroppedFiles and
//   pickFolders ignore their arguments and send these paths to library:addFolders; none set: pickFolders
//   answers [] like a cancelled dialog, addDroppedFiles fails with code bad_request.
// - window.__skiptagTestExportPath (string): where exportLabels writes, in place of main's save dialog;
//   none set: { path: null, count: 0 }, like a cancelled dialog.
/* global window, EventSource */

(() => {
  'use strict';
  const methods = window.__skiptagApiMethods;
  if (typeof methods !== 'object' || methods === null) throw new Error('bridge shim: API methods missing');

  // Every request answers with the ApiResult envelope the preload passes on from main: `{ ok: true, value }` or
  // `{ ok: false, error: { code, message } }`; a request the bridge never answered becomes one too.
  const failure = (code, message) => ({ ok: false, error: { code, message } });
  async function post(url, body) {
    let response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body === undefined ? {} : body),
      });
    } catch (error) {
      return failure('failed', `bridge: ${error instanceof Error ? error.message : String(error)}`);
    }
    const reply = await response.json().catch(() => null);
    const isEnvelope =
      reply !== null &&
      typeof reply === 'object' &&
      (reply.ok === true ? 'value' in reply : reply.ok === false && typeof reply.error === 'object');
    return isEnvelope ? reply : failure('failed', `bridge: HTTP ${response.status} without an answer`);
  }
  const request = (channel, input) => post(`/api/${encodeURIComponent(channel)}`, input);

  const api = {};
  for (const [method, channel] of Object.entries(methods)) {
    // The page never names folder paths: the preload exposes addDroppedFiles instead of addFolders.
    if (method !== 'addFolders') api[method] = (input) => request(channel, input);
  }

  const testPaths = () => {
    const paths = window.__skiptagTestDropPaths;
    return Array.isArray(paths) ? paths.filter((p) => typeof p === 'string') : [];
  };
  api.addDroppedFiles = async () => {
    const paths = testPaths();
    if (paths.length === 0) {
      return failure(
        'bad_request',
        'bridge: set window.__skiptagTestDropPaths to the folder paths being dropped',
      );
    }
    return request('library:addFolders', { paths });
  };
  api.pickFolders = async () => {
    const paths = testPaths();
    return paths.length === 0 ? { ok: true, value: [] } : request('library:addFolders', { paths });
  };
  api.exportLabels = async (input) => {
    const path = window.__skiptagTestExportPath;
    if (typeof path !== 'string' || path === '') return { ok: true, value: { path: null, count: 0 } };
    return post('/bridge/export', { request: input, path });
  };

  // One EventSource for all listeners, opened by the first subscription.
  const listeners = { 'jobs:progress': new Set(), 'library:changed': new Set() };
  let source = null;
  function subscribe(channel, listener) {
    if (source === null) {
      source = new EventSource('/events');
      for (const name of Object.keys(listeners)) {
        source.addEventListener(name, (event) => {
          const payload = JSON.parse(event.data);
          for (const each of listeners[name]) each(payload);
        });
      }
    }
    listeners[channel].add(listener);
    return () => listeners[channel].delete(listener);
  }
  api.onJobProgress = (listener) => subscribe('jobs:progress', listener);
  api.onLibraryChanged = (listener) => subscribe('library:changed', listener);

  // Like contextBridge.exposeInMainWorld: a frozen object the page cannot replace.
  Object.defineProperty(window, 'skiptag', { value: Object.freeze(api), enumerable: true });
})();
