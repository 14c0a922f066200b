// The diff's fast paths must report what the full comparisons report. Chains whose rules are the
// same texts (counters aside) are matched without building rule keys (rule-index.ts
// sameRuleTexts) and share their facts in the path plan (skip.ts); counters are read from the
// parsed rules and listed in the output's order; cluster object lists equal on both sides are not
// compared piece by piece (common.ts clusterUnchanged).

import { describe, expect, it } from 'vitest';
import { diffSnapshots } from '../../../renderer/src/analysis/diff';
import { clusterUnchanged } from '../../../renderer/src/analysis/diff/common';
import { diffCounters } from '../../../renderer/src/analysis/diff/counters';
import { chainNames, IndexedChain, indexNodeRules, IndexedRule, ruleDisplay, ruleKey, type NodeRuleIndex } from '../../../renderer/src/analysis/diff/rule-index';
import { diffRules, type ChainMatch } from '../../../renderer/src/analysis/diff/rules';
import { snapshotView } from '../../../renderer/src/analysis/diff/snapshot-view';
import { traceContext } from '../../../renderer/src/analysis/trace/context';
import type { KubeProxyChainRef } from '../../../renderer/src/analysis/kubeproxy-names';
import type { NftChain, SnapshotData } from '../../../renderer/src/analysis/model';
import { clusterSnapshot, sepChain, svcChain, type ClusterSpec, type ServiceSpec } from './diff-fixtures';

const NGINX: ServiceSpec = {
  namespace: 'default',
  name: 'nginx',
  clusterIP: '10.43.80.28',
  port: 80,
  targetPort: 80,
  nodePort: 31236,
  endpoints: [
    { ip: '10.42.2.4', node: 'node-2', pod: 'nginx-a' },
    { ip: '10.42.2.5', node: 'node-2', pod: 'nginx-b' },
  ],
};

const DNS: ServiceSpec = {
  namespace: 'kube-system',
  name: 'kube-dns',
  clusterIP: '10.43.0.10',
  port: 53,
  targetPort: 53,
  endpoints: [{ ip: '10.42.2.3', node: 'node-2', pod: 'coredns-1' }],
};

const BASE: ClusterSpec = { name: 'before', captured: ['node-0'], clusterNodes: ['node-0', 'node-2'], services: [NGINX, DNS] };

function build(spec: Partial<ClusterSpec> = {}): SnapshotData {
  return clusterSnapshot({ ...BASE, ...spec });
}

/** Every SEP and KUBE-SERVICES rule counted `k + bump` packets. */
function counting(bump: number): ClusterSpec['counters'] {
  return (chain, k) => (chain.startsWith('KUBE-SEP-') || chain === 'KUBE-SERVICES' ? [k + bump, (k + bump) * 60] : undefined);
}

/** The rules of node-0 of both snapshots compared, as diffSnapshots compares them. */
function compareRules(a: SnapshotData, b: SnapshotData): { ia: NodeRuleIndex; ib: NodeRuleIndex; matches: Map<string, ChainMatch>; diff: ReturnType<typeof diffRules> } {
  const names = chainNames(snapshotView(a).chainRefsOf, snapshotView(b).chainRefsOf);
  const ia = indexNodeRules(a.nodes[0], names);
  const ib = indexNodeRules(b.nodes[0], names);
  const diff = diffRules(ia, ib, { a: 'node-0', b: 'node-0', crossNode: false });
  return { ia, ib, diff, matches: new Map(diff.matches.map((m) => [m.a.chain.name, m])) };
}

/** Replaces every printed rule line `find` is in (fails when there is none). */
function editLines(find: string, replace: (line: string) => string): (text: string) => string {
  return (text) => {
    if (!text.includes(find)) throw new Error(`no rule line with ${find}`);
    return text
      .split('\n')
      .map((l) => (l.includes(find) ? replace(l) : l))
      .join('\n');
  };
}

