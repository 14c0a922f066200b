// Where the app's files are. The library is `<userData>/library.sqlite`, and userData is
// `<appData>/kube-netpath` because index.ts names the app before anything asks for it: the same
// file db/connection.ts defaultLibraryPath() gives the CLI on every platform (KUBE_NETPATH_DB
// overrides both).

import { app } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const APP_NAME = 'kube-netpath';

/** The origin the built renderer is served from (electron/main/app-protocol.ts). */
export const APP_SCHEME = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://knp`;

export function libraryPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.KUBE_NETPATH_DB ?? join(app.getPath('userData'), 'library.sqlite');
}

/** The build's layout: out/main/{index,worker}.js, out/preload/index.cjs, out/renderer/. */
export function buildPaths(mainDir = dirname(fileURLToPath(import.meta.url))) {
  return {
    preload: join(mainDir, '../preload/index.cjs'),
    worker: join(mainDir, 'worker.js'),
    renderer: join(mainDir, '../renderer'),
  };
}

/** electron-vite's dev server (set by `electron-vite dev`); null in a built app. */
export function devServerUrl(env: NodeJS.ProcessEnv = process.env): string | null {
  return !app.isPackaged && env.ELECTRON_RENDERER_URL ? env.ELECTRON_RENDERER_URL : null;
}

/** What the window loads: the dev server, or the built renderer on the app origin. */
export function rendererUrl(dev: string | null): string {
  return dev ?? `${APP_ORIGIN}/index.html`;
}

/** Is this URL the app's own page (the app origin, or the dev server in development)? */
export function isAppUrl(url: string, dev: string | null): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (`${parsed.protocol}//${parsed.host}` === APP_ORIGIN) return true;
  return dev !== null && parsed.origin === new URL(dev).origin;
}
