// Fakes of the Electron APIs main and the preload use, recording what was asked of them. Tests
// install them with `vi.mock('electron', () => import('./mocks/electron'))` and call reset() in
// beforeEach. Electron's binary is never needed.
import { EventEmitter } from 'node:events';
import { vi } from 'vitest';

let nextId = 1;

export class FakeFrame {
  constructor(public url: string) {}
}

export class FakeWebContents extends EventEmitter {
  readonly id = nextId++;
  readonly mainFrame: FakeFrame;
  readonly sent: { channel: string; payload: unknown }[] = [];
  windowOpenHandler: ((details: { url: string }) => { action: 'allow' | 'deny' }) | null = null;
  destroyed = false;
  constructor(url = 'app://knp/index.html') {
    super();
    this.mainFrame = new FakeFrame(url);
  }
  send(channel: string, payload: unknown) {
    this.sent.push({ channel, payload });
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'allow' | 'deny' }) {
    this.windowOpenHandler = handler;
  }
  isDestroyed() {
    return this.destroyed;
  }
  /** Emits an event the way Electron does, returning whether a listener called preventDefault(). */
  fire(name: string, ...args: unknown[]): boolean {
    let prevented = false;
    this.emit(name, { preventDefault: () => (prevented = true) }, ...args);
    return prevented;
  }
}

export class BrowserWindow extends EventEmitter {
  static windows: BrowserWindow[] = [];
  static fromWebContents(contents: unknown): BrowserWindow | null {
    return BrowserWindow.windows.find((w) => w.webContents === contents) ?? null;
  }
  static getAllWindows() {
    return [...BrowserWindow.windows];
  }
  readonly webContents = new FakeWebContents();
  loadedUrl: string | null = null;
  shown = false;
  focused = false;
  constructor(readonly options: Record<string, unknown>) {
    super();
    BrowserWindow.windows.push(this);
  }
  loadURL(url: string) {
    this.loadedUrl = url;
    return Promise.resolve();
  }
  show() {
    this.shown = true;
  }
  focus() {
    this.focused = true;
  }
  isMinimized() {
    return false;
  }
  restore() {}
  isDestroyed() {
    return false;
  }
}

class FakeIpcMain extends EventEmitter {
  handlers = new Map<string, (event: unknown, args: unknown) => unknown>();
  handle(channel: string, handler: (event: unknown, args: unknown) => unknown) {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  }
  /** What ipcRenderer.invoke would get back, for a call from `contents` (and its main frame unless given). */
  async invoke(channel: string, contents: FakeWebContents, args: unknown, frame: FakeFrame | null = contents.mainFrame): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return handler({ sender: contents, senderFrame: frame }, args);
  }
}

export const ipcMain = new FakeIpcMain();

export const app = Object.assign(new EventEmitter(), {
  name: 'Electron',
  isPackaged: false,
  userData: '/fake/appData/Electron',
  setName: vi.fn((name: string) => (app.name = name)),
  getName: () => app.name,
  getPath: vi.fn((which: string) => (which === 'userData' ? app.userData : `/fake/${which}`)),
  getAppPath: () => '/fake/app',
  whenReady: () => Promise.resolve(),
  requestSingleInstanceLock: () => true,
  quit: vi.fn(),
  exit: vi.fn(),
});

export const Menu = {
  current: null as { template: unknown[] } | null,
  buildFromTemplate: (template: unknown[]) => ({ template }),
  setApplicationMenu: (menu: { template: unknown[] } | null) => {
    Menu.current = menu;
  },
};

export const dialog = {
  showOpenDialog: vi.fn(async (..._args: unknown[]) => ({ canceled: true, filePaths: [] as string[] })),
  showErrorBox: vi.fn(),
};

export const nativeTheme = { themeSource: 'system', shouldUseDarkColors: false };

type Listener = (...args: unknown[]) => void;

export const session = {
  defaultSession: {
    permissionRequestHandler: null as Listener | null,
    permissionCheckHandler: null as ((...args: unknown[]) => boolean) | null,
    beforeRequest: null as Listener | null,
    headersReceived: null as Listener | null,
    setPermissionRequestHandler(handler: Listener) {
      this.permissionRequestHandler = handler;
    },
    setPermissionCheckHandler(handler: (...args: unknown[]) => boolean) {
      this.permissionCheckHandler = handler;
    },
    webRequest: {
      onBeforeRequest: (listener: Listener) => {
        session.defaultSession.beforeRequest = listener;
      },
      onHeadersReceived: (listener: Listener) => {
        session.defaultSession.headersReceived = listener;
      },
    },
  },
};

export const protocol = {
  privileged: [] as unknown[],
  handlers: new Map<string, (request: Request) => Promise<Response>>(),
  registerSchemesAsPrivileged: (schemes: unknown[]) => protocol.privileged.push(...schemes),
  handle: (scheme: string, handler: (request: Request) => Promise<Response>) => protocol.handlers.set(scheme, handler),
};

export const ipcRenderer = {
  invoke: vi.fn(async (..._args: unknown[]): Promise<unknown> => undefined),
  on: vi.fn(),
  removeListener: vi.fn(),
  send: vi.fn(),
};

/** getPathForFile answers the `path` a test put on its fake File ('' like Electron for a File not backed by a file). */
export const webUtils = {
  getPathForFile: vi.fn((file: unknown): string => (file as { path?: string }).path ?? ''),
};

export const contextBridge = {
  exposed: new Map<string, unknown>(),
  exposeInMainWorld: (key: string, value: unknown) => contextBridge.exposed.set(key, value),
};

export function reset(): void {
  BrowserWindow.windows = [];
  ipcMain.handlers.clear();
  ipcMain.removeAllListeners();
  app.removeAllListeners();
  app.name = 'Electron';
  Menu.current = null;
  dialog.showOpenDialog.mockClear();
  dialog.showErrorBox.mockClear();
  nativeTheme.themeSource = 'system';
  protocol.privileged = [];
  protocol.handlers.clear();
  contextBridge.exposed.clear();
  for (const fn of Object.values(ipcRenderer)) fn.mockReset();
  webUtils.getPathForFile.mockClear();
}
