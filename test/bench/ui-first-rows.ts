// Time to first rows of the Services table in the real UI: the built renderer served by the web
// harness over the benchmark's library, in Debian's Chromium, from clicking "Services" to the
// first data row being visible.
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startWebServer } from '../../electron/web/server';

const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** One measurement per run, in milliseconds; the page is loaded afresh for each. */
export async function servicesFirstRowsMs(dbPath: string, snapshotId: number, runs: number): Promise<number[]> {
  const server = await startWebServer({ dbPath, port: 0, rendererDir: join(process.cwd(), 'out/renderer') });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
  try {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(server.url);
      await page.getByLabel('Open snapshot').selectOption(String(snapshotId));
      const views = page.getByRole('navigation', { name: 'Views' });
      const start = performance.now();
      await views.getByRole('button', { name: /^Services/ }).click();
      await page.getByRole('grid', { name: 'Services' }).locator('[role="row"][aria-rowindex="2"]').waitFor({ state: 'visible', timeout: 60_000 });
      times.push(performance.now() - start);
      await page.close();
    }
    return times;
  } finally {
    await browser.close();
    await server.close();
  }
}
