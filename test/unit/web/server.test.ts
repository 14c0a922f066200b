import { build } from 'esbuild';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportProgress } from '../../../db/api-types';
import type { IpcReply, KnpBridge } from '../../../electron/ipc-contract';
import { startWebServer, type WebServer } from '../../../electron/web/server';

const ROOT = join(__dirname, '../../..');
const ARTICLE = join(ROOT, 'test/fixtures/bundles/article');
const TOKEN = 'test-token-0123456789';

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with full control over Host and headers (fetch would not let us forge Host). */
function raw(port: number, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: init.method ?? 'GET', headers: init.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

describe('web harness server', () => {
  let dir: string;
  let server: WebServer;
  let port: number;
  const api = (method: string, args: unknown, headers: Record<string, string> = { 'X-Knp-Token': TOKEN }) =>
    raw(port, `/api/${method}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(args) });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'knp-web-'));
    const rendererDir = join(dir, 'renderer');
    mkdirSync(join(rendererDir, 'assets'), { recursive: true });
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>kube-netpath</title><script type="module" src="./assets/index.js"></script>');
    writeFileSync(join(rendererDir, 'assets/index.js'), 'console.log(1);');
    writeFileSync(join(dir, 'secret.txt'), 'outside the renderer');
    server = await startWebServer({ dbPath: join(dir, 'library.sqlite'), port: 0, rendererDir, token: TOKEN });
    port = Number(new URL(server.url).port);
  });

  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 only and prints a URL with the token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${port}/?token=${TOKEN}`);
    expect(server.token).toBe(TOKEN);
  });

  it('requires the token on every request', async () => {
    expect((await raw(port, '/')).status).toBe(403);
    expect((await raw(port, '/assets/index.js')).status).toBe(403);
    expect((await raw(port, '/?token=wrong')).status).toBe(403);
    expect((await api('listSnapshots', {}, {})).status).toBe(403);
    expect((await api('listSnapshots', {}, { 'X-Knp-Token': 'wrong' })).status).toBe(403);
    expect((await raw(port, '/api/events')).status).toBe(403);
  });

  it('keeps the API to the header: the page cookie or ?token= alone do not open it', async () => {
    const cookie = `knp_token=${TOKEN}`;
    expect((await api('listSnapshots', {}, { Cookie: cookie })).status).toBe(403);
    expect((await raw(port, `/api/listSnapshots?token=${TOKEN}`, { method: 'POST', body: '{}' })).status).toBe(403);
  });

  it('refuses requests that name another host (DNS rebinding)', async () => {
    const res = await raw(port, `/?token=${TOKEN}`, { headers: { Host: `evil.example:${port}` } });
    expect(res.status).toBe(403);
    expect((await raw(port, `/?token=${TOKEN}`, { headers: { Host: `localhost:${port}` } })).status).toBe(200);
  });

  it('serves the built renderer with a strict CSP, setting a same-site cookie for its assets', async () => {
    const page = await raw(port, `/?token=${TOKEN}`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<title>kube-netpath</title>');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['access-control-allow-origin']).toBeUndefined();
    const setCookie = String(page.headers['set-cookie']);
    expect(setCookie).toContain(`knp_token=${TOKEN}`);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    const asset = await raw(port, '/assets/index.js', { headers: { Cookie: `knp_token=${TOKEN}` } });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(asset.body).toBe('console.log(1);');
  });

  it('never serves files outside the renderer folder', async () => {
    const headers = { 'X-Knp-Token': TOKEN };
    expect((await raw(port, '/../secret.txt', { headers })).status).toBe(404);
    expect((await raw(port, '/%2e%2e/secret.txt', { headers })).status).toBe(404);
    expect((await raw(port, '/assets/%2e%2e/%2e%2e/secret.txt', { headers })).status).toBe(404);
    expect((await raw(port, '/nope.js', { headers })).status).toBe(404);
  });

  it('answers KnpApi calls as IpcReply JSON, validating arguments with the shared validators', async () => {
    const imported = await api('importBundle', { path: ARTICLE });
    const reply = JSON.parse(imported.body) as IpcReply<{ snapshotId: number; name: string }>;
    expect(reply).toMatchObject({ ok: true, value: { name: 'article' } });
    const list = JSON.parse((await api('listSnapshots', {})).body) as IpcReply<{ name: string }[]>;
    expect(list.ok && list.value.map((s) => s.name)).toEqual(['article']);
    expect(JSON.parse((await api('getOverview', { snapshotId: '1' })).body)).toEqual({
      ok: false,
      error: { name: 'ValidationError', message: 'args.snapshotId: expected an integer, got a string', code: 'invalid-argument' },
    });
    expect(JSON.parse((await api('getOverview', { snapshotId: 99 })).body)).toMatchObject({ ok: false, error: { name: 'NotFoundError', code: 'not-found' } });
    const unknown = await api('dropEverything', {});
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toMatchObject({ ok: false, error: { code: 'unknown-method' } });
    const badJson = await raw(port, '/api/listSnapshots', { method: 'POST', headers: { 'X-Knp-Token': TOKEN }, body: '{' });
    expect(badJson.status).toBe(400);
    expect((await raw(port, '/api/listSnapshots', { headers: { 'X-Knp-Token': TOKEN } })).status).toBe(405);
  });

  it('works end to end with the renderer web bridge, including import progress events', async () => {
    const outDir = join(ROOT, 'out/test');
    mkdirSync(outDir, { recursive: true });
    const outfile = join(outDir, `web-bridge-${process.pid}.mjs`);
    await build({ entryPoints: [join(ROOT, 'renderer/src/bridge/web-bridge.ts')], bundle: true, platform: 'neutral', format: 'esm', outfile, logLevel: 'warning' });
    try {
      const { createWebBridge } = (await import(pathToFileURL(outfile).href)) as { createWebBridge(o: { baseUrl: string; token: string }): KnpBridge };
      const bridge = createWebBridge({ baseUrl: `http://127.0.0.1:${port}`, token: TOKEN });
      expect(bridge.native).toBe(false);
      expect(bridge.pickBundle).toBeUndefined();
      const progress: ImportProgress[] = [];
      const done = new Promise<void>((resolve) => {
        const off = bridge.on('importProgress', (p) => {
          progress.push(p);
          if (p.phase === 'done') {
            off();
            resolve();
          }
        });
      });
      // let the event stream connect before the import starts
      await new Promise((r) => setTimeout(r, 100));
      const copy = join(dir, 'article-copy');
      cpSync(ARTICLE, copy, { recursive: true });
      appendFileSync(join(copy, 'nodes/roger-nuc1/sysctl.txt'), '# copy\n');
      const result = await bridge.api.importBundle({ path: copy, name: 'copy' });
      await done;
      expect(result.name).toBe('copy');
      expect(progress.map((p) => p.phase)).toContain('write');
      const hits = await bridge.api.search({ snapshotId: result.snapshotId, text: 'KUBE-SVC-2CMXP7HKUVJN7L6M' });
      expect(hits[0].kind).toBe('chain');
      await expect(bridge.api.getOverview({ snapshotId: 12345 })).rejects.toMatchObject({ name: 'NotFoundError', code: 'not-found' });
    } finally {
      rmSync(outfile, { force: true });
    }
  });
});
