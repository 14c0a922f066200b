// The one app window: sandboxed, context-isolated, no Node in the renderer, web security on.
// Dropping a file on it is allowed to start a navigation only so open-file.ts can turn the drop
// into an import; security.ts cancels every navigation.

import { BrowserWindow } from 'electron';

export interface WindowOptions {
  preload: string;
  url: string;
}

let mainWindow: BrowserWindow | null = null;

export function getMainWindow(): BrowserWindow | null {
  return mainWindow && !mainWindow.isDestroyed() ? mainWindow : null;
}

export function setupWindow(opts: WindowOptions): BrowserWindow {
  const existing = getMainWindow();
  if (existing) return existing;
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'kube-netpath',
    webPreferences: {
      preload: opts.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      webviewTag: false,
      navigateOnDragDrop: true,
      spellcheck: false,
    },
  });
  mainWindow = win;
  win.once('ready-to-show', () => win.show());
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  void win.loadURL(opts.url);
  return win;
}

/** Brings the window forward (a second launch, an opened file). */
export function focusMainWindow(): void {
  const win = getMainWindow();
  if (!win) return;
  if (win.isMinimized()) win.restore();
  win.focus();
}
