// The path section skips Services whose inputs are identical on both sides (diff/skip.ts). The
// skip must never hide a change: for each mutation, the diff with skipping equals the diff with
// every Service traced ({ exhaustivePaths: true }); and a capture that differs only in counters
// traces nothing.

import { describe, expect, it } from 'vitest';
import { diffSnapshots, renderDiffText, type SnapshotDiff } from '../../../renderer/src/analysis/diff';
import type { SnapshotData } from '../../../renderer/src/analysis/model';
import { clusterSnapshot, sepChain, svcChain, type ClusterSpec, type ServiceSpec } from './diff-fixtures';

// Endpoints mostly on node-2, which is not captured: changing them leaves the captured nodes'
// interfaces alone, so the skip (not the node-level fallback) is what is exercised.
const NGINX: ServiceSpec = {
  namespace: 'default',
  name: 'nginx',
  clusterIP: '10.43.80.28',
  port: 80,
  targetPort: 80,
  nodePort: 31236,
  lbIP: '192.168.100.10',
  endpoints: [
    { ip: '10.42.2.4', node: 'node-2', pod: 'nginx-a' },
    { ip: '10.42.2.5', node: 'node-2', pod: 'nginx-b' },
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

const FILLER: ServiceSpec[] = [1, 2, 3, 4].map((i) => ({
  namespace: 'apps',
  name: `app-${i}`,
  clusterIP: `10.43.1.${i}`,
  port: 8080,
  targetPort: 8080,
  endpoints: [
    { ip: `10.42.2.${20 + i}`, node: 'node-2', pod: `app-${i}-a` },
    { ip: `10.42.2.${40 + i}`, node: 'node-2', pod: `app-${i}-b` },
  ],
}));

const BASE: ClusterSpec = { name: 'before', captured: ['node-0', 'node-1'], clusterNodes: ['node-0', 'node-1', 'node-2'], services: [NGINX, DNS, ...FILLER] };

function build(spec: Partial<ClusterSpec> = {}): SnapshotData {
  return clusterSnapshot({ ...BASE, name: 'after', ...spec });
}

function withNginx(change: Partial<ServiceSpec>): ServiceSpec[] {
  return [{ ...NGINX, ...change }, DNS, ...FILLER];
}

function withoutSummaryPaths(d: SnapshotDiff): unknown {
  return { ...d, summary: { ...d.summary, paths: null } };
}

/** The diff with skipping, after checking it equals the exhaustive one. */
function checked(a: SnapshotData, b: SnapshotData): SnapshotDiff {
  const fast = diffSnapshots(a, b);
  const full = diffSnapshots(a, b, { exhaustivePaths: true });
  expect(full.summary.paths.traced).toBe(full.summary.paths.compared);
  expect(withoutSummaryPaths(fast)).toEqual(withoutSummaryPaths(full));
  expect(fast.summary.paths.traced + fast.summary.paths.skipped).toBe(fast.summary.paths.compared);
  return fast;
}

function subjects(d: SnapshotDiff): string[] {
  return d.sections.paths.map((c) => c.subject);
}

/** Replaces one line of the printed ruleset (fails when it is not there). */
function replaceLine(find: string, replace: (line: string) => string): (text: string) => string {
  return (text) => {
    const lines = text.split('\n');
    const i = lines.findIndex((l) => l.includes(find));
    if (i < 0) throw new Error(`no rule line with ${find}`);
    lines[i] = replace(lines[i]);
    return lines.join('\n');
  };
}

function edit(b: SnapshotData, f: (s: SnapshotData) => void): SnapshotData {
  const out = structuredClone(b);
  f(out);
  return out;
}

describe('path skipping', () => {
  const a = build({ name: 'before' });

  it('traces nothing when only counters moved, and says so', () => {
    const b = build({ counters: (chain, k) => (chain.startsWith('KUBE-SEP-') || chain === 'KUBE-SERVICES' ? [k + 7, (k + 7) * 60] : undefined) });
    const d = checked(a, b);
    expect(d.counters.rules.length).toBeGreaterThan(0);
    expect(d.sections.paths).toEqual([]);
    expect(d.summary.paths).toEqual({ compared: 6, traced: 0, skipped: 6, reason: null });
    expect(renderDiffText(d)).toContain('paths: 0 of 6 Services re-traced (the rest had identical inputs)');
  });

  it('an identical capture traces nothing', () => {
    expect(checked(a, build()).summary.paths.traced).toBe(0);
  });

  it('an endpoint added, removed or not ready: only that Service is re-traced', () => {
    const extra = { ip: '10.42.2.77', node: 'node-2', pod: 'nginx-d' };
    for (const endpoints of [[...NGINX.endpoints, extra], NGINX.endpoints.slice(1), NGINX.endpoints.map((e, i) => (i === 1 ? { ...e, ready: false } : e))]) {
      const d = checked(a, build({ services: withNginx({ endpoints }) }));
      expect(d.summary.paths.traced).toBe(1);
      expect(d.sections.paths.length).toBeGreaterThan(0);
      expect(subjects(d).every((s) => s.startsWith('default/nginx '))).toBe(true);
    }
  });

  it("a SEP chain's dnat changed", () => {
    const b = build({ editRuleset: replaceLine('dnat to 10.42.2.9:80', (l) => l.replace('10.42.2.9:80', '10.42.2.9:8080')) });
    const d = checked(a, b);
    expect(d.summary.paths.traced).toBe(1);
    // the new target is no endpoint the slices know: the leaf's endpoint loses its port
    expect(subjects(d).some((s) => s.includes('→ 10.42.2.9: '))).toBe(true);
  });

  it('a KUBE-SVC chain whose endpoint jumps were reordered (probabilities move)', () => {
    const first = `jump ${sepChain(NGINX, NGINX.endpoints[0])}`;
    const last = `jump ${sepChain(NGINX, NGINX.endpoints[2])}`;
    const b = build({
      editRuleset: (text) => {
        const lines = text.split('\n');
        const i = lines.findIndex((l) => l.includes(first));
        const j = lines.findIndex((l) => l.includes(last));
        [lines[i], lines[j]] = [lines[j], lines[i]];
        return lines.join('\n');
      },
    });
    const d = checked(a, b);
    expect(d.summary.paths.traced).toBe(1);
    expect(d.sections.paths.some((c) => c.fields.some((f) => f.field === 'probability'))).toBe(true);
  });

  it('a dispatch rule changed (the ClusterIP rule now sends nginx to kube-dns)', () => {
    const b = build({ editRuleset: replaceLine(`jump ${svcChain(NGINX)}`, (l) => l.replace(svcChain(NGINX), svcChain(DNS))) });
    const d = checked(a, b);
    expect(subjects(d).some((s) => s.startsWith('default/nginx ClusterIP'))).toBe(true);
    expect(d.summary.paths.traced).toBeLessThan(d.summary.paths.compared);
  });

  it("another Service's dispatch rule changed to match this Service's IP:port, ahead of its own", () => {
    const b = build({
      editRuleset: (text) => {
        const lines = text.split('\n');
        const i = lines.findIndex((l) => l.includes(`jump ${svcChain(DNS)}`) && l.includes('ip daddr 10.43.0.10'));
        const [dns] = lines.splice(i, 1);
        const j = lines.findIndex((l) => l.includes(`jump ${svcChain(NGINX)}`) && l.includes('ip daddr'));
        lines.splice(j, 0, dns.replace('10.43.0.10', '10.43.80.28').replace('dport 53', 'dport 80'));
        return lines.join('\n');
      },
    });
    const d = checked(a, b);
    expect(subjects(d).some((s) => s.startsWith('default/nginx ClusterIP'))).toBe(true);
    expect(subjects(d).some((s) => s.startsWith('kube-system/kube-dns'))).toBe(true);
  });

  it('a literal-only rule in a base chain (a drop for one Service) is attributed to that Service', () => {
    const hook = 'type nat hook output priority -100; policy accept;';
    const b = build({ editRuleset: replaceLine(hook, (l) => `${l}\n\t\tmeta l4proto tcp ip daddr 10.43.0.10 tcp dport 53 drop`) });
    const d = checked(a, b);
    expect(subjects(d).some((s) => s.startsWith('kube-system/kube-dns'))).toBe(true);
    expect(d.summary.paths.traced).toBe(1);
  });

  it('a base chain rule changed: everything is traced', () => {
    const b = build({ editRuleset: replaceLine('masquerade fully-random', (l) => l.replace('masquerade fully-random', 'accept')) });
    const d = checked(a, b);
    expect(d.summary.paths.traced).toBe(d.summary.paths.compared);
    expect(d.summary.paths.reason).toBe('node-level state changed');
  });

  it('a route changed: everything is traced', () => {
    const b = edit(build(), (s) => {
      const n = s.nodes.find((x) => x.name === 'node-0')!;
      n.routes = n.routes.filter((r) => r.dst !== '10.42.2.0/24');
    });
    const d = checked(a, b);
    expect(d.summary.paths.traced).toBe(d.summary.paths.compared);
    expect(subjects(d).length).toBeGreaterThan(0);
  });

  it('a pod moved to another node', () => {
    const b = edit(build(), (s) => {
      const pod = s.cluster.pods.find((p) => p.name === 'nginx-c')!;
      pod.nodeName = 'node-1';
      for (const slice of s.cluster.endpointSlices) for (const e of slice.endpoints) if (e.podName === 'nginx-c') e.nodeName = 'node-1';
    });
    checked(a, b);
  });

  it('a pod that is nobody\u2019s endpoint but holds an endpoint address elsewhere in the cluster changed', () => {
    const b = edit(build(), (s) => {
      const pod = s.cluster.pods.find((p) => p.name === 'app-2-a')!;
      pod.name = 'app-2-renamed';
    });
    const d = checked(a, b);
    expect(d.summary.paths.traced).toBe(1);
  });

  it('a NodePort dispatch rule and an unrelated cluster change', () => {
    const b = build({ services: withNginx({ nodePort: 31999 }) });
    const d = checked(a, b);
    expect(subjects(d).some((s) => s.includes('NodePort'))).toBe(true);
  });
});
