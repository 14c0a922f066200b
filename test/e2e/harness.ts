// The e2e setup every UI test file shares: the built renderer (built once if missing) served by
// the web harness over a temporary library, headless Debian Chromium, and a record of requests
// that left the harness origin, page errors and console errors. Screenshots go to
// test-results/screenshots/.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startWebServer, type WebServer } from '../../electron/web/server';

export const ROOT = join(__dirname, '../..');
export const RENDERER = join(ROOT, 'out/renderer');
export const SHOTS = join(ROOT, 'test-results/screenshots');
export const ARTICLE = join(ROOT, 'test/fixtures/bundles/article');

export interface Harness {
  /** a temporary folder for the library and test inputs, removed by close() */
  dir: string;
  server: WebServer;
  browser: Browser;
  page: Page;
  /** requests to any origin but the harness's */
  foreign: string[];
  pageErrors: string[];
  consoleErrors: string[];
  shot(name: string): Promise<void>;
  /** clicks a view in the sidebar by the start of its label */
  openView(label: string): Promise<void>;
  /** imports a bundle through the Library's form and waits for the result */
  importBundle(path: string, name: string): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(prefix = 'knp-e2e-'): Promise<Harness> {
  if (!existsSync(join(RENDERER, 'index.html'))) execFileSync('npx', ['electron-vite', 'build'], { cwd: ROOT, stdio: 'inherit' });
  await mkdir(SHOTS, { recursive: true });
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const server = await startWebServer({ dbPath: join(dir, 'library.sqlite'), port: 0, rendererDir: RENDERER });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
  const foreign: string[] = [];
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  const origin = new URL(server.url).origin;
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith('data:') && new URL(url).origin !== origin) foreign.push(url);
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  await page.goto(server.url);

  return {
    dir,
    server,
    browser,
    page,
    foreign,
    pageErrors,
    consoleErrors,
    shot: async (name) => {
      await page.screenshot({ path: join(SHOTS, `${name}.png`) });
    },
    openView: async (label) => {
      await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: new RegExp(`^${label}`) }).click();
    },
    importBundle: async (path, name) => {
      await page.getByLabel('Bundle path').fill(path);
      await page.getByLabel('Snapshot name').fill(name);
      await page.getByRole('button', { name: 'Import', exact: true }).click();
      const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      await page.getByTestId('import-result').filter({ hasText: new RegExp(`Imported #\\d+ ${escaped} ·`) }).waitFor();
    },
    close: async () => {
      await browser.close();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
