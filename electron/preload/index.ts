// The preload (sandboxed, context-isolated): exposes window.knp and nothing else.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { createBridge } from './bridge';

contextBridge.exposeInMainWorld('knp', createBridge(ipcRenderer, webUtils));
