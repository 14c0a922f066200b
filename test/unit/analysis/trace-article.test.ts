// The article's own walk, on the article bundle (test/fixtures/bundles/article): the LoadBalancer
// IP announced by roger-nuc1, KUBE-SERVICES → KUBE-EXT → KUBE-MARK-MASQ → KUBE-SVC → KUBE-SEP,
// dnat to 10.42.0.204:80, flannel.1 to roger-nuc0, cni0, veth56cecc8b, the nginx pod.

import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseBundleFolder } from '../../../db/import/parse-bundle';
import type { SnapshotData } from '../../../renderer/src/analysis/model';
import { hopsTo, leavesOf, renderTraceText, traceService, type PathTree } from '../../../renderer/src/analysis/trace';
import { leafTo, sum } from './trace-builders';

let snapshot: SnapshotData;
let lb: PathTree;

beforeAll(async () => {
  ({ snapshot } = await parseBundleFolder(join(__dirname, '../../fixtures/bundles/article')));
  lb = traceService(snapshot, { namespace: 'default', name: 'nginx' }).trees.find((t) => t.entry.kind === 'load-balancer') as PathTree;
});

describe('the article scenario', () => {
  it('walks the article path to the nginx pod on roger-nuc0', () => {
    expect(lb.entry).toMatchObject({ address: '192.168.28.61', port: 80, node: 'roger-nuc1' });
    const leaf = leafTo(lb, '10.42.0.204');
    expect(leaf.disposition).toBe('delivered');
    expect(leaf.nodes).toEqual(['roger-nuc1', 'roger-nuc0']);
    expect(leaf.chains.filter((c) => c.table === 'nat').map((c) => c.chain).slice(0, 6)).toEqual([
      'PREROUTING',
      'KUBE-SERVICES',
      'KUBE-EXT-2CMXP7HKUVJN7L6M',
      'KUBE-MARK-MASQ',
      'KUBE-SVC-2CMXP7HKUVJN7L6M',
      'KUBE-SEP-T3JGICIP4GFFPRGP',
    ]);
    const hops = hopsTo(lb, leaf.id) ?? [];
    const seq = hops.map((h) => `${h.kind}:${h.node}`);
    const at = (kind: string, node: string) => seq.indexOf(`${kind}:${node}`);
    expect(hops[0]).toMatchObject({ kind: 'arp', node: 'roger-nuc1' });
    const dnat = hops.findIndex((h) => h.transforms.some((t) => t.kind === 'dnat' && t.to === '10.42.0.204'));
    expect(dnat).toBeGreaterThan(0);
    expect(at('overlay', 'roger-nuc1')).toBeGreaterThan(dnat);
    expect(hops[at('overlay', 'roger-nuc1')].object).toMatchObject({ type: 'tunnel', device: 'flannel.1', remoteNode: 'roger-nuc0' });
    expect(at('bridge', 'roger-nuc0')).toBeGreaterThan(at('overlay', 'roger-nuc1'));
    expect(hops[at('veth', 'roger-nuc0')].object).toMatchObject({ hostIfname: 'veth56cecc8b', netns: 'cni-357001b9-24ca-5619-df3a-4dfe972bb930' });
    expect(hops[hops.length - 1]).toMatchObject({ kind: 'pod', action: 'DELIVERED', object: { type: 'pod', namespace: 'default' } });
    expect(hops.find((h) => h.kind === 'route' && h.node === 'roger-nuc1')?.object).toMatchObject({ line: expect.stringContaining('10.42.0.0/24 via 10.42.0.0 dev flannel.1') });
  });

  it('gives every endpoint 1/3, inferred, and ends the uncaptured ones at their node', () => {
    const leaves = leavesOf(lb).filter((l) => !l.assumptions.some((a) => a.includes('did not match')));
    expect(leaves.every((l) => l.inferred)).toBe(true);
    const endpoints = [...new Set(leaves.map((l) => l.endpoint?.address))];
    expect(endpoints).toHaveLength(3);
    for (const ip of endpoints) {
      expect(sum(leaves.filter((l) => l.endpoint?.address === ip).map((l) => l.probability))).toBeCloseTo(1 / 3, 9);
    }
    const elsewhere = leaves.filter((l) => l.endpoint?.address !== '10.42.0.204');
    expect(elsewhere.map((l) => l.disposition)).toEqual(['node-not-captured', 'node-not-captured']);
  });

  it('renders the walk as text', () => {
    const text = renderTraceText(lb);
    expect(text).toContain('veth56cecc8b');
    expect(text).toContain('KUBE-SEP-T3JGICIP4GFFPRGP');
  });
});
