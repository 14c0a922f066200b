// End to end: the Compare view. Imports the article bundle (A) and a later capture of it (B) whose
// roger-nuc1 ruleset counted 6 more connections to default/nginx, 3 to each of two endpoints, as
// the article's second listing shows; then compares them, follows a counter change to the raw
// lines of both snapshots, and compares two nodes of one snapshot. Screenshots: compare*.png.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tarFolder } from '../fixtures/bundles/make-tarball';
import { writeArticleLater } from '../fixtures/bundles/article-later';
import { ARTICLE, startHarness, type Harness } from './harness';

const SENTENCE = 'of 6 new connections to default/nginx, 3 went to 10.42.0.204, 3 to 10.42.2.228, 0 to 10.42.4.11';


let h: Harness;
let page: Page;

beforeAll(async () => {
  h = await startHarness('knp-compare-');
  page = h.page;
  const later = writeArticleLater(join(h.dir, 'article-later'));
  await writeFile(join(h.dir, 'article.tar.gz'), await tarFolder(ARTICLE));
  await writeFile(join(h.dir, 'article-later.tar.gz'), await tarFolder(later));
});

afterAll(async () => {
  await h?.close();
});

describe('Compare view', () => {
  it('imports the article and a later capture of it', async () => {
    await h.importBundle(join(h.dir, 'article.tar.gz'), 'article');
    await h.importBundle(join(h.dir, 'article-later.tar.gz'), 'article-later');
    await expect.poll(() => page.getByRole('grid', { name: 'Snapshots' }).getByRole('row', { name: /article/ }).count()).toBe(2);
  });

  it('is reachable from the sidebar, Alt+9 and the palette', async () => {
    await page.keyboard.press('Alt+9');
    await page.getByRole('heading', { name: 'Compare' }).waitFor();
    await h.openView('Library');
    await page.keyboard.press('Control+k');
    await page.getByRole('dialog', { name: 'Search' }).getByLabel('Search text').fill('compare');
    await page.getByRole('option', { name: /Go to Compare/ }).waitFor();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Compare' }).waitFor();
    await h.openView('Compare');
    expect(await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: /^Compare/ }).getAttribute('aria-current')).toBe('page');
  });

  it('says where the new connections went, per endpoint', async () => {
    await page.getByRole('combobox', { name: 'Base (A)' }).selectOption({ label: '#1 article' });
    await page.getByRole('combobox', { name: 'Changed (B)' }).selectOption({ label: '#2 article-later' });
    await page.getByRole('button', { name: 'Compare', exact: true }).click();
    const sentence = page.getByTestId('rollup-sentence');
    await sentence.waitFor();
    expect(await sentence.allTextContents()).toEqual([SENTENCE]);
    expect(await page.getByTestId('compare-banner').textContent()).toContain('comparing snapshot "article" (A) with "article-later" (B)');

    const bars = page.getByRole('region', { name: 'New connections per Service' });
    const packets = async (endpoint: string) => (await bars.locator(`[data-endpoint="${endpoint}"] [data-testid="endpoint-packets"]`).textContent())?.trim();
    expect(await packets('10.42.0.204:80')).toBe('+3 pkt');
    expect(await packets('10.42.2.228:80')).toBe('+3 pkt');
    expect(await packets('10.42.4.11:80')).toBe('0 pkt');
    expect(await bars.getByRole('meter', { name: 'new connections to 10.42.0.204' }).getAttribute('aria-valuenow')).toBe('3');
    expect(await bars.getByRole('meter', { name: 'new connections to 10.42.4.11' }).getAttribute('aria-valuenow')).toBe('0');

    // counters are not changes: every section is empty, the Counters tab holds the 7 moved rules
    const tabs = page.getByRole('tablist', { name: 'Diff sections' });
    expect(await tabs.getByRole('tab', { selected: true }).getAttribute('data-section')).toBe('counters');
    for (const section of ['nodes', 'services', 'endpoints', 'pods', 'veths', 'interfaces', 'routes', 'rules', 'paths']) {
      expect(await tabs.locator(`[data-section="${section}"] .summary-total`).textContent(), section).toBe('0');
    }
    const rules = page.getByRole('grid', { name: 'Counter changes' });
    await expect.poll(() => rules.getByRole('row').count()).toBe(8); // header + 7
    // the article's own listing had already counted 6; B counted 6 more
    expect(await rules.getByRole('row', { name: /KUBE-SERVICES/ }).textContent()).toMatch(/6\s*12\s*\+6\s*\+312 B/);
  });

  it('shows the raw line of A and of B for a selected counter change', async () => {
    const rules = page.getByRole('grid', { name: 'Counter changes' });
    await rules.getByRole('row', { name: /KUBE-SEP-T3JGICIP4GFFPRGP.*dnat to/ }).click();
    const a = page.getByRole('region', { name: /^A · #1 article$/ });
    const b = page.getByRole('region', { name: /^B · #2 article-later$/ });
    await expect.poll(() => a.locator('.excerpt-line.hit').textContent()).toContain('counter packets 3 bytes 156 dnat to 10.42.0.204:80');
    await expect.poll(() => b.locator('.excerpt-line.hit').textContent()).toContain('counter packets 6 bytes 312 dnat to 10.42.0.204:80');
    expect(await a.getByTestId('evidence-file').textContent()).toMatch(/^nodes\/roger-nuc1\/nft-ruleset\.txt:\d+/);
    const detail = page.getByRole('region', { name: 'Change detail' });
    expect(await detail.textContent()).toMatch(/packets\s*3\s*6\s*\+3/);

    // keyboard: ↓ moves to the next rule, and both panes follow
    await rules.locator('.vtable-scroll').focus();
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => b.locator('.excerpt-line.hit').textContent()).toContain('dnat to 10.42.2.228:80');

    // an endpoint bar selects its dnat rule
    await page.getByRole('button', { name: '10.42.0.204:80' }).click();
    await expect.poll(() => rules.getByRole('row', { selected: true }).textContent()).toMatch(/KUBE-SEP-T3JGICIP4GFFPRGP.*dnat to 10\.42\.0\.204:80/);
    await page.mouse.move(0, 0);
    await h.shot('compare');
  });

  it('filters changes and says when the filter is wrong', async () => {
    const filter = page.getByLabel('Compare filter');
    await filter.fill('kind:bogus');
    expect(await page.locator('.filterbar').getAttribute('data-state')).toBe('invalid');
    expect(await page.locator('.filterbar-status').textContent()).toMatch(/kind: expects/);
    await filter.fill('KUBE-SVC-2CMXP7HKUVJN7L6M node:roger-nuc*');
    expect(await page.locator('.filterbar').getAttribute('data-state')).toBe('valid');
    const rules = page.getByRole('grid', { name: 'Counter changes' });
    // KUBE-EXT's jump to it and its two jumps to endpoint chains
    await expect.poll(() => rules.getByRole('row').count()).toBe(4);
    await filter.fill('');
  });

  it('compares two nodes of one snapshot under a clear banner', async () => {
    await page.getByRole('combobox', { name: 'Base (A)' }).selectOption({ label: '#1 article' });
    await page.getByRole('combobox', { name: 'Changed (B)' }).selectOption({ label: '#1 article' });
    await page.getByLabel('Pair nodes').check();
    await page.getByRole('combobox', { name: 'Node of A' }).selectOption('roger-nuc1');
    await page.getByRole('combobox', { name: 'Node of B' }).selectOption('roger-nuc0');
    await page.getByRole('button', { name: 'Compare', exact: true }).click();
    const banner = page.getByTestId('compare-banner');
    await expect.poll(() => banner.textContent()).toContain('comparing roger-nuc1 (A) with roger-nuc0 (B)');
    expect(await banner.getAttribute('class')).toContain('cross-node');
    expect(await page.getByRole('region', { name: 'Diff findings' }).textContent()).toContain('cross-node-comparison');

    const tabs = page.getByRole('tablist', { name: 'Diff sections' });
    await tabs.locator('[data-section="rules"]').click();
    const table = page.getByRole('grid', { name: 'Rules changes' });
    const first = table.getByRole('row').nth(1);
    await first.waitFor();
    await first.click();
    const detail = page.getByRole('region', { name: 'Change detail' });
    expect(await detail.textContent()).toMatch(/roger-nuc1 → roger-nuc0/);
    await page.locator('.compare-evidence .excerpt-line.hit').first().waitFor();
    await h.shot('compare-cross-node');

    // ← / → walk the section tabs
    await tabs.getByRole('tab', { selected: true }).focus();
    await page.keyboard.press('ArrowRight');
    expect(await tabs.getByRole('tab', { selected: true }).getAttribute('data-section')).toBe('paths');
  });

  it('made no request outside the harness and logged no error', () => {
    expect(h.foreign).toEqual([]);
    expect(h.pageErrors).toEqual([]);
    expect(h.consoleErrors).toEqual([]);
  });
});
