import { beforeEach, describe, expect, it, vi } from 'vitest';
import { KNP_METHODS, KNP_NATIVE_CHANNELS } from '../../../electron/ipc-contract';
import { fakeApi, type FakeApi } from './fake-api';
import * as electron from './mocks/electron';

vi.mock('electron', () => import('./mocks/electron'));

const { IpcGateway, setupIpc } = await import('../../../electron/main/ipc');

const isAppUrl = (url: string) => url.startsWith('app://knp/');

describe('setupIpc', () => {
  let api: FakeApi;
  let win: electron.BrowserWindow;
  const onLibraryChanged = vi.fn();
  const pickBundle = vi.fn(async () => '/picked/bundle.tar.gz');

  beforeEach(() => {
    electron.reset();
    onLibraryChanged.mockClear();
    api = fakeApi();
    win = new electron.BrowserWindow({});
    setupIpc(api, { isAppUrl, pickBundle, onLibraryChanged });
  });

  it('handles exactly one knp: channel per API method, plus the native dialog', () => {
    expect([...electron.ipcMain.handlers.keys()].sort()).toEqual([...KNP_METHODS.map((m) => `knp:${m}`), KNP_NATIVE_CHANNELS.pickBundle].sort());
  });

  it('replies {ok: true, value} with validated arguments', async () => {
    const reply = await electron.ipcMain.invoke('knp:getOverview', win.webContents, { snapshotId: 3 });
    expect(reply).toEqual({ ok: true, value: { method: 'getOverview', args: { snapshotId: 3 } } });
    expect(onLibraryChanged).not.toHaveBeenCalled();
    await electron.ipcMain.invoke('knp:deleteSnapshot', win.webContents, { snapshotId: 3 });
    expect(onLibraryChanged).toHaveBeenCalledOnce();
  });

  it('refuses bad arguments before they reach the library', async () => {
    const reply = await electron.ipcMain.invoke('knp:traceFlow', win.webContents, { snapshotId: 1, flow: { to: 'nope', port: 80 } });
    expect(reply).toEqual({ ok: false, error: { name: 'ValidationError', message: 'args.flow.to: expected an IPv4 or IPv6 address, got "nope"', code: 'invalid-argument' } });
    expect(api.traceFlow).not.toHaveBeenCalled();
  });

  it('turns library errors into {ok: false, error: {name, message, code}}', async () => {
    api.importBundle.mockRejectedValueOnce(Object.assign(new Error('importBundle: not a bundle'), { name: 'ImportError', code: 'not-an-archive' }));
    expect(await electron.ipcMain.invoke('knp:importBundle', win.webContents, { path: '/x' })).toEqual({
      ok: false,
      error: { name: 'ImportError', message: 'importBundle: not a bundle', code: 'not-an-archive' },
    });
  });

  it('refuses senders that are not an app window, not its main frame, or not the app page', async () => {
    const stranger = new electron.FakeWebContents();
    const refused = (reply: unknown) => expect(reply).toMatchObject({ ok: false, error: { name: 'IpcRefusal', code: 'forbidden-sender' } });
    refused(await electron.ipcMain.invoke('knp:listSnapshots', stranger, {}));
    refused(await electron.ipcMain.invoke('knp:listSnapshots', win.webContents, {}, new electron.FakeFrame('app://knp/index.html')));
    refused(await electron.ipcMain.invoke('knp:listSnapshots', win.webContents, {}, null));
    win.webContents.mainFrame.url = 'https://example.com/';
    refused(await electron.ipcMain.invoke('knp:listSnapshots', win.webContents, {}));
    expect(api.listSnapshots).not.toHaveBeenCalled();
  });

  it('has no handler for channels outside the contract', async () => {
    await expect(electron.ipcMain.invoke('knp:dropEverything', win.webContents, {})).rejects.toThrow(/No handler registered/);
    await expect(electron.ipcMain.invoke('listSnapshots', win.webContents, {})).rejects.toThrow(/No handler registered/);
  });

  it('opens the native dialog for the calling window', async () => {
    expect(await electron.ipcMain.invoke(KNP_NATIVE_CHANNELS.pickBundle, win.webContents, undefined)).toEqual({ ok: true, value: '/picked/bundle.tar.gz' });
    expect(pickBundle).toHaveBeenCalledWith(win);
  });
});

describe('IpcGateway', () => {
  beforeEach(() => electron.reset());

  it('refuses to register channels without the knp: prefix', () => {
    const gateway = new IpcGateway(isAppUrl);
    expect(() => gateway.handle('listSnapshots', async () => 1)).toThrow(/start with knp:/);
    expect(electron.ipcMain.handlers.size).toBe(0);
  });

  it('queues events until the renderer listens, keeping only the latest progress', () => {
    const win = new electron.BrowserWindow({});
    const gateway = setupIpc(fakeApi(), { isAppUrl, pickBundle: async () => null, onLibraryChanged: () => {} });
    const progress = (rows: number) => ({ phase: 'write' as const, bytesRead: 0, totalBytes: 0, files: 0, rows, currentFile: null });
    gateway.send('importProgress', progress(1));
    gateway.send('importProgress', progress(2));
    gateway.send('menuCommand', { command: 'open-snapshot', snapshotId: 1 });
    expect(win.webContents.sent).toEqual([]);
    electron.ipcMain.emit(KNP_NATIVE_CHANNELS.rendererReady, { sender: win.webContents, senderFrame: win.webContents.mainFrame });
    expect(win.webContents.sent).toEqual([
      { channel: 'knp:importProgress', payload: progress(2) },
      { channel: 'knp:menuCommand', payload: { command: 'open-snapshot', snapshotId: 1 } },
    ]);
    gateway.send('menuCommand', { command: 'compare' });
    expect(win.webContents.sent).toHaveLength(3);
    win.webContents.emit('did-start-loading');
    gateway.send('menuCommand', { command: 'open' });
    expect(win.webContents.sent).toHaveLength(3);
    electron.ipcMain.emit(KNP_NATIVE_CHANNELS.rendererReady, { sender: win.webContents, senderFrame: win.webContents.mainFrame });
    expect(win.webContents.sent.at(-1)).toEqual({ channel: 'knp:menuCommand', payload: { command: 'open' } });
  });

  it('ignores a ready signal from a foreign sender', () => {
    const gateway = setupIpc(fakeApi(), { isAppUrl, pickBundle: async () => null, onLibraryChanged: () => {} });
    const stranger = new electron.FakeWebContents();
    electron.ipcMain.emit(KNP_NATIVE_CHANNELS.rendererReady, { sender: stranger, senderFrame: stranger.mainFrame });
    gateway.send('menuCommand', { command: 'compare' });
    expect(stranger.sent).toEqual([]);
  });
});
