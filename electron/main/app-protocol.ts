// The built renderer is served on app://knp rather than file://, so it gets a real origin, a
// Content-Security-Policy header and cannot read other local files (Electron security checklist:
// "use custom protocols instead of file://").

import { protocol } from 'electron';
import { RENDERER_CSP, readStatic } from '../web/static-files';
import { APP_SCHEME } from './paths';

/** Must run before the app is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

export function setupAppProtocol(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = await readStatic(rendererDir, new URL(request.url).pathname);
    if (!file) return new Response('not found', { status: 404 });
    return new Response(new Uint8Array(file.body), {
      headers: { 'Content-Type': file.type, 'Content-Security-Policy': RENDERER_CSP, 'X-Content-Type-Options': 'nosniff' },
    });
  });
}
