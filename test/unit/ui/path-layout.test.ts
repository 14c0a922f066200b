import { describe, expect, it } from 'vitest';
import { elementFields, elementSummary } from '../../../renderer/src/ui-logic/path-fields';
import { elementEvidence, flattenPath } from '../../../renderer/src/ui-logic/path-index';
import { BOX_H, BOX_W, COL_W, layoutPath } from '../../../renderer/src/ui-logic/path-layout';
import { articleTree } from './path-tree.fixture';

describe('path index', () => {
  it('lists every element in reading order with stable ids', () => {
    const ids = flattenPath(articleTree).map((e) => e.id);
    expect(ids).toEqual([
      'entry',
      's:h0',
      's:h1',
      's:fork',
      's.0:branch',
      's.0:h0',
      's.0:leaf',
      's.1:branch',
      's.1:h0',
      's.1:leaf',
      's.2:branch',
      's.2:h0',
      's.2:leaf',
    ]);
  });

  it("gives hops and forks their evidence, branches their first hop's", () => {
    const byId = new Map(flattenPath(articleTree).map((e) => [e.id, e]));
    expect(elementEvidence(byId.get('s:fork')!)).toEqual([{ file: 'nodes/roger-nuc1/nft-ruleset.txt', line: 20 }]);
    expect(elementEvidence(byId.get('s.1:branch')!)).toHaveLength(1);
    expect(elementEvidence(byId.get('entry')!)).toEqual([]);
  });

  it('summarises and details elements', () => {
    const byId = new Map(flattenPath(articleTree).map((e) => [e.id, e]));
    expect(elementSummary(byId.get('s.1:branch')!)).toBe('Branch 2: KUBE-SEP-UPTBB2U3B55FJQPW 33.3% inferred');
    expect(elementSummary(byId.get('s.1:leaf')!)).toBe('⇒ node-not-captured: roger-nuc2 was not captured');
    const fields = Object.fromEntries(elementFields(byId.get('s:h1')!));
    expect(fields['nft-rule.chain']).toBe('KUBE-EXT-2CMXP7HKUVJN7L6M');
    expect(fields.counters).toBe('1 pkt / 52 B');
    const leafFields = Object.fromEntries(elementFields(byId.get('s.0:leaf')!));
    expect(leafFields.conntrack).toBe('orig 192.168.28.61:80 · dnat 10.42.0.204:80');
    expect(leafFields.mark).toBe('0x4000 · ct 0x0');
  });
});

describe('path layout', () => {
  const layout = layoutPath(articleTree);
  const box = (id: string) => layout.boxes.find((b) => b.id === id)!;

  it('draws one box per entry, hop, fork and leaf', () => {
    expect(layout.boxes.map((b) => b.id)).toHaveLength(1 + 2 + 1 + 3 * 2);
    expect(box('s:h1').title).toBe('KUBE-EXT-2CMXP7HKUVJN7L6M');
    expect(box('s.1:leaf').tone).toBe('node-not-captured');
    expect(box('s.0:leaf').caption).toBe('DELIVERED · p 33.3% (inferred)');
  });

  it('gives each leaf its own column and centres the trunk over them', () => {
    const leafCentres = ['s.0:leaf', 's.1:leaf', 's.2:leaf'].map((id) => box(id).x + BOX_W / 2);
    expect(leafCentres[1] - leafCentres[0]).toBe(COL_W);
    expect(leafCentres[2] - leafCentres[1]).toBe(COL_W);
    expect(box('entry').x + BOX_W / 2).toBe(leafCentres[1]);
    expect(layout.width).toBeGreaterThanOrEqual(3 * COL_W);
  });

  it('stacks boxes downwards without overlaps', () => {
    for (const a of layout.boxes) {
      for (const b of layout.boxes) {
        if (a === b) continue;
        const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
        expect(overlap, `${a.id} overlaps ${b.id}`).toBe(false);
      }
    }
    expect(box('s:h0').y).toBeGreaterThan(box('entry').y + BOX_H);
    expect(box('s.0:h0').y).toBeGreaterThan(box('s:fork').y + BOX_H);
    expect(Math.max(...layout.boxes.map((b) => b.y + b.h))).toBeLessThanOrEqual(layout.height);
  });

  it('labels edges with counters and branches with probabilities, marking inferred ones', () => {
    const edge = (id: string) => layout.edges.find((e) => e.id === id)!;
    expect(edge('s:h0').label).toBe('1 pkt / 52 B');
    expect(edge('s.0:branch')).toMatchObject({ label: '33.3% (inferred) · 0 pkt / 0 B', inferred: true, to: 's.0:h0' });
    expect(edge('s.2:branch')).toMatchObject({ label: '33.3% · 2 pkt / 104 B', inferred: false });
    const points = edge('s.2:branch').points;
    expect(points[0][0]).toBe(box('s:fork').x + BOX_W / 2);
    expect(points[points.length - 1]).toEqual([box('s.2:h0').x + BOX_W / 2, box('s.2:h0').y]);
  });
});
