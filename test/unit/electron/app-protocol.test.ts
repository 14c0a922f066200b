import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as electron from './mocks/electron';

vi.mock('electron', () => import('./mocks/electron'));

const { registerAppScheme, setupAppProtocol } = await import('../../../electron/main/app-protocol');

describe('app:// protocol', () => {
  let dir: string;

  beforeAll(() => {
    electron.reset();
    dir = mkdtempSync(join(tmpdir(), 'knp-proto-'));
    mkdirSync(join(dir, 'renderer/assets'), { recursive: true });
    writeFileSync(join(dir, 'renderer/index.html'), '<!doctype html>');
    writeFileSync(join(dir, 'renderer/assets/app.js'), 'export {}');
    writeFileSync(join(dir, 'secret.txt'), 'no');
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('registers a standard, secure scheme', () => {
    registerAppScheme();
    expect(electron.protocol.privileged).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
  });

  it('serves the built renderer with the CSP header, and nothing outside it', async () => {
    setupAppProtocol(join(dir, 'renderer'));
    const handler = electron.protocol.handlers.get('app')!;
    const page = await handler(new Request('app://knp/index.html'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toBe('<!doctype html>');
    expect((await handler(new Request('app://knp/assets/app.js'))).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await handler(new Request('app://knp/%2e%2e/secret.txt'))).status).toBe(404);
    expect((await handler(new Request('app://knp/missing.js'))).status).toBe(404);
  });
});
