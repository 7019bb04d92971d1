// Preload of the main window (preload, sandboxed): exposes window.skiptag and nothing else.
// Bundled by electron-vite into one CommonJS file: a sandboxed preload can only require('electron').

import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { createApi } from './preload-api.js';

contextBridge.exposeInMainWorld('skiptag', createApi(ipcRenderer, webUtils));