describe('matching chains by their rule texts', () => {
  const a = build({ counters: counting(1) });

  it('a chain whose counters alone changed is identical: no change, every counter compared', () => {
    const b = build({ name: 'after', counters: counting(5) });
    const { diff, matches } = compareRules(a, b);
    expect(diff.changes).toEqual([]);
    expect([...matches.values()].every((m) => m.identical && m.pairs === null)).toBe(true);
    const counters = diffCounters(diff.matches, diff.newChains, { a: 'node-0', b: 'node-0', crossNode: false });
    expect(counters.rules.length).toBeGreaterThan(0);
    expect(counters.rules.every((r) => r.packets === 4)).toBe(true);
  });

  it('a rule whose text changed but whose key did not (its counter moved) is the same rule, found by key', () => {
    const sep = sepChain(NGINX, NGINX.endpoints[0]);
    // `counter … jump KUBE-MARK-MASQ` → `jump KUBE-MARK-MASQ counter …`: other statement order, same key
    const moved = editLines(`ip saddr ${NGINX.endpoints[0].ip} `, (l) => l.replace(/(counter packets \d+ bytes \d+) (jump \S+)/, '$2 $1'));
    const b = build({ name: 'after', counters: counting(1), editRuleset: moved });
    const { diff, matches } = compareRules(a, b);
    expect(diff.changes).toEqual([]);
    const m = matches.get(sep)!;
    expect(m.identical).toBe(false);
    expect(m.pairs).toBeNull();
    expect(m.b.chain.rules[0].text).not.toBe(m.a.chain.rules[0].text);
    expect(m.b.rules[0].key).toBe(m.a.rules[0].key);
    // and the path plan, which compares that chain by its keys, still skips every Service
    const d = diffSnapshots(a, b);
    expect(d.summary.paths).toMatchObject({ traced: 0, reason: null });
  });

  it('reordered rules are matched by key and reported as reordered', () => {
    const svc = svcChain(NGINX);
    const swap = (text: string) => {
      const lines = text.split('\n');
      const i = lines.findIndex((l) => l.includes(`jump ${sepChain(NGINX, NGINX.endpoints[0])}`));
      const j = lines.findIndex((l) => l.includes(`jump ${sepChain(NGINX, NGINX.endpoints[1])}`));
      [lines[i], lines[j]] = [lines[j], lines[i]];
      return lines.join('\n');
    };
    const b = build({ name: 'after', counters: counting(1), editRuleset: swap });
    const { diff, matches } = compareRules(a, b);
    expect(matches.get(svc)!.identical).toBe(false);
    expect(diff.changes.map((c) => c.kind)).toContain('reordered');
    const d = diffSnapshots(a, b);
    expect(d.sections.rules.map((c) => c.kind)).toEqual(['reordered']);
    expect(d.summary.paths.traced).toBe(1);
    expect(d.sections.paths.every((c) => c.subject.startsWith('default/nginx '))).toBe(true);
  });

  it("a rule whose key changed is reported, and only its Service's paths are re-traced", () => {
    const sep = sepChain(DNS, DNS.endpoints[0]);
    const b = build({ name: 'after', counters: counting(1), editRuleset: editLines(`dnat to ${DNS.endpoints[0].ip}:53`, (l) => l.replace(':53', ':5353')) });
    const { diff, matches } = compareRules(a, b);
    expect(matches.get(sep)!.identical).toBe(false);
    expect(diff.changes.map((c) => `${c.kind} ${c.subject}`)).toEqual([
      `removed ip nat ${sep}: meta l4proto tcp dnat to ${DNS.endpoints[0].ip}:53`,
      `added ip nat ${sep}: meta l4proto tcp dnat to ${DNS.endpoints[0].ip}:5353`,
    ]);
    const fast = diffSnapshots(a, b);
    const full = diffSnapshots(a, b, { exhaustivePaths: true });
    expect({ ...fast, summary: { ...fast.summary, paths: null } }).toEqual({ ...full, summary: { ...full.summary, paths: null } });
    expect(fast.summary.paths).toMatchObject({ compared: 2, traced: 1 });
    expect(fast.sections.paths.length).toBeGreaterThan(0);
    expect(fast.sections.paths.every((c) => c.subject.startsWith('kube-system/kube-dns '))).toBe(true);
  });

  it('rules are keyed and printed alike whether read as parsed (identical chains) or as IndexedRules', () => {
    const b = build({ name: 'after', counters: counting(3) });
    const { ia, matches } = compareRules(a, b);
    const chain = ia.chains.get(matches.get(svcChain(NGINX))!.a.identity)!;
    const names = chainNames(snapshotView(a).chainRefsOf, snapshotView(b).chainRefsOf);
    for (const rule of chain.chain.rules) {
      const indexed = new IndexedRule(rule, names);
      expect(indexed.key).toBe(ruleKey(rule, names));
      expect(indexed.display).toBe(ruleDisplay(rule));
      expect(ruleDisplay(rule)).not.toContain('counter');
    }
    expect(chain.rules.map((r) => r.key)).toEqual(chain.chain.rules.map((r) => ruleKey(r, names)));
  });
});

