// The article's own "before / after": the author reloads the page and watches KUBE-SEP counters
// grow. The fixture bundle is A; B is a copy whose roger-nuc1 ruleset counted 3 more connections
// to each of two endpoints, as the second listing in the article shows.

import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBundlePath } from '../../../db/import/parse-bundle';
import { diffSnapshots, renderDiffText, type SnapshotDiff } from '../../../renderer/src/analysis/diff';
import { tempDir } from '../db/helpers';

const ARTICLE = join(__dirname, '../../fixtures/bundles/article');
const RULESET = 'nodes/roger-nuc1/nft-ruleset.txt';

/** Adds `packets` (52 bytes each, a SYN) to every rule of nat `chain` whose text contains `match`. */
function bump(text: string, chain: string, match: string, packets: number): string {
  const start = text.indexOf(`chain ${chain} {`, text.indexOf('table ip nat {'));
  const end = text.indexOf('}', start);
  const body = text
    .slice(start, end)
    .split('\n')
    .map((line) =>
      line.includes(match) ? line.replace(/counter packets (\d+) bytes (\d+)/, (_, p, b) => `counter packets ${Number(p) + packets} bytes ${Number(b) + packets * 52}`) : line,
    )
    .join('\n');
  return text.slice(0, start) + body + text.slice(end);
}

describe('diff of the article bundle against a later capture', () => {
  let tmp: ReturnType<typeof tempDir>;
  let diff: SnapshotDiff;
  beforeAll(async () => {
    tmp = tempDir();
    const later = join(tmp.dir, 'article-later');
    cpSync(ARTICLE, later, { recursive: true });
    let text = readFileSync(join(later, RULESET), 'utf8');
    text = bump(text, 'KUBE-SERVICES', 'jump KUBE-EXT-2CMXP7HKUVJN7L6M', 6);
    text = bump(text, 'KUBE-EXT-2CMXP7HKUVJN7L6M', 'jump', 6);
    text = bump(text, 'KUBE-SVC-2CMXP7HKUVJN7L6M', 'jump KUBE-SEP-T3JGICIP4GFFPRGP', 3);
    text = bump(text, 'KUBE-SVC-2CMXP7HKUVJN7L6M', 'jump KUBE-SEP-UPTBB2U3B55FJQPW', 3);
    text = bump(text, 'KUBE-SEP-T3JGICIP4GFFPRGP', 'dnat', 3);
    text = bump(text, 'KUBE-SEP-UPTBB2U3B55FJQPW', 'dnat', 3);
    writeFileSync(join(later, RULESET), text);
    const a = (await parseBundlePath(ARTICLE)).snapshot;
    const b = (await parseBundlePath(later)).snapshot;
    diff = diffSnapshots({ ...a, id: 1, name: 'before' }, { ...b, id: 2, name: 'after' });
  });
  afterAll(() => tmp.cleanup());

  it('says where the new connections to default/nginx went', () => {
    expect(diff.counters.services).toEqual([
      expect.objectContaining({
        service: 'default/nginx',
        node: 'roger-nuc1',
        packets: 6,
        bytes: 312,
        reset: false,
        sentence: 'of 6 new connections to default/nginx, 3 went to 10.42.0.204, 3 to 10.42.2.228, 0 to 10.42.4.11',
      }),
    ]);
    expect(diff.counters.rules.map((r) => `${r.chain}[${r.position}] +${r.packets}/${r.bytes}`)).toEqual([
      'KUBE-EXT-2CMXP7HKUVJN7L6M[0] +6/312',
      'KUBE-EXT-2CMXP7HKUVJN7L6M[1] +6/312',
      'KUBE-SEP-T3JGICIP4GFFPRGP[1] +3/156',
      'KUBE-SEP-UPTBB2U3B55FJQPW[1] +3/156',
      'KUBE-SERVICES[7] +6/312',
      'KUBE-SVC-2CMXP7HKUVJN7L6M[1] +3/156',
      'KUBE-SVC-2CMXP7HKUVJN7L6M[2] +3/156',
    ]);
    expect(diff.counters.rulesWentDown).toBe(0);
  });

  it('finds nothing else: counters are not changes, and the paths are the same', () => {
    for (const [section, changes] of Object.entries(diff.sections)) expect(changes, section).toEqual([]);
    expect(diff.findings).toEqual([]);
    expect(diff.pairs.map((p) => p.a)).toEqual(['roger-nuc0', 'roger-nuc1']);
    expect(renderDiffText(diff)).toContain('[roger-nuc1] of 6 new connections to default/nginx, 3 went to 10.42.0.204, 3 to 10.42.2.228, 0 to 10.42.4.11');
  });
});
