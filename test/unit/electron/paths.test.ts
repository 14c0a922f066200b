import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as electron from './mocks/electron';
import { defaultLibraryPath } from '../../../db/connection';

vi.mock('electron', () => import('./mocks/electron'));

const { APP_NAME, buildPaths, isAppUrl, libraryPath, rendererUrl } = await import('../../../electron/main/paths');

/** Electron's userData: its appData for the platform plus the app's name. */
function electronUserData(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, home: string): string {
  const appData =
    platform === 'win32' ? env.APPDATA! : platform === 'darwin' ? join(home, 'Library', 'Application Support') : (env.XDG_CONFIG_HOME ?? join(home, '.config'));
  return join(appData, APP_NAME);
}

describe('paths', () => {
  beforeEach(() => electron.reset());

  it.each([
    ['linux', { XDG_CONFIG_HOME: '/home/u/.cfg' }],
    ['linux', {}],
    ['darwin', {}],
    ['win32', { APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }],
  ] as const)('the app library is the CLI default library on %s %j', async (platform, env) => {
    const { homedir } = await import('node:os');
    electron.app.userData = electronUserData(platform, env, homedir());
    expect(libraryPath({ ...env })).toBe(defaultLibraryPath({ ...env }, platform));
  });

  it('honours KUBE_NETPATH_DB like the CLI', () => {
    expect(libraryPath({ KUBE_NETPATH_DB: '/tmp/x.sqlite' })).toBe('/tmp/x.sqlite');
    expect(defaultLibraryPath({ KUBE_NETPATH_DB: '/tmp/x.sqlite' })).toBe('/tmp/x.sqlite');
  });

  it('knows the build layout and the app origin', () => {
    expect(buildPaths('/app/out/main')).toEqual({ preload: '/app/out/preload/index.cjs', worker: '/app/out/main/worker.js', renderer: '/app/out/renderer' });
    expect(rendererUrl(null)).toBe('app://knp/index.html');
    expect(rendererUrl('http://localhost:5173')).toBe('http://localhost:5173');
    expect(isAppUrl('app://knp/index.html#/x', null)).toBe(true);
    expect(isAppUrl('app://evil/index.html', null)).toBe(false);
    expect(isAppUrl('file:///app/out/renderer/index.html', null)).toBe(false);
    expect(isAppUrl('http://localhost:5173/', null)).toBe(false);
    expect(isAppUrl('http://localhost:5173/', 'http://localhost:5173')).toBe(true);
    expect(isAppUrl('not a url', null)).toBe(false);
  });
});
