// The web harness: the built renderer and the same KnpApi the Electron app has, served over HTTP
// to a browser on this machine (and to the Playwright e2e tests). Same LibraryService, same
// validators, same IpcReply shape as the IPC gateway. Locked down the same way too:
//  - bound to 127.0.0.1 only, and requests naming another Host are refused (DNS rebinding);
//  - a random token is required on every request: `?token=` on the first page load (which sets
//    a SameSite=Strict cookie so the page's own scripts and styles load), the `X-Knp-Token`
//    header on every API call (a cookie alone never reaches the API, so other origins cannot
//    call it);
//  - a strict Content-Security-Policy and no CORS headers: no other origin is let in.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ImportProgress } from '../../db/api-types';
import { LibraryService } from '../../db/library-service';
import { isKnpMethod, validateArgs } from '../../db/validate';
import { startDbWorker, toWireError } from '../../db/worker-client';
import type { IpcReply, KnpApi, KnpEvent, KnpEvents } from '../ipc-contract';
import { RENDERER_CSP, readStatic } from './static-files';

export const TOKEN_HEADER = 'x-knp-token';
const TOKEN_COOKIE = 'knp_token';
const MAX_BODY_BYTES = 1024 * 1024;
const HOST = '127.0.0.1';

export interface WebServerOptions {
  /** the library file */
  dbPath: string;
  /** 0 picks a free port */
  port: number;
  /** the built renderer: out/renderer */
  rendererDir: string;
  /** fixed token (tests); a random one otherwise */
  token?: string;
  /** run the library in the db worker built at this path (out/main/worker.js); in-process when absent */
  workerPath?: string;
}

export interface WebServer {
  /** `http://127.0.0.1:PORT/?token=…` */
  url: string;
  token: string;
  close(): Promise<void>;
}

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': RENDERER_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)), ...extra });
  res.end(body);
}

function reply(res: ServerResponse, status: number, body: IpcReply<unknown>): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

function failure(name: string, message: string, code: string): IpcReply<never> {
  return { ok: false, error: { name, message, code } };
}

function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error(`request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

type Backend = KnpApi & { close(): void | Promise<void> };

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const streams = new Set<ServerResponse>();
  const broadcast = <E extends KnpEvent>(event: E, payload: KnpEvents[E]) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const res of streams) res.write(frame);
  };
  const onImportProgress = (p: ImportProgress) => broadcast('importProgress', p);
  const backend: Backend = opts.workerPath
    ? await startDbWorker({ workerPath: opts.workerPath, dbPath: opts.dbPath, onImportProgress })
    : new LibraryService(opts.dbPath, { onImportProgress });

  let port = opts.port;
  const allowedHosts = () => [`${HOST}:${port}`, `localhost:${port}`];

  const handleApi = async (req: IncomingMessage, res: ServerResponse, name: string) => {
    if (name === 'events' && req.method === 'GET') {
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
      res.write(': connected\n\n');
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }
    if (!isKnpMethod(name)) return reply(res, 404, failure('NotFoundError', `unknown method ${JSON.stringify(name)}`, 'unknown-method'));
    if (req.method !== 'POST') return reply(res, 405, failure('MethodError', `use POST for /api/${name}`, 'method-not-allowed'));
    let args: unknown;
    try {
      const body = await readBody(req);
      args = body === '' ? undefined : JSON.parse(body);
    } catch (error) {
      return reply(res, 400, failure('BadRequest', `${name}: ${(error as Error).message}`, 'bad-request'));
    }
    try {
      const valid = validateArgs(name, args);
      const call = backend[name] as (a: unknown) => Promise<unknown>;
      reply(res, 200, { ok: true, value: await call.call(backend, valid) });
    } catch (error) {
      reply(res, 200, { ok: false, error: toWireError(error) });
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (!allowedHosts().includes(req.headers.host ?? '')) return send(res, 403, 'text/plain; charset=utf-8', 'forbidden host\n');
    const url = new URL(req.url ?? '/', `http://${HOST}:${port}`);
    const header = req.headers[TOKEN_HEADER];
    const byHeader = sameToken(typeof header === 'string' ? header : undefined, token);
    if (url.pathname.startsWith('/api/')) {
      if (!byHeader) return reply(res, 403, failure('AccessDenied', `missing or wrong ${TOKEN_HEADER} header`, 'forbidden'));
      return handleApi(req, res, url.pathname.slice('/api/'.length));
    }
    const byQuery = sameToken(url.searchParams.get('token') ?? undefined, token);
    if (!byHeader && !byQuery && !sameToken(cookie(req, TOKEN_COOKIE), token)) {
      return send(res, 403, 'text/plain; charset=utf-8', 'access denied: open the URL printed by npm run web (it carries the token)\n');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    const file = await readStatic(opts.rendererDir, url.pathname);
    if (!file) return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
    const setCookie: Record<string, string> = byQuery ? { 'Set-Cookie': `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/` } : {};
    send(res, 200, file.type, req.method === 'HEAD' ? '' : file.body, setCookie);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `${(error as Error).message}\n`);
      else res.end();
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, HOST, () => resolve());
    });
  } catch (error) {
    await backend.close();
    throw error;
  }
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://${HOST}:${port}/?token=${token}`,
    token,
    close: async () => {
      for (const res of streams) res.end();
      streams.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await backend.close();
    },
  };
}
