// The IPC gateway (Fiddle's IpcMainManager, vscode's validatedIpcMain): the only place main
// listens to the renderer. Every channel carries the `knp:` prefix; every call must come from the
// main frame of an app window showing the app's own page; every argument goes through the shared
// validators; every reply is an IpcReply, never a thrown error (Electron would mangle it). Events
// for the renderer are queued until it says it listens.

import { BrowserWindow, ipcMain, type IpcMainEvent, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { validateArgs } from '../../db/validate';
import { toWireError } from '../../db/worker-client';
import { channelFor, IPC_PREFIX, KNP_METHODS, KNP_NATIVE_CHANNELS, type IpcReply, type KnpApi, type KnpEvent, type KnpEvents } from '../ipc-contract';

export class IpcRefusal extends Error {
  override name = 'IpcRefusal';
  readonly code = 'forbidden-sender';
}

/** Events kept while no window listens; import progress only needs its latest state. */
const MAX_QUEUED = 100;

export class IpcGateway {
  private readonly ready = new Set<WebContents>();
  /** contents whose reloads and destruction reset their readiness */
  private readonly watched = new WeakSet<WebContents>();
  private queue: { event: KnpEvent; payload: unknown }[] = [];

  constructor(private readonly isAppUrl: (url: string) => boolean) {}

  /** Why this sender may not talk to main, or null when it may. */
  refusal(event: IpcMainEvent | IpcMainInvokeEvent): string | null {
    if (!BrowserWindow.fromWebContents(event.sender)) return 'the sender is not an app window';
    const frame = event.senderFrame;
    if (!frame || frame !== event.sender.mainFrame) return 'the sender is not the main frame';
    if (!this.isAppUrl(frame.url)) return `the sender's page ${frame.url} is not the app`;
    return null;
  }

  /** Registers a `knp:` channel; the handler's result or error travels back as an IpcReply. */
  handle(channel: string, handler: (args: unknown, event: IpcMainInvokeEvent) => Promise<unknown>): void {
    if (!channel.startsWith(IPC_PREFIX)) throw new Error(`refusing to handle ${channel}: IPC channels start with ${IPC_PREFIX}`);
    ipcMain.handle(channel, async (event, args: unknown): Promise<IpcReply<unknown>> => {
      try {
        const refused = this.refusal(event);
        if (refused) throw new IpcRefusal(`${channel} refused: ${refused}`);
        return { ok: true, value: await handler(args, event) };
      } catch (error) {
        return { ok: false, error: toWireError(error) };
      }
    });
  }

  /** The renderer subscribed: it gets what was queued, then events as they come. */
  markReady(contents: WebContents): void {
    if (!this.watched.has(contents)) {
      this.watched.add(contents);
      contents.once('destroyed', () => this.ready.delete(contents));
      contents.on('did-start-loading', () => this.ready.delete(contents));
    }
    if (this.ready.has(contents)) return;
    this.ready.add(contents);
    const queued = this.queue;
    this.queue = [];
    for (const { event, payload } of queued) contents.send(channelFor(event), payload);
  }

  send<E extends KnpEvent>(event: E, payload: KnpEvents[E]): void {
    const targets = [...this.ready].filter((c) => !c.isDestroyed());
    if (targets.length === 0) {
      if (event === 'importProgress') this.queue = this.queue.filter((q) => q.event !== 'importProgress');
      this.queue.push({ event, payload });
      if (this.queue.length > MAX_QUEUED) this.queue.shift();
      return;
    }
    for (const contents of targets) contents.send(channelFor(event), payload);
  }
}

export interface IpcOptions {
  isAppUrl(url: string): boolean;
  /** the native open dialog for the calling window */
  pickBundle(win: BrowserWindow | null): Promise<string | null>;
  /** after an import or delete: the Recent menu changes */
  onLibraryChanged(): void;
}

export function setupIpc(api: KnpApi, opts: IpcOptions): IpcGateway {
  const gateway = new IpcGateway(opts.isAppUrl);
  for (const method of KNP_METHODS) {
    gateway.handle(channelFor(method), async (args) => {
      const call = api[method] as (a: unknown) => Promise<unknown>;
      const value = await call.call(api, validateArgs(method, args));
      if (method === 'importBundle' || method === 'deleteSnapshot') opts.onLibraryChanged();
      return value;
    });
  }
  gateway.handle(KNP_NATIVE_CHANNELS.pickBundle, async (_args, event) => opts.pickBundle(BrowserWindow.fromWebContents(event.sender)));
  ipcMain.on(KNP_NATIVE_CHANNELS.rendererReady, (event) => {
    if (!gateway.refusal(event)) gateway.markReady(event.sender);
  });
  return gateway;
}
