// Bundles arriving from the OS: paths on the command line (also of a second launch, which hands
// them to the running instance), macOS "Open With" / dock drops (open-file), and files dropped on
// the window (the drop starts a file:// navigation, which security.ts cancels and we import).

import { app, type BrowserWindow } from 'electron';
import { fileURLToPath } from 'node:url';
import { focusMainWindow } from './window';

/** The bundle paths in a command line: what follows the executable (and, unpackaged, the app path), minus switches. */
export function bundlePathsFromArgv(argv: readonly string[], packaged: boolean): string[] {
  return argv.slice(packaged ? 1 : 2).filter((arg) => !arg.startsWith('-'));
}

/** `open` may be called before the app is ready: the paths wait until the opener exists. */
export function setupOpenFile(opener: Promise<{ open(path: string): Promise<void> }>): { trackWindow(win: BrowserWindow): void } {
  const open = (path: string) => void opener.then((o) => o.open(path));
  app.on('open-file', (event, path) => {
    event.preventDefault();
    open(path);
  });
  app.on('second-instance', (_event, argv) => {
    focusMainWindow();
    for (const path of bundlePathsFromArgv(argv, app.isPackaged)) open(path);
  });
  for (const path of bundlePathsFromArgv(process.argv, app.isPackaged)) open(path);
  return {
    trackWindow: (win) => {
      win.webContents.on('will-navigate', (event, url) => {
        if (!url.startsWith('file:')) return;
        event.preventDefault();
        open(fileURLToPath(url));
      });
    },
  };
}
