import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as electron from './mocks/electron';

vi.mock('electron', () => import('./mocks/electron'));

const { setupWindow, getMainWindow, focusMainWindow } = await import('../../../electron/main/window');

describe('setupWindow', () => {
  beforeEach(() => electron.reset());

  it('creates one locked-down window loading the app page', () => {
    const win = setupWindow({ preload: '/out/preload/index.cjs', url: 'app://knp/index.html' }) as unknown as electron.BrowserWindow;
    expect(win.options.webPreferences).toEqual({
      preload: '/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      webviewTag: false,
      navigateOnDragDrop: true,
      spellcheck: false,
    });
    expect(win.options.show).toBe(false);
    expect(win.loadedUrl).toBe('app://knp/index.html');
    expect(win.shown).toBe(false);
    win.emit('ready-to-show');
    expect(win.shown).toBe(true);
  });

  it('keeps a single main window and forgets it when closed', () => {
    const first = setupWindow({ preload: 'p', url: 'app://knp/index.html' });
    expect(setupWindow({ preload: 'p', url: 'app://knp/index.html' })).toBe(first);
    expect(getMainWindow()).toBe(first);
    focusMainWindow();
    expect((first as unknown as electron.BrowserWindow).focused).toBe(true);
    (first as unknown as electron.BrowserWindow).emit('closed');
    expect(getMainWindow()).toBeNull();
  });
});
