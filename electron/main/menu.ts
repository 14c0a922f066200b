// The native menus. File: open a bundle (file or folder), compare (the renderer asks which two),
// the recent snapshots, quit. View: dark theme (nativeTheme, which the page sees as
// prefers-color-scheme), and reload/devtools in development.

import { app, Menu, nativeTheme, type MenuItemConstructorOptions } from 'electron';
import type { SnapshotSummary } from '../../db/api-types';
import type { KnpApi } from '../ipc-contract';
import type { IpcGateway } from './ipc';
import type { BundleOpener } from './open-bundle';
import { getMainWindow } from './window';

const RECENT = 10;

export interface MenuOptions {
  api: KnpApi;
  gateway: IpcGateway;
  opener: BundleOpener;
  dev: boolean;
}

export function recentSnapshots(list: SnapshotSummary[]): SnapshotSummary[] {
  return [...list].sort((a, b) => (a.importedAt < b.importedAt ? 1 : a.importedAt > b.importedAt ? -1 : b.id - a.id)).slice(0, RECENT);
}

export function menuTemplate(opts: MenuOptions, recent: SnapshotSummary[]): MenuItemConstructorOptions[] {
  const { gateway, opener } = opts;
  const recentItems: MenuItemConstructorOptions[] =
    recent.length === 0
      ? [{ label: 'No snapshots yet', enabled: false }]
      : recent.map((s) => ({ label: s.name, click: () => gateway.send('menuCommand', { command: 'open-snapshot', snapshotId: s.id }) }));
  const mac = process.platform === 'darwin';
  return [
    ...(mac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open Bundle…', accelerator: 'CmdOrCtrl+O', click: () => opener.openFromDialog(getMainWindow(), 'file') },
        { label: 'Open Bundle Folder…', accelerator: 'CmdOrCtrl+Shift+O', click: () => opener.openFromDialog(getMainWindow(), 'folder') },
        { label: 'Compare…', click: () => gateway.send('menuCommand', { command: 'compare' }) },
        { label: 'Recent', submenu: recentItems },
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        {
          label: 'Dark Theme',
          type: 'checkbox',
          checked: nativeTheme.shouldUseDarkColors,
          click: (item) => {
            nativeTheme.themeSource = item.checked ? 'dark' : 'light';
          },
        },
        { type: 'separator' },
        ...(opts.dev ? [{ role: 'reload' as const }, { role: 'forceReload' as const }, { role: 'toggleDevTools' as const }, { type: 'separator' as const }] : []),
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { role: 'togglefullscreen' },
      ],
    },
    ...(mac ? [{ role: 'windowMenu' as const }] : []),
  ];
}

/** Installs the menu; call the returned refresh after the library changed (Recent). */
export function setupMenu(opts: MenuOptions): { refresh(): Promise<void> } {
  const refresh = async () => {
    const recent = recentSnapshots(await opts.api.listSnapshots({}).catch(() => []));
    Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(opts, recent)));
  };
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(opts, [])));
  app.on('browser-window-focus', () => void refresh());
  return { refresh };
}
