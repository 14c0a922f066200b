// Snapshot diff on fixtures with known differences: kube-proxy rulesets printed as `nft list
// ruleset` prints them and parsed by the real parser, flannel-style nodes, real chain-name hashes.

import { describe, expect, it } from 'vitest';
import { diffSnapshots, DiffInputError, renderDiffText, type Change, type SnapshotDiff } from '../../../renderer/src/analysis/diff';
import { PROBABILITY_NOTE } from '../../../renderer/src/analysis/diff/rules';
import { clusterSnapshot, sepChain, svcChain, type ClusterSpec, type ServiceSpec } from './diff-fixtures';

const NGINX: ServiceSpec = {
  namespace: 'default',
  name: 'nginx',
  clusterIP: '10.43.80.28',
  port: 80,
  targetPort: 80,
  nodePort: 31236,
  endpoints: [
    { ip: '10.42.0.204', node: 'node-0', pod: 'nginx-a' },
    { ip: '10.42.1.5', node: 'node-1', pod: 'nginx-b' },
    { ip: '10.42.2.9', node: 'node-2', pod: 'nginx-c' },
  ],
};

const DNS: ServiceSpec = {
  namespace: 'kube-system',
  name: 'kube-dns',
  clusterIP: '10.43.0.10',
  port: 53,
  targetPort: 53,
  endpoints: [{ ip: '10.42.0.3', node: 'node-0', pod: 'coredns-1' }],
};

const BASE: ClusterSpec = { name: 'before', captured: ['node-0', 'node-1'], clusterNodes: ['node-0', 'node-1', 'node-2'], services: [NGINX, DNS] };

function build(spec: Partial<ClusterSpec> = {}) {
  return clusterSnapshot({ ...BASE, ...spec });
}

function kinds(changes: readonly Change[]): string[] {
  return changes.map((c) => `${c.kind} ${c.node ?? '-'} ${c.subject}`);
}

function codes(diff: SnapshotDiff): string[] {
  return diff.findings.map((f) => f.code);
}

/** Swaps two whole rule lines of a chain in the printed ruleset (the hashed names stay as they are). */
function swapLines(text: string, first: string, second: string): string {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.includes(first));
  const j = lines.findIndex((l) => l.includes(second));
  if (i < 0 || j < 0) throw new Error(`no rule line with ${i < 0 ? first : second}`);
  [lines[i], lines[j]] = [lines[j], lines[i]];
  return lines.join('\n');
}

