// App-wide lockdown: no navigation, no new windows, no webviews, no permissions, and no network
// at all — every request that is not the app's own page (app://knp, or electron-vite's dev server
// in development) is cancelled. Responses from the dev server get the CSP header the app:// origin
// sends (app-protocol.ts), with what Vite's hot reload needs added.

import { app, session, type WebContents } from 'electron';
import { RENDERER_CSP } from '../web/static-files';
import { isAppUrl } from './paths';

const ALWAYS_ALLOWED = ['devtools:', 'data:', 'blob:'];

export function isAllowedRequest(url: string, dev: string | null): boolean {
  return isAppUrl(url, dev) || ALWAYS_ALLOWED.some((scheme) => url.startsWith(scheme)) || (dev !== null && isDevSocket(url, dev));
}

function isDevSocket(url: string, dev: string): boolean {
  const socket = new URL(dev);
  socket.protocol = socket.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.startsWith(socket.origin);
}

/** The production CSP, plus in development the inline preamble and websocket of Vite's hot reload. */
export function contentSecurityPolicy(dev: string | null): string {
  if (dev === null) return RENDERER_CSP;
  const socket = new URL(dev);
  socket.protocol = 'ws:';
  return RENDERER_CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
    .replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
    .replace("connect-src 'self'", `connect-src 'self' ${socket.origin}`);
}

export function lockDownContents(contents: WebContents): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

export function setupSecurity(dev: string | null): void {
  app.on('web-contents-created', (_event, contents) => lockDownContents(contents));
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isAllowedRequest(details.url, dev) }));
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy(dev)] } });
  });
}
