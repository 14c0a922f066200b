// The article's own "before / after": the author reloads the page and watches KUBE-SEP counters
// grow. The fixture bundle is A; B is a copy whose roger-nuc1 ruleset counted 3 more connections
// to each of two endpoints, as the second listing in the article shows.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBundlePath } from '../../../db/import/parse-bundle';
import { diffSnapshots, renderDiffText, type SnapshotDiff } from '../../../renderer/src/analysis/diff';
import { tempDir } from '../db/helpers';
import { ARTICLE_BUNDLE as ARTICLE, writeArticleLater } from '../../fixtures/bundles/article-later';



describe('diff of the article bundle against a later capture', () => {
  let tmp: ReturnType<typeof tempDir>;
  let diff: SnapshotDiff;
  beforeAll(async () => {
    tmp = tempDir();
    const later = writeArticleLater(join(tmp.dir, 'article-later'));
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
