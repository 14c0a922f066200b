// Electron main: names the app (so userData, and with it the library, is <appData>/kube-netpath),
// then one setupX() per feature once the app is ready (Fiddle's main.ts). All library work runs
// in the db worker; main only routes.

import { app, dialog } from 'electron';
import { existsSync } from 'node:fs';
import { startDbWorker, type DbClient } from '../../db/worker-client';
import { registerAppScheme, setupAppProtocol } from './app-protocol';
import { setupIpc } from './ipc';
import { setupMenu } from './menu';
import { createBundleOpener, pickBundlePath, type BundleOpener } from './open-bundle';
import { setupOpenFile } from './open-file';
import { APP_NAME, buildPaths, devServerUrl, isAppUrl, libraryPath, rendererUrl } from './paths';
import { importSampleOnFirstRun } from './sample';
import { setupSecurity } from './security';
import { setupWindow } from './window';

app.setName(APP_NAME);
registerAppScheme();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let resolveOpener: (opener: BundleOpener) => void = () => {};
  const openFile = setupOpenFile(new Promise<BundleOpener>((resolve) => (resolveOpener = resolve)));
  let db: DbClient | null = null;

  const onReady = async () => {
    const paths = buildPaths();
    const dev = devServerUrl();
    setupSecurity(dev);
    setupAppProtocol(paths.renderer);

    const library = libraryPath();
    const firstRun = !existsSync(library);
    let gateway: ReturnType<typeof setupIpc> | null = null;
    db = await startDbWorker({ workerPath: paths.worker, dbPath: library, onImportProgress: (p) => gateway?.send('importProgress', p) });
    const api = db;
    let refreshMenu = async () => {};
    const onLibraryChanged = () => void refreshMenu();
    gateway = setupIpc(api, { isAppUrl: (url) => isAppUrl(url, dev), pickBundle: (win) => pickBundlePath(win), onLibraryChanged });
    const opener = createBundleOpener(api, gateway, onLibraryChanged);
    refreshMenu = setupMenu({ api, gateway, opener, dev: dev !== null }).refresh;

    const win = setupWindow({ preload: paths.preload, url: rendererUrl(dev) });
    openFile.trackWindow(win);
    if (await importSampleOnFirstRun(api, firstRun, app.getAppPath())) {
      const [sample] = await api.listSnapshots({});
      gateway.send('menuCommand', { command: 'open-snapshot', snapshotId: sample.id });
    }
    await refreshMenu();
    resolveOpener(opener);
  };

  app
    .whenReady()
    .then(onReady)
    .catch((error: unknown) => {
      dialog.showErrorBox('kube-netpath cannot start', error instanceof Error ? error.message : String(error));
      app.exit(1);
    });
  app.on('window-all-closed', () => app.quit());
  app.on('will-quit', (event) => {
    if (!db) return;
    event.preventDefault();
    const closing = db;
    db = null;
    void closing.close().finally(() => app.quit());
  });
}
