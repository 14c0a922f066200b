import { describe, expect, it, vi } from 'vitest';
import { KNP_METHODS } from '../../../electron/ipc-contract';
import { fakeApi } from './fake-api';
import * as electron from './mocks/electron';

vi.mock('electron', () => import('./mocks/electron'));

const db = { ...fakeApi(), close: vi.fn(async () => {}) };
const startDbWorker = vi.fn(async (_opts: { workerPath: string; dbPath: string }) => db);
vi.mock('../../../db/worker-client', async (original) => ({ ...(await original<object>()), startDbWorker }));

describe('electron main bootstrap', () => {
  it('names the app, then sets up security, the db worker, IPC, menus and the window', async () => {
    electron.reset();
    delete process.env.KUBE_NETPATH_DB;
    delete process.env.ELECTRON_RENDERER_URL;
    db.listSnapshots.mockResolvedValue([]);
    await import('../../../electron/main/index');
    await vi.waitFor(() => expect(electron.Menu.current).not.toBeNull());
    await vi.waitFor(() => expect(db.listSnapshots).toHaveBeenCalled());

    expect(electron.app.setName).toHaveBeenCalledWith('kube-netpath');
    expect(electron.protocol.privileged).toHaveLength(1);
    expect(electron.protocol.handlers.has('app')).toBe(true);
    expect(electron.session.defaultSession.beforeRequest).not.toBeNull();
    const [opts] = startDbWorker.mock.calls[0];
    expect(opts.workerPath).toMatch(/[\\/]worker\.js$/);
    expect(opts.dbPath).toBe('/fake/appData/Electron/library.sqlite');
    for (const m of KNP_METHODS) expect(electron.ipcMain.handlers.has(`knp:${m}`)).toBe(true);
    const [win] = electron.BrowserWindow.windows;
    expect(win.loadedUrl).toBe('app://knp/index.html');
    expect((win.options.webPreferences as { preload: string }).preload).toMatch(/preload[\\/]index\.cjs$/);

    let prevented = false;
    electron.app.emit('will-quit', { preventDefault: () => (prevented = true) });
    expect(prevented).toBe(true);
    await vi.waitFor(() => expect(electron.app.quit).toHaveBeenCalled());
    expect(db.close).toHaveBeenCalledOnce();
  });
});