describe('counters in the output order', () => {
  it('lists deltas sorted, and names the first rules that went down in A order', () => {
    const a = build({ counters: counting(10) });
    const b = build({ name: 'after', counters: (chain, k) => (chain.startsWith('KUBE-SEP-') ? [k, k * 60] : chain === 'KUBE-SERVICES' ? [k + 20, (k + 20) * 60] : undefined) });
    const d = diffSnapshots(a, b);
    const keys = d.counters.rules.map((r) => [r.family, r.table, r.chain, r.position] as const);
    const sorted = [...keys].sort((x, y) => (x[2] < y[2] ? -1 : x[2] > y[2] ? 1 : x[3] - y[3]));
    expect(keys).toEqual(sorted);
    const reset = d.findings.find((f) => f.code === 'counter-reset')!;
    // the SEP chains in ruleset (A) order: nginx's endpoints, then kube-dns's
    const order = [sepChain(NGINX, NGINX.endpoints[0]), sepChain(NGINX, NGINX.endpoints[0]), sepChain(NGINX, NGINX.endpoints[1])];
    expect(reset.message).toContain(order.map((c, i) => `ip nat ${c}: ${(i % 2) + 10} → ${i % 2} packets`).join('; '));
  });

  it('lists chains by table, then by name, whatever their order in the ruleset', () => {
    const matches = [
      countedMatch('nat', 'b', null, 0, 1),
      countedMatch('filter', 'z', null, 0, 1),
      countedMatch('nat', 'a', null, 0, 1),
      countedMatch('filter', 'y', null, 0, 1),
      countedMatch('nat', 'a-1', null, 0, 1),
    ];
    const { rules } = diffCounters(matches, [], { a: 'node-0', b: 'node-0', crossNode: false });
    expect(rules.map((r) => `${r.table} ${r.chain}`)).toEqual(['filter y', 'filter z', 'nat a', 'nat a-1', 'nat b']);
  });
});

describe('unchanged cluster lists', () => {
  it('are equal whatever line they were read from, and unequal when a field changed', () => {
    const a = build();
    const moved = structuredClone(build({ name: 'after' }));
    for (const p of moved.cluster.pods) p.source = { file: 'cluster/pods.json', line: p.source.line + 7 };
    expect(clusterUnchanged(a, moved)).toEqual({ services: true, endpointSlices: true, pods: true, events: true });
    expect(diffSnapshots(a, moved).sections.pods).toEqual([]);

    const renamed = structuredClone(moved);
    renamed.cluster.pods[0].nodeName = 'node-0';
    expect(clusterUnchanged(a, renamed).pods).toBe(false);
    expect(diffSnapshots(a, renamed).sections.pods.map((c) => c.kind)).toEqual(['changed']);
  });
});

describe('kube-proxy chain names', () => {
  it('are indexed once per snapshot and mode, shared by the diff and the trace context', () => {
    const a = build();
    const fromView = snapshotView(a).chainRefsOf('iptables');
    expect(fromView.size).toBeGreaterThan(0);
    expect(traceContext(a).chainRefsOf('iptables')).toBe(fromView);
    expect(traceContext(a).chainRefsOf('nftables')).not.toBe(fromView);
  });
});