describe('diffSnapshots', () => {
  it('finds nothing between two captures of the same state, and is stable', () => {
    const diff = diffSnapshots(build(), build({ name: 'after' }));
    for (const [section, changes] of Object.entries(diff.sections)) expect(changes, section).toEqual([]);
    expect(diff.findings).toEqual([]);
    expect(diff.summary.comparing).toBe('comparing snapshot "before" (A) with "after" (B)');
    expect(diff.pairs).toEqual([
      { a: 'node-0', b: 'node-0', crossNode: false },
      { a: 'node-1', b: 'node-1', crossNode: false },
    ]);
    expect(JSON.stringify(diffSnapshots(build(), build({ name: 'after' })))).toBe(JSON.stringify(diff));
  });

  it('reports reordered rules once per chain, not as removes and adds', () => {
    const reordered = build({
      editRuleset: (text) => swapLines(text, 'meta l4proto tcp ip daddr 10.43.80.28 ', 'meta l4proto tcp ip daddr 10.43.0.10 '),
    });
    const diff = diffSnapshots(build(), reordered);
    expect(kinds(diff.sections.rules)).toEqual(['reordered node-0 ip nat KUBE-SERVICES', 'reordered node-1 ip nat KUBE-SERVICES']);
    const [change] = diff.sections.rules;
    expect(change.fields).toHaveLength(1);
    expect([change.fields[0].before, change.fields[0].after].sort()).toEqual([0, 1]);
    expect(change.note).toBeUndefined();
    expect(diff.sections.paths).toEqual([]);
    expect(diff.findings).toEqual([]);
  });

  it('says that reordering probability rules changes who gets picked, and the paths show it', () => {
    const chain = svcChain(NGINX);
    const reordered = build({
      editRuleset: (text) => swapLines(text, `jump ${sepChain(NGINX, NGINX.endpoints[0])}`, `jump ${sepChain(NGINX, NGINX.endpoints[1])}`),
    });
    const diff = diffSnapshots(build(), reordered);
    expect(kinds(diff.sections.rules)).toEqual([`reordered node-0 ip nat ${chain}`, `reordered node-1 ip nat ${chain}`]);
    expect(diff.sections.rules[0].note).toBe(PROBABILITY_NOTE);
    expect(codes(diff)).toEqual(['probability-order-changed', 'probability-order-changed']);
    // 1/2 now goes to nginx-b first; nginx-a gets 1/2 · 1/3; nginx-c keeps 1/3
    const probability = (endpoint: string) =>
      diff.sections.paths.find((c) => c.node === 'node-0' && c.subject.includes('ClusterIP') && c.subject.includes(`→ ${endpoint}:80`))?.fields;
    expect(probability('10.42.0.204')).toEqual([{ field: 'probability', before: 0.333333, after: 0.166667 }]);
    expect(probability('10.42.1.5')).toEqual([{ field: 'probability', before: 0.333333, after: 0.5 }]);
    expect(probability('10.42.2.9')).toBeUndefined();
  });

  it('follows a Service whose endpoints moved to another node', () => {
    const moved: ServiceSpec = {
      ...NGINX,
      endpoints: [
        { ip: '10.42.1.7', node: 'node-1', pod: 'nginx-d' },
        { ip: '10.42.1.5', node: 'node-1', pod: 'nginx-b' },
        { ip: '10.42.1.8', node: 'node-1', pod: 'nginx-e' },
      ],
    };
    const diff = diffSnapshots(build(), build({ services: [moved, DNS] }));
    expect(diff.findings.find((f) => f.code === 'endpoints-moved-node')).toMatchObject({
      subject: 'default/nginx',
      message: 'default/nginx: endpoints moved from node-0, node-2 to node-1 (A: node-0 ×1, node-1 ×1, node-2 ×1; B: node-1 ×3)',
    });
    expect(kinds(diff.sections.endpoints)).toEqual([
      'removed - default/nginx 10.42.0.204',
      'added - default/nginx 10.42.1.7',
      'added - default/nginx 10.42.1.8',
      'removed - default/nginx 10.42.2.9',
    ]);
    expect(kinds(diff.sections.pods)).toEqual(['removed - default/nginx-a', 'removed - default/nginx-c', 'added - default/nginx-d', 'added - default/nginx-e']);
    // the endpoint chains changed with the endpoints; the shared rules did not
    const rules = diff.sections.rules.filter((c) => c.node === 'node-0');
    expect(rules.filter((c) => c.subject.includes('KUBE-SERVICES') || c.subject.includes('KUBE-NODEPORTS'))).toEqual([]);
    expect(rules.filter((c) => c.subject.startsWith('ip nat KUBE-SEP-') && !c.subject.includes(':')).map((c) => c.kind).sort()).toEqual([
      'added',
      'added',
      'removed',
      'removed',
    ]);
    // nginx-a left node-0 with its veth; its path from node-0 is gone, two to node-1 appeared, nginx-b's (same rule, same 1/3) is unchanged
    expect(kinds(diff.sections.veths)).toEqual(['removed node-0 pod default/nginx-a', 'added node-1 pod default/nginx-d', 'added node-1 pod default/nginx-e']);
    const paths = diff.sections.paths.filter((c) => c.node === 'node-0' && c.subject.includes('ClusterIP'));
    expect(paths.map((c) => `${c.kind} ${c.subject.split('→ ')[1]}`)).toEqual([
      'removed 10.42.0.204:80 delivered',
      'added 10.42.1.7:80 delivered',
      'added 10.42.1.8:80 delivered',
      'removed 10.42.2.9:80 node-not-captured',
    ]);
  });

  it('matches a stale endpoint chain by meaning when only one snapshot still lists the endpoint', () => {
    const gone: ServiceSpec = { ...NGINX, endpoints: NGINX.endpoints.slice(0, 2) };
    // B's cluster no longer has nginx-c, but kube-proxy on node-0 has not synced yet: its rules are A's
    const b = build({ services: [gone, DNS] });
    const withStale = { ...b, nodes: [build().nodes[0], b.nodes[1]] };
    const diff = diffSnapshots(build(), withStale);
    expect(diff.sections.rules.filter((c) => c.node === 'node-0')).toEqual([]);
    expect(kinds(diff.sections.rules.filter((c) => c.node === 'node-1' && c.kind === 'removed'))).toEqual([
      `removed node-1 ip nat ${sepChain(NGINX, NGINX.endpoints[2])}`,
      `removed node-1 ip nat ${svcChain(NGINX)}: jump ${sepChain(NGINX, NGINX.endpoints[2])}`,
    ]);
  });

  it('rolls counter deltas up per Service and endpoint', () => {
    const sep = (i: number) => sepChain(NGINX, NGINX.endpoints[i]);
    const counts = new Map([
      [sep(0), 3],
      [sep(1), 3],
      [sep(2), 1],
    ]);
    const after = build({
      counters: (chain, k) => (counts.has(chain) && k === 1 ? [counts.get(chain)!, counts.get(chain)! * 52] : undefined),
    });
    const diff = diffSnapshots(build(), after);
    expect(diff.counters.services.map((s) => [s.node, s.sentence])).toEqual([
      ['node-0', 'of 7 new connections to default/nginx, 3 went to 10.42.0.204, 3 to 10.42.1.5, 1 to 10.42.2.9'],
      ['node-1', 'of 7 new connections to default/nginx, 3 went to 10.42.0.204, 3 to 10.42.1.5, 1 to 10.42.2.9'],
    ]);
    expect(diff.counters.services[0]).toMatchObject({ service: 'default/nginx', packets: 7, bytes: 364, reset: false });
    expect(diff.counters.services[0].endpoints.map((e) => [e.endpoint, e.packets, e.bytes])).toEqual([
      ['10.42.0.204:80', 3, 156],
      ['10.42.1.5:80', 3, 156],
      ['10.42.2.9:80', 1, 52],
    ]);
    expect(diff.counters.rules.filter((r) => r.node === 'node-0').map((r) => `${r.chain} ${r.rule} +${r.packets}`)).toEqual([
      `${sep(0)} meta l4proto tcp dnat to 10.42.0.204:80 +3`,
      `${sep(1)} meta l4proto tcp dnat to 10.42.1.5:80 +3`,
      `${sep(2)} meta l4proto tcp dnat to 10.42.2.9:80 +1`,
    ].sort());
    expect(diff.summary.newConnections).toBe(14);
    expect(diff.findings).toEqual([]);
  });

  it('notices counters that went down and counts from zero', () => {
    const sep0 = sepChain(NGINX, NGINX.endpoints[0]);
    const before = build({ counters: (chain, k) => (k === 1 && chain.startsWith('KUBE-SEP-') ? [10, 520] : undefined) });
    const after = build({ counters: (chain, k) => (k === 1 && chain.startsWith('KUBE-SEP-') ? (chain === sep0 ? [2, 104] : [12, 624]) : undefined) });
    const diff = diffSnapshots(before, after);
    const nginx = diff.counters.services.find((s) => s.node === 'node-0' && s.service === 'default/nginx')!;
    expect(nginx).toMatchObject({ packets: 6, reset: true });
    expect(nginx.sentence).toBe(
      'of 6 new connections to default/nginx, 2 went to 10.42.0.204, 2 to 10.42.1.5, 2 to 10.42.2.9; counters went down for 10.42.0.204 (a reset or a different node): counted from zero',
    );
    expect(diff.counters.rulesWentDown).toBe(2);
    const resets = diff.findings.filter((f) => f.code === 'counter-reset');
    expect(resets.map((f) => [f.severity, f.node])).toEqual([
      ['warning', 'node-0'],
      ['warning', 'node-1'],
    ]);
    expect(resets[0].message).toMatch(new RegExp(`^1 rule counter of \\d+ went down \\(ip nat ${sep0}: 10 → 2 packets\\): the counters were reset`));
  });

  it('compares two differently named single nodes and says so', () => {
    const working = clusterSnapshot({ ...BASE, name: 'working', captured: ['node-1'] });
    const broken = clusterSnapshot({ ...BASE, name: 'broken', captured: ['node-0'] });
    const diff = diffSnapshots(working, broken);
    expect(diff.summary.comparing).toBe('comparing node-1 (A) with node-0 (B)');
    expect(diff.summary.crossNode).toBe(true);
    expect(codes(diff)).toContain('cross-node-comparison');
    // each node routes its own pod subnet to cni0 and the other's over flannel
    expect(kinds(diff.sections.routes)).toEqual([
      'changed node-1 10.42.0.0/24',
      'changed node-1 10.42.1.0/24',
    ]);
    expect(diff.sections.routes[0]).toMatchObject({ nodeB: 'node-0', fields: expect.arrayContaining([{ field: 'dev', before: 'flannel.1', after: 'cni0' }]) });
    // same kube-proxy rules on both: nothing to report, and the counters are compared as they stand
    expect(diff.sections.rules).toEqual([]);
    expect(diffSnapshots(build(), build({ name: 'b' }), { nodePairs: [['node-0', 'node-1']] }).summary.comparing).toBe('comparing node-0 (A) with node-1 (B)');
    expect(() => diffSnapshots(working, broken, { nodePairs: [['node-0', 'node-0']] })).toThrow(DiffInputError);
  });

  it('reports Service, interface and route changes with their fields', () => {
    const b = build({ services: [{ ...NGINX, lbIP: '192.168.28.61' }, DNS] });
    const node0 = b.nodes[0];
    const patched = {
      ...b,
      nodes: [
        {
          ...node0,
          interfaces: node0.interfaces.map((i) => (i.name === 'flannel.1' ? { ...i, mtu: 1400, state: 'DOWN' } : i)),
          routes: node0.routes.filter((r) => r.dst !== '10.42.2.0/24'),
        },
        b.nodes[1],
      ],
    };
    const diff = diffSnapshots(build(), patched);
    expect(diff.sections.services).toEqual([
      expect.objectContaining({
        kind: 'changed',
        subject: 'default/nginx',
        fields: [
          { field: 'type', before: 'NodePort', after: 'LoadBalancer' },
          { field: 'loadBalancerIPs', before: [], after: ['192.168.28.61'] },
        ],
      }),
    ]);
    expect(diff.sections.interfaces).toEqual([
      expect.objectContaining({
        kind: 'changed',
        node: 'node-0',
        subject: 'flannel.1',
        fields: [
          { field: 'state', before: 'UP', after: 'DOWN' },
          { field: 'mtu', before: 1450, after: 1400 },
        ],
      }),
    ]);
    expect(kinds(diff.sections.routes)).toEqual(['removed node-0 10.42.2.0/24']);
    expect(kinds(diff.sections.rules).filter((k) => k.startsWith('added node-0'))).toEqual([
      'added node-0 ip nat KUBE-SERVICES: meta l4proto tcp ip daddr 192.168.28.61 tcp dport 80 jump KUBE-EXT-2CMXP7HKUVJN7L6M',
    ]);
    const text = renderDiffText(diff);
    expect(text).toMatch(/services \(1\)\n {2}~ default\/nginx\n {6}type: NodePort → LoadBalancer/);
    expect(text).toMatch(/~ \[node-0\] flannel\.1\n {6}state: UP → DOWN/);
  });
});
