// The preload (sandboxed, context-isolated): exposes window.knp and nothing else.
import { contextBridge, ipcRenderer } from 'electron';
import { createBridge } from './bridge';

contextBridge.exposeInMainWorld('knp', createBridge(ipcRenderer));