describe('chain identities', () => {
  const sep = 'KUBE-SEP-AAAAAAAAAAAAAAAA';
  const ref = { mode: 'iptables', kind: 'sep', serviceKey: 'default/nginx', portName: null, protocol: 'tcp', endpoint: '10.42.2.4:80' } as const;
  const meaning = '⟨sep default/nginx/tcp 10.42.2.4:80⟩';

  it('are found by name, their meaning read only for ids', () => {
    const identify = chainNames(new Map([[sep, ref]]), new Map()).chainsOf('ip', 'nat');
    const identity = identify(sep);
    expect(identify(sep)).toBe(identity);
    expect(identify('KUBE-SERVICES')).not.toBe(identity);
    expect(identity.ref).toBe(ref);
    expect(identity.id).toBe(`ip nat ${meaning}`);
  });

  it('a plain chain named like a meaning text is the kube-proxy chain of that meaning, whichever comes first', () => {
    const names = chainNames(new Map([[sep, ref]]), new Map());
    const kubeProxyFirst = names.chainsOf('ip', 'nat');
    expect(kubeProxyFirst(meaning)).toBe(kubeProxyFirst(sep));
    const plainFirst = names.chainsOf('ip', 'filter');
    const plain = plainFirst(meaning);
    expect(plainFirst(sep)).toBe(plain);
    expect(plain.ref).toBeNull();
    // another table is another chain
    expect(plain).not.toBe(kubeProxyFirst(sep));
    expect(plainFirst('⟨other⟩')).not.toBe(plain);
  });

  it('of a chain at the same place in the other index are taken from there, and looked up by name elsewhere', () => {
    const a = build();
    const b = structuredClone(a);
    const nat = b.nodes[0].ruleset!.tables.find((t) => t.name === 'nat')!;
    // two chains swap places: neither is named as the chain at its place in A
    [nat.chains[0], nat.chains[1]] = [nat.chains[1], nat.chains[0]];
    const names = chainNames(snapshotView(a).chainRefsOf, snapshotView(b).chainRefsOf);
    const ia = indexNodeRules(a.nodes[0], names);
    const ib = indexNodeRules(b.nodes[0], names, ia);
    expect(ib.inOrder.length).toBe(ia.inOrder.length);
    for (const c of ib.inOrder) expect(c.identity).toBe(names.chainsOf(c.family, c.table)(c.chain.name));
    expect(ib.inOrder.filter((c, i) => c.identity !== ia.inOrder[i].identity).map((c) => c.chain.name)).toEqual([nat.chains[0].name, nat.chains[1].name]);
  });
});

/** A chain present in both snapshots whose one rule (a dnat to `ref`'s endpoint, if any) counted `before` then `after` packets. */
function countedMatch(table: string, name: string, ref: KubeProxyChainRef | null, before: number, after: number): ChainMatch {
  const names = chainNames(new Map(ref ? [[name, ref]] : []), new Map());
  const identity = names.chainsOf('ip', table)(name);
  const chain = (packets: number): IndexedChain => {
    const [address, port] = (ref?.endpoint ?? '10.0.0.1:1').split(':');
    const c: NftChain = {
      name,
      type: null,
      hook: null,
      priority: null,
      device: null,
      policy: null,
      comment: null,
      source: { file: 'f', line: 1 },
      rules: [
        {
          position: 0,
          handle: null,
          text: `counter dnat to ${address}:${port}`,
          counter: { packets, bytes: packets * 10 },
          comment: null,
          source: { file: 'f', line: 2 },
          statements: [
            { kind: 'counter', packets, bytes: packets * 10, text: `counter packets ${packets} bytes ${packets * 10}` },
            { kind: 'nat', type: 'dnat', address, port, flags: [], text: `dnat to ${address}:${port}` },
          ],
        },
      ],
    };
    return new IndexedChain(identity, 'ip', table, c, names);
  };
  return { a: chain(before), b: chain(after), pairs: null, identical: true };
}

describe('counter roll-ups', () => {
  it('are one per Service port and protocol (an unnamed port and an empty name alike), endpoints summed', () => {
    const sep = (portName: string | null, protocol: 'tcp' | 'udp', endpoint: string): KubeProxyChainRef => ({ mode: 'iptables', kind: 'sep', serviceKey: 'default/dns', portName, protocol, endpoint });
    const matches = [
      countedMatch('nat', 'KUBE-SEP-A', sep('dns', 'udp', '10.42.0.1:53'), 1, 4),
      countedMatch('nat', 'KUBE-SEP-B', sep('dns-tcp', 'tcp', '10.42.0.1:53'), 0, 2),
      countedMatch('nat', 'KUBE-SEP-C', sep('dns', 'tcp', '10.42.0.2:53'), 0, 1),
      countedMatch('nat', 'KUBE-SEP-D', sep('dns', 'udp', '10.42.0.2:53'), 0, 5),
      countedMatch('nat', 'KUBE-SEP-E', sep(null, 'udp', '10.42.0.3:53'), 0, 6),
      countedMatch('nat', 'KUBE-SEP-F', sep('', 'udp', '10.42.0.3:53'), 0, 1),
    ];
    const { services } = diffCounters(matches, [], { a: 'node-0', b: 'node-0', crossNode: false });
    expect(services.map((s) => [s.portName, s.protocol, s.packets, s.endpoints.map((e) => `${e.endpoint}=${e.packets}`).join(' ')])).toEqual([
      [null, 'udp', 7, '10.42.0.3:53=7'],
      ['dns', 'tcp', 1, '10.42.0.2:53=1'],
      ['dns', 'udp', 8, '10.42.0.2:53=5 10.42.0.1:53=3'],
      ['dns-tcp', 'tcp', 2, '10.42.0.1:53=2'],
    ]);
  });
});
