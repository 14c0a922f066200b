// End to end: the built renderer in Chromium against the web harness and a temporary library.
// Imports the article bundle, walks every main view, checks the linked panes and writes a
// screenshot of each view to test-results/screenshots/. The page must not reach past the
// harness origin.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tarFolder } from '../fixtures/bundles/make-tarball';
import { ARTICLE, startHarness, type Harness } from './harness';

const SVC_CHAIN = 'KUBE-SVC-2CMXP7HKUVJN7L6M';
const EXT_CHAIN = 'KUBE-EXT-2CMXP7HKUVJN7L6M';
const NGINX_POD = 'nginx-7c5ddbdf54-tz9qm';
const ENDPOINTS = ['10.42.0.204', '10.42.2.228', '10.42.4.11'];

let h: Harness;
let dir: string;
let page: Page;

const shot = (name: string) => h.shot(name);
const openView = (label: string) => h.openView(label);

beforeAll(async () => {
  h = await startHarness();
  ({ dir, page } = h);
  await writeFile(join(dir, 'article.tar.gz'), await tarFolder(ARTICLE));
});

afterAll(async () => {
  await h?.close();
});

describe('kube-netpath UI', () => {
  it('imports the article bundle with progress and a diagnostics report', async () => {
    await expect(page.getByRole('heading', { name: 'Library' }).isVisible()).resolves.toBe(true);
    await page.getByLabel('Bundle path').fill(join(dir, 'article.tar.gz'));
    await page.getByLabel('Snapshot name').fill('article');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const result = page.getByTestId('import-result');
    await result.waitFor();
    expect(await result.textContent()).toMatch(/Imported #\d+ article.*nodes roger-nuc0, roger-nuc1/);
    await page.getByRole('progressbar', { name: 'Import progress' }).waitFor();
    expect(await page.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    const report = page.getByRole('region', { name: 'Import diagnostics' });
    expect(await report.textContent()).toMatch(/info \d+/i);
    expect(await page.getByRole('row', { name: /article/ }).count()).toBe(1);
    await shot('library');
  });

  it('opens the snapshot overview with nodes, counts and Expert-Info findings', async () => {
    await page.getByRole('button', { name: 'Open snapshot' }).click();
    await page.getByRole('heading', { name: 'article' }).waitFor();
    const nodes = page.getByRole('grid', { name: 'Nodes' });
    await nodes.getByRole('row', { name: /roger-nuc2/ }).waitFor();
    expect(await nodes.getByRole('row', { name: /roger-nuc2/ }).textContent()).toContain('not captured');
    expect(await nodes.getByRole('row', { name: /roger-nuc1/ }).textContent()).toContain('captured');
    expect(await page.getByRole('region', { name: 'Findings' }).textContent()).toMatch(/Findings \(\d+\)/);
    const diagnostics = page.getByRole('region', { name: 'Import diagnostics' });
    expect(await diagnostics.textContent()).toContain('unknown-statement');
    await diagnostics.getByRole('button', { name: /nft-ruleset\.txt:\d+/ }).first().click();
    await page.locator('.excerpt-line.hit').waitFor();
    expect(await page.locator('.excerpt-line.hit').textContent()).toContain('PHYSDEV');
    await shot('overview');
  });

  it('filters Services as you type and draws the path of default/nginx', async () => {
    await openView('Services');
    const filter = page.getByLabel('Service filter');
    await filter.fill('type:Foo');
    expect(await page.locator('.filterbar').getAttribute('data-state')).toBe('invalid');
    expect(await page.locator('.filterbar-status').textContent()).toMatch(/type: expects/);
    await filter.fill('ns:default type:lo port:80');
    expect(await page.locator('.filterbar').getAttribute('data-state')).toBe('valid');
    const services = page.getByRole('grid', { name: 'Services' });
    await expect.poll(() => services.getByRole('row').count()).toBe(2);
    await services.getByRole('row', { name: /nginx/ }).click();

    const diagram = page.getByTestId('path-diagram');
    await diagram.waitFor();
    const text = (await diagram.textContent()) ?? '';
    expect(text).toContain(SVC_CHAIN);
    for (const address of ENDPOINTS) expect(text).toContain(address);
    expect(text).toContain(`default/${NGINX_POD}`);
    expect(text).toMatch(/inferred/);
    expect(await page.locator('.box.tone-node-not-captured').count()).toBeGreaterThan(0);

    const hop = page.locator('g.box', { hasText: `jump ${SVC_CHAIN}` }).first();
    await hop.click();
    expect(await hop.getAttribute('data-selected')).toBe('true');
    expect(await page.locator('.outline-item.selected').textContent()).toContain(`jump ${SVC_CHAIN}`);
    await page.locator('.excerpt-line.hit').waitFor();
    expect(await page.locator('.excerpt-line.hit').textContent()).toContain(`jump ${SVC_CHAIN}`);
    expect(await page.getByTestId('evidence-file').textContent()).toMatch(/^nodes\/roger-nuc\d\/nft-ruleset\.txt:\d+/);

    await page.getByRole('grid', { name: 'Services' }).locator('.vtable-scroll').focus();
    await page.keyboard.press('Enter');
    expect(await page.locator('.diagram:focus').count()).toBe(1);
    await page.locator('.outline').focus();
    await page.keyboard.press('ArrowDown');
    const selectedId = await page.locator('g.box[data-selected="true"]').getAttribute('data-id');
    expect(selectedId).not.toBeNull();
    await shot('services');
  });

  it('shows the veth ↔ netns ↔ pod table', async () => {
    await openView('Interfaces');
    const row = page.getByRole('grid', { name: 'Veths' }).getByRole('row', { name: /veth56cecc8b/ });
    await row.waitFor();
    const text = (await row.textContent()) ?? '';
    expect(text).toContain('cni-357001b9-24ca-5619-df3a-4dfe972bb930');
    expect(text).toContain(`default/${NGINX_POD}`);
    expect(text).toContain('10.42.0.204');
    expect(text).toMatch(/high|medium|low/);
    await row.click();
    expect(await page.getByRole('region', { name: 'Correlation detail' }).textContent()).toMatch(/netns-name|peer-ifindex/);
    await shot('interfaces');
  });

  it('finds a chain in the ruleset and follows a jump link', async () => {
    await openView('Rules');
    await page.getByRole('combobox', { name: 'Node' }).selectOption('roger-nuc1');
    await page.getByLabel('Find chain, IP or port').fill(EXT_CHAIN);
    const selected = page.locator('.rl-row.selected');
    await expect.poll(() => selected.locator('[data-chain-name]').getAttribute('data-chain-name')).toBe(EXT_CHAIN);
    await page.locator('.rl-rule-row .chain-link', { hasText: SVC_CHAIN }).first().click();
    await expect.poll(() => selected.locator('[data-chain-name]').getAttribute('data-chain-name')).toBe(SVC_CHAIN);
    expect(await page.getByRole('button', { name: /Back/ }).isEnabled()).toBe(true);
    expect(await page.locator('.excerpt-line.hit').textContent()).toContain(`chain ${SVC_CHAIN}`);
    await shot('rules');
    await page.getByRole('button', { name: /Back/ }).click();
    await expect.poll(() => selected.locator('[data-chain-name]').getAttribute('data-chain-name')).toBe(EXT_CHAIN);
  });

  it('lists routes per node and netns', async () => {
    await openView('Routes');
    await page.getByRole('combobox', { name: 'Node' }).selectOption('roger-nuc1');
    const routes = page.getByRole('grid', { name: 'Routes' });
    const podRoute = routes.getByRole('row', { name: /10\.42\.0\.0\/24/ });
    await expect.poll(() => podRoute.textContent()).toMatch(/10\.42\.0\.0\/24\s*10\.42\.0\.0\s*flannel\.1/);
    expect(await page.getByRole('list', { name: 'Network namespaces' }).getByRole('button').count()).toBeGreaterThan(1);
    await shot('routes');
  });

  it('traces an arbitrary flow into the same diagram', async () => {
    await openView('Trace');
    await page.getByLabel('Destination address and port').fill('192.168.28.61:80');
    await page.getByRole('button', { name: 'Trace', exact: true }).click();
    const diagram = page.getByTestId('path-diagram');
    await diagram.waitFor();
    expect(await diagram.textContent()).toContain(SVC_CHAIN);
    expect(await page.locator('.box-leaf.tone-delivered').count()).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Fit' }).click();
    expect(await page.getByRole('button', { name: '1:1' }).getAttribute('aria-pressed')).toBe('true');
    const pane = await page.locator('.diagram').boundingBox();
    const svg = await diagram.boundingBox();
    expect(svg!.height).toBeLessThanOrEqual(pane!.height + 1);
    await shot('trace');
  });

  it('searches from the command palette and navigates with Enter', async () => {
    await page.keyboard.press('Control+k');
    const input = page.getByRole('dialog', { name: 'Search' }).getByLabel('Search text');
    await input.fill(SVC_CHAIN);
    const hit = page.getByRole('option', { name: new RegExp(`chain\\s*${SVC_CHAIN}`) }).first();
    await hit.waitFor();
    await shot('palette');
    await hit.hover();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Rules' }).waitFor();
    await expect.poll(() => page.locator('.rl-row.selected [data-chain-name]').getAttribute('data-chain-name')).toBe(SVC_CHAIN);

    await page.keyboard.press('Control+k');
    await input.fill('default/nginx');
    const service = page.getByRole('option', { name: /^service/ }).first();
    await service.waitFor();
    await page.keyboard.press('Enter');
    await page.getByTestId('path-diagram').waitFor();
    expect(await page.getByRole('grid', { name: 'Services' }).getByRole('row', { selected: true }).textContent()).toContain('nginx');
  });

  it('runs a read-only SQL query into a grid and refuses writes', async () => {
    await openView('SQL');
    const editor = page.getByLabel('SQL');
    await editor.fill("SELECT namespace, name, type FROM services WHERE name = 'nginx'");
    await editor.press('Control+Enter');
    const grid = page.getByRole('grid', { name: 'Query result' });
    await grid.getByRole('row', { name: /LoadBalancer/ }).waitFor();
    expect(await grid.getByRole('columnheader').allTextContents()).toEqual(['#', 'namespace', 'name', 'type']);
    await shot('sql');
    await editor.fill('DELETE FROM services');
    await page.getByRole('button', { name: 'Run' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).not.toBe('');
  });

  it('switches to the dark theme', async () => {
    await page.getByRole('button', { name: 'Toggle theme' }).click();
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
    await openView('Services');
    await page.getByTestId('path-diagram').waitFor();
    await shot('services-dark');
  });

  it('made no request outside the harness, broke no CSP rule and logged no error', () => {
    expect(h.foreign).toEqual([]);
    expect(h.pageErrors).toEqual([]);
    expect(h.consoleErrors).toEqual([]);
  });
});
