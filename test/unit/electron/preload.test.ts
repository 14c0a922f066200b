import { beforeEach, describe, expect, it, vi } from 'vitest';
import { KNP_METHODS, KNP_NATIVE_CHANNELS, type KnpBridge } from '../../../electron/ipc-contract';
import * as electron from './mocks/electron';

vi.mock('electron', () => import('./mocks/electron'));

const { createBridge } = await import('../../../electron/preload/bridge');

describe('preload', () => {
  let bridge: KnpBridge;

  beforeEach(() => {
    electron.reset();
    bridge = createBridge(electron.ipcRenderer);
  });

  it('exposes window.knp and nothing else', async () => {
    await import('../../../electron/preload/index');
    expect([...electron.contextBridge.exposed.keys()]).toEqual(['knp']);
    const exposed = electron.contextBridge.exposed.get('knp') as KnpBridge;
    expect(Object.keys(exposed).sort()).toEqual(['api', 'native', 'on', 'pathForFile', 'pickBundle']);
    // the preload wires Electron's own webUtils in
    exposed.pathForFile!(Object.assign(new Blob([]), { path: '/x.tgz' }) as unknown as File);
    expect(electron.webUtils.getPathForFile).toHaveBeenCalledTimes(1);
    expect(bridge.native).toBe(true);
    expect(typeof bridge.pickBundle).toBe('function');
  });

  it('gives a dropped File\'s path through webUtils.getPathForFile, and only with webUtils', () => {
    const exposed = createBridge(electron.ipcRenderer, electron.webUtils);
    const file = Object.assign(new Blob(['x']), { name: 'bundle.tar.gz', path: '/home/me/bundle.tar.gz' }) as unknown as File;
    expect(exposed.pathForFile!(file)).toBe('/home/me/bundle.tar.gz');
    expect(electron.webUtils.getPathForFile).toHaveBeenCalledWith(file);
    expect(exposed.pathForFile!(new Blob(['y']) as unknown as File)).toBe('');
    expect(createBridge(electron.ipcRenderer).pathForFile).toBeUndefined();
  });

  it('maps every contract method, each to its knp: channel', async () => {
    expect(Object.keys(bridge.api).sort()).toEqual([...KNP_METHODS].sort());
    electron.ipcRenderer.invoke.mockResolvedValue({ ok: true, value: ['s'] });
    expect(await bridge.api.listSnapshots({})).toEqual(['s']);
    expect(await bridge.api.getOverview({ snapshotId: 4 })).toEqual(['s']);
    expect(electron.ipcRenderer.invoke.mock.calls).toEqual([
      ['knp:listSnapshots', {}],
      ['knp:getOverview', { snapshotId: 4 }],
    ]);
  });

  it('unwraps error replies into thrown errors with name, message and code', async () => {
    electron.ipcRenderer.invoke.mockResolvedValue({ ok: false, error: { name: 'NotFoundError', message: 'getOverview: no snapshot with id 9', code: 'not-found' } });
    const error = await bridge.api.getOverview({ snapshotId: 9 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'NotFoundError', message: 'getOverview: no snapshot with id 9', code: 'not-found' });
  });

  it('subscribes to contract events only, and tells main it listens once', () => {
    const listener = vi.fn();
    const off = bridge.on('importProgress', listener);
    bridge.on('menuCommand', vi.fn());
    expect(electron.ipcRenderer.send.mock.calls).toEqual([[KNP_NATIVE_CHANNELS.rendererReady]]);
    const [channel, wrapped] = electron.ipcRenderer.on.mock.calls[0] as [string, (e: unknown, p: unknown) => void];
    expect(channel).toBe('knp:importProgress');
    wrapped({ sender: 'hidden' }, { phase: 'done' });
    expect(listener).toHaveBeenCalledWith({ phase: 'done' });
    off();
    expect(electron.ipcRenderer.removeListener).toHaveBeenCalledWith('knp:importProgress', wrapped);
    expect(() => bridge.on('ipc-secrets' as never, vi.fn())).toThrow(/unknown event/);
    expect(electron.ipcRenderer.on).toHaveBeenCalledTimes(2);
  });

  it('opens the native dialog through main', async () => {
    electron.ipcRenderer.invoke.mockResolvedValue({ ok: true, value: '/b.tgz' });
    expect(await bridge.pickBundle!()).toBe('/b.tgz');
    expect(electron.ipcRenderer.invoke).toHaveBeenCalledWith(KNP_NATIVE_CHANNELS.pickBundle, undefined);
  });
});
