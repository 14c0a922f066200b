// window.knp, built over ipcRenderer: one function per KnpApi method, each invoking its `knp:`
// channel and unwrapping the IpcReply (errors keep name, message and code); `on` for the
// contract's events only. The first subscription tells main the renderer listens, so events main
// queued meanwhile (import progress, menu commands) arrive. pathForFile gives a dropped File's
// path (sandboxed renderers no longer see File.path): the Library imports dropped bundles by it.

import type { IpcRenderer, IpcRendererEvent, WebUtils } from 'electron';
import {
  channelFor,
  IPC_PREFIX,
  KNP_EVENTS,
  KNP_NATIVE_CHANNELS,
  type IpcReply,
  type KnpApi,
  type KnpBridge,
  type KnpEvent,
  type KnpEvents,
  type KnpMethod,
} from '../ipc-contract';

export type IpcLike = Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener' | 'send'>;
export type WebUtilsLike = Pick<WebUtils, 'getPathForFile'>;

export function createBridge(ipc: IpcLike, webUtils?: WebUtilsLike): KnpBridge {
  const invoke = async (channel: string, args?: unknown): Promise<unknown> => {
    if (!channel.startsWith(IPC_PREFIX)) throw new Error(`refusing to invoke ${channel}: not a ${IPC_PREFIX} channel`);
    const reply = (await ipc.invoke(channel, args)) as IpcReply<unknown>;
    if (reply.ok) return reply.value;
    throw Object.assign(new Error(reply.error.message), { name: reply.error.name, code: reply.error.code });
  };
  const method = <M extends KnpMethod>(name: M): KnpApi[M] => ((args: unknown) => invoke(channelFor(name), args)) as KnpApi[M];

  /** A Record over the method names: a method added to KnpApi and not mapped here does not compile. */
  const api: { [M in KnpMethod]: KnpApi[M] } = {
    listSnapshots: method('listSnapshots'),
    importBundle: method('importBundle'),
    deleteSnapshot: method('deleteSnapshot'),
    getOverview: method('getOverview'),
    listServices: method('listServices'),
    traceService: method('traceService'),
    traceFlow: method('traceFlow'),
    listVeths: method('listVeths'),
    diffSnapshots: method('diffSnapshots'),
    getRuleset: method('getRuleset'),
    getNetwork: method('getNetwork'),
    search: method('search'),
    fileExcerpt: method('fileExcerpt'),
    listFiles: method('listFiles'),
    runQuery: method('runQuery'),
  };

  let announced = false;
  const on = <E extends KnpEvent>(event: E, listener: (payload: KnpEvents[E]) => void): (() => void) => {
    if (!KNP_EVENTS.includes(event)) throw new Error(`unknown event ${String(event)}`);
    const channel = channelFor(event);
    const wrapped = (_e: IpcRendererEvent, payload: KnpEvents[E]) => listener(payload);
    ipc.on(channel, wrapped);
    if (!announced) {
      announced = true;
      ipc.send(KNP_NATIVE_CHANNELS.rendererReady);
    }
    return () => void ipc.removeListener(channel, wrapped);
  };

  return {
    api,
    on,
    native: true,
    pickBundle: () => invoke(KNP_NATIVE_CHANNELS.pickBundle) as Promise<string | null>,
    ...(webUtils ? { pathForFile: (file: File) => webUtils.getPathForFile(file) } : {}),
  };
}
