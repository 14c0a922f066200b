import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as electron from './mocks/electron';

vi.mock('electron', () => import('./mocks/electron'));

const { contentSecurityPolicy, isAllowedRequest, setupSecurity } = await import('../../../electron/main/security');

function beforeRequest(url: string): boolean {
  let cancel: boolean | undefined;
  electron.session.defaultSession.beforeRequest!({ url }, (r: { cancel: boolean }) => (cancel = r.cancel));
  return cancel!;
}

describe('setupSecurity', () => {
  beforeEach(() => electron.reset());

  it('blocks navigation, new windows and webviews in every web contents', () => {
    setupSecurity(null);
    const contents = new electron.FakeWebContents();
    electron.app.emit('web-contents-created', {}, contents);
    expect(contents.fire('will-navigate', 'https://example.com/')).toBe(true);
    expect(contents.fire('will-navigate', 'app://knp/other.html')).toBe(true);
    expect(contents.fire('will-redirect', 'https://example.com/')).toBe(true);
    expect(contents.fire('will-attach-webview', {}, {})).toBe(true);
    expect(contents.windowOpenHandler!({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
  });

  it('cancels every request that is not the app page (no network at all)', () => {
    setupSecurity(null);
    expect(beforeRequest('app://knp/index.html')).toBe(false);
    expect(beforeRequest('app://knp/assets/index-abc.js')).toBe(false);
    expect(beforeRequest('data:image/png;base64,AAAA')).toBe(false);
    expect(beforeRequest('devtools://devtools/bundled/inspector.html')).toBe(false);
    expect(beforeRequest('https://example.com/')).toBe(true);
    expect(beforeRequest('http://127.0.0.1:5173/')).toBe(true);
    expect(beforeRequest('file:///etc/passwd')).toBe(true);
    expect(beforeRequest('app://other/index.html')).toBe(true);
    expect(beforeRequest('wss://example.com/')).toBe(true);
  });

  it('lets the dev server and its hot-reload socket through in development only', () => {
    expect(isAllowedRequest('http://localhost:5173/src/main.tsx', 'http://localhost:5173')).toBe(true);
    expect(isAllowedRequest('ws://localhost:5173/', 'http://localhost:5173')).toBe(true);
    expect(isAllowedRequest('http://localhost:5174/', 'http://localhost:5173')).toBe(false);
    expect(isAllowedRequest('http://localhost:5173/', null)).toBe(false);
  });

  it('adds a strict CSP header to responses and refuses every permission', () => {
    setupSecurity(null);
    let headers: Record<string, string[]> = {};
    electron.session.defaultSession.headersReceived!({ responseHeaders: { 'X-A': ['1'] } }, (r: { responseHeaders: Record<string, string[]> }) => (headers = r.responseHeaders));
    expect(headers['X-A']).toEqual(['1']);
    const csp = headers['Content-Security-Policy'][0];
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe');
    let granted: boolean | undefined;
    electron.session.defaultSession.permissionRequestHandler!({}, 'media', (ok: boolean) => (granted = ok));
    expect(granted).toBe(false);
    expect(electron.session.defaultSession.permissionCheckHandler!({}, 'clipboard-read')).toBe(false);
  });

  it('relaxes the CSP only for Vite in development', () => {
    const dev = contentSecurityPolicy('http://localhost:5173');
    expect(dev).toContain("script-src 'self' 'unsafe-inline'");
    expect(dev).toContain('connect-src \'self\' ws://localhost:5173');
    expect(contentSecurityPolicy(null)).not.toContain('unsafe-inline');
  });
});
