import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as electron from './mocks/electron';

vi.mock('electron', () => import('./mocks/electron'));

const { bundlePathsFromArgv, setupOpenFile } = await import('../../../electron/main/open-file');

describe('setupOpenFile', () => {
  const open = vi.fn(async (_path: string) => {});
  const flush = () => new Promise((r) => setTimeout(r, 0));

  beforeEach(() => {
    electron.reset();
    open.mockClear();
  });

  it('finds bundle paths in a command line', () => {
    expect(bundlePathsFromArgv(['/usr/bin/electron', '.', '/b/one.tgz', '--inspect'], false)).toEqual(['/b/one.tgz']);
    expect(bundlePathsFromArgv(['/opt/kube-netpath', '/b/one.tgz', '/b/two'], true)).toEqual(['/b/one.tgz', '/b/two']);
  });

  it('opens files the OS hands over (macOS open-file, a second launch), once the opener exists', async () => {
    let ready: (o: { open: typeof open }) => void = () => {};
    setupOpenFile(new Promise((r) => (ready = r)));
    let prevented = false;
    electron.app.emit('open-file', { preventDefault: () => (prevented = true) }, '/b/from-finder.tgz');
    expect(prevented).toBe(true);
    await flush();
    expect(open).not.toHaveBeenCalled();
    ready({ open });
    await flush();
    expect(open).toHaveBeenCalledWith('/b/from-finder.tgz');
    electron.app.emit('second-instance', {}, ['/usr/bin/electron', '.', '/b/second.tgz'], '/');
    await flush();
    expect(open).toHaveBeenLastCalledWith('/b/second.tgz');
  });

  it('turns a file dropped on the window into an import instead of a navigation', async () => {
    const files = setupOpenFile(Promise.resolve({ open }));
    const win = new electron.BrowserWindow({});
    files.trackWindow(win as never);
    expect(win.webContents.fire('will-navigate', 'file:///home/me/bundle%20one.tar.gz')).toBe(true);
    await flush();
    expect(open).toHaveBeenCalledWith('/home/me/bundle one.tar.gz');
    win.webContents.fire('will-navigate', 'https://example.com/');
    await flush();
    expect(open).toHaveBeenCalledTimes(1);
  });
});
