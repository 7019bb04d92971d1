// The one IPC wrapper (Electron main): sender check, zod validation, real folder paths, then the engine — for every contract channel.

import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { isAbsolute } from 'node:path';
import type { z } from 'zod';
import {
  REQUESTS,
  type ApiResult,
  type FolderInfo,
  type RequestChannel,
  type RequestOutput,
} from '../shared/contract.js';
import { AppError, describeZodError, toErrorInfo } from '../shared/errors.js';
import { DROPPED_PATHS_CHANNEL } from './preload-api.js';
import { SERVICE_CHANNELS, type ServiceChannel } from '../shared/service-protocol.js';

/** Native UI that only main may show; injected so tests need no Electron. */
export interface NativeDialogs {
  /** Folders chosen in the open dialog; [] when cancelled. */
  pickFolders(): Promise<string[]>;
  /** Where to save an export; null when cancelled. */
  pickExportPath(format: 'csv' | 'json'): Promise<string | null>;
  reveal(path: string): void;
}

export interface IpcDeps {
  isTrustedSender: (event: IpcMainInvokeEvent) => boolean;
  /** Sends a validated request to the service process and returns its result. */
  forward: (channel: ServiceChannel, payload: unknown) => Promise<unknown>;
  dialogs: NativeDialogs;
  /** Where failures without a known code go, with their stack (default console.error). */
  log?: (message: string, error: unknown) => void;
}

/** An export request after validation (defaults filled in). */
export type ExportRun = z.output<(typeof REQUESTS)['export:run']['input']>;

/**
 * Dropped or picked paths, checked without touching the disk: absolute, each once. Resolving links and
 * checking what is there is the service's job (it stats each path once, where it is used).
 */
function checkFolderPaths(paths: readonly string[]): string[] {
  for (const candidate of paths) {
    if (!isAbsolute(candidate)) throw new AppError('bad_request', `not an absolute path: ${candidate}`);
  }
  return [...new Set(paths)];
}

/** bad_request "images:get: invalid payload — imageId: Invalid input: expected number, received string". */
function parsePayload<S extends z.ZodType>(channel: string, schema: S, payload: unknown): z.infer<S> {
  const parsed = schema.safeParse(payload);
  if (!parsed.success) {
    throw new AppError('bad_request', `${channel}: invalid payload — ${describeZodError(parsed.error)}`);
  }
  return parsed.data;
}

/** The actions behind pickFolders / export:run, shared with the app menu. */
export function createAppActions(deps: IpcDeps) {
  const addFolders = async (paths: readonly string[]): Promise<FolderInfo[]> => {
    const checked = checkFolderPaths(paths);
    const input = parsePayload('library:addFolders', REQUESTS['library:addFolders'].input, {
      paths: checked,
    });
    return (await deps.forward('library:addFolders', input)) as FolderInfo[];
  };
  return {
    addFolders,
    async pickAndAddFolders(): Promise<FolderInfo[]> {
      const paths = await deps.dialogs.pickFolders();
      return paths.length === 0 ? [] : addFolders(paths);
    },
    async exportWithDialog(request: ExportRun): Promise<RequestOutput<'export:run'>> {
      const path = await deps.dialogs.pickExportPath(request.format);
      if (path === null) return { path: null, count: 0 };
      const result = (await deps.forward(SERVICE_CHANNELS.exportToPath, {
        ...request,
        path,
      })) as RequestOutput<'export:run'>;
      if (result.path !== null) deps.dialogs.reveal(result.path);
      return result;
    },
  };
}

export type AppActions = ReturnType<typeof createAppActions>;

/** Menu's Export…: everything, as the CSV the CLI writes. */
export const MENU_EXPORT_REQUEST: ExportRun = { format: 'csv', layout: 'wide', scope: 'all', bom: false };

type Handler = (payload: unknown) => Promise<unknown>;

/**
 * Registers exactly one handler per contract request channel (plus the preload's dropped-paths channel).
 * Each refuses foreign senders before looking at the payload, and validates the payload before anything else.
 * Every handler resolves to an ApiResult, never rejects: Electron would hand the page only the message of a
 * rejection ("Error invoking remote method …"), and the page branches on the code.
 */
export function registerIpcHandlers(ipcMain: Pick<IpcMain, 'handle'>, deps: IpcDeps): AppActions {
  const actions = createAppActions(deps);
  const special: Partial<Record<RequestChannel, Handler>> = {
    'library:addFolders': () =>
      Promise.reject(
        new AppError(
          'forbidden',
          'library:addFolders: folder paths are only accepted from a drop (addDroppedFiles) or the folder dialog (pickFolders)',
        ),
      ),
    'library:pickFolders': () => actions.pickAndAddFolders(),
    'export:run': (payload) => actions.exportWithDialog(payload as ExportRun),
  };

  const register = (channel: string, schema: z.ZodType, handler: Handler) => {
    ipcMain.handle(
      channel,
      async (event: IpcMainInvokeEvent, payload: unknown): Promise<ApiResult<unknown>> => {
        if (!deps.isTrustedSender(event)) {
          const message = `${channel}: refused, the caller is not the Skiptag window`;
          return { ok: false, error: { code: 'forbidden', message } };
        }
        try {
          return { ok: true, value: await handler(parsePayload(channel, schema, payload)) };
        } catch (error) {
          const info = toErrorInfo(error);
          // The page gets the message only; a failure nobody foresaw needs its stack in main's log.
          if (info.code === 'failed') (deps.log ?? console.error)(`[ipc] ${channel} failed`, error);
          return { ok: false, error: info };
        }
      },
    );
  };

  for (const channel of Object.keys(REQUESTS) as RequestChannel[]) {
    register(
      channel,
      REQUESTS[channel].input,
      special[channel] ?? ((payload) => deps.forward(channel, payload)),
    );
  }
  register(DROPPED_PATHS_CHANNEL, REQUESTS['library:addFolders'].input, (payload) =>
    actions.addFolders((payload as { paths: string[] }).paths),
  );
  return actions;
}
