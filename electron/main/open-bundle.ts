// Opening a bundle from outside the page (File menu, the OS, a drop on the window): import it in
// the db worker — progress reaches the renderer as importProgress events — then ask the renderer
// to show the new snapshot. Failures are shown in a native error box.

import { dialog, type BrowserWindow, type OpenDialogOptions } from 'electron';
import { validateArgs } from '../../db/validate';
import type { KnpApi } from '../ipc-contract';
import type { IpcGateway } from './ipc';

const BUNDLE_FILTERS = [
  { name: 'Bundles and captures', extensions: ['gz', 'tgz', 'tar', 'txt', 'json'] },
  { name: 'All files', extensions: ['*'] },
];

/** The native open dialog: a bundle file, or a bundle folder. */
export async function pickBundlePath(win: BrowserWindow | null, kind: 'file' | 'folder' = 'file'): Promise<string | null> {
  const options: OpenDialogOptions =
    kind === 'file'
      ? { title: 'Open bundle', properties: ['openFile'], filters: BUNDLE_FILTERS }
      : { title: 'Open bundle folder', properties: ['openDirectory'] };
  const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
  return result.canceled ? null : (result.filePaths[0] ?? null);
}

export interface BundleOpener {
  open(path: string): Promise<void>;
  openFromDialog(win: BrowserWindow | null, kind: 'file' | 'folder'): Promise<void>;
}

export function createBundleOpener(api: KnpApi, gateway: IpcGateway, onLibraryChanged: () => void): BundleOpener {
  const open = async (path: string) => {
    try {
      const result = await api.importBundle(validateArgs('importBundle', { path }));
      onLibraryChanged();
      gateway.send('menuCommand', { command: 'open-snapshot', snapshotId: result.snapshotId, path });
    } catch (error) {
      dialog.showErrorBox('Cannot import the bundle', `${path}\n\n${error instanceof Error ? error.message : String(error)}`);
    }
  };
  return {
    open,
    openFromDialog: async (win, kind) => {
      const path = await pickBundlePath(win, kind);
      if (path) await open(path);
    },
  };
}
