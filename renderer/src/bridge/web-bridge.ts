// window.knp for the web harness (`npm run web`): the same KnpBridge the Electron preload exposes,
// over HTTP to electron/web/server.ts. Calls are `POST /api/<method>` with the JSON argument and
// come back as IpcReply JSON; events arrive as server-sent events on `GET /api/events`. Every
// request carries the access token from the URL the server printed (`/?token=…`), which is kept
// in sessionStorage and taken out of the address bar.

import { KNP_EVENTS, KNP_METHODS, type IpcReply, type KnpApi, type KnpBridge, type KnpEvent, type KnpEvents } from '../../../electron/ipc-contract';

const TOKEN_HEADER = 'X-Knp-Token';
const TOKEN_KEY = 'knp-token';
const RECONNECT_MS = 1000;

export interface WebBridgeOptions {
  /** the server's origin; the page's own by default */
  baseUrl?: string;
  /** the access token; by default read from `?token=` (then kept for this tab) */
  token?: string;
}

/** The token from `?token=…`, remembered for reloads of this tab and removed from the address bar. */
function pageToken(): string {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    window.sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return window.sessionStorage.getItem(TOKEN_KEY) ?? '';
}

type Listener = (payload: unknown) => void;

export function createWebBridge(opts: WebBridgeOptions = {}): KnpBridge {
  const base = opts.baseUrl ?? '';
  const token = opts.token ?? pageToken();
  const headers = { [TOKEN_HEADER]: token };

  const call = async (method: string, args: unknown): Promise<unknown> => {
    const response = await fetch(`${base}/api/${method}`, {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: JSON.stringify(args),
    });
    if (response.status === 403) throw new Error(`${method}: access denied: open the URL that npm run web printed (it carries the token)`);
    const reply = (await response.json()) as IpcReply<unknown>;
    if (reply.ok) return reply.value;
    throw Object.assign(new Error(reply.error.message), { name: reply.error.name, code: reply.error.code });
  };

  const api = Object.fromEntries(KNP_METHODS.map((m) => [m, (args: unknown) => call(m, args)])) as unknown as KnpApi;

  const listeners = new Map<KnpEvent, Set<Listener>>(KNP_EVENTS.map((e) => [e, new Set<Listener>()]));
  let stream: AbortController | null = null;

  const dispatch = (block: string) => {
    let event = 'message';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data += line.slice(5).trim();
    }
    const set = listeners.get(event as KnpEvent);
    if (!set || data === '') return;
    const payload: unknown = JSON.parse(data);
    for (const listener of set) listener(payload);
  };

  const subscribed = () => [...listeners.values()].some((s) => s.size > 0);

  const connect = async (controller: AbortController) => {
    try {
      const response = await fetch(`${base}/api/events`, { headers, signal: controller.signal });
      if (!response.ok || !response.body) throw new Error(`events: HTTP ${response.status}`);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          dispatch(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch (error) {
      if (controller.signal.aborted) return;
      console.warn('knp events:', error);
    }
    if (stream === controller && subscribed()) setTimeout(() => stream === controller && void connect(controller), RECONNECT_MS);
  };

  const on = <E extends KnpEvent>(event: E, listener: (payload: KnpEvents[E]) => void): (() => void) => {
    const set = listeners.get(event);
    if (!set) throw new Error(`unknown event ${String(event)}`);
    set.add(listener as Listener);
    if (!stream) {
      stream = new AbortController();
      void connect(stream);
    }
    return () => {
      set.delete(listener as Listener);
      if (!subscribed() && stream) {
        stream.abort();
        stream = null;
      }
    };
  };

  return { api, on, native: false };
}
