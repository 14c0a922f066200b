// The engine's indexes and fast paths against the slow, obvious way: a long chain's dispatch
// index against evaluating every rule in order, canonical text without the memo maps, the routing
// table's numeric IPv4 keys beside IPv6 routes, and chain owners worked out anew or cached.

import { describe, expect, it } from 'vitest';
import { canonicalIp } from '../../../renderer/src/analysis/trace/ip';
import { resolveChainOwner, serviceForChain, traceContext } from '../../../renderer/src/analysis/trace/context';
import { buildNftIndex, canonical, DECIDED_SELECTORS, dispatchCandidates, endpointChoices, type ChainIndex } from '../../../renderer/src/analysis/trace/nft-index';
import { buildNodeNet, lookupRoute } from '../../../renderer/src/analysis/trace/routing';
import { leavesOf, traceFlow } from '../../../renderer/src/analysis/trace';
import type { NftRuleset } from '../../../renderer/src/analysis/model';
import { addr, node, route, snapshot } from './builders';
import { endpointSlice, flannelNode, ipRule, nftRuleset, service } from './trace-builders';

// ---------------------------------------------------------------------------------------------
// Dispatch

/**
 * A KUBE-SERVICES-like chain of 20 rules, 14 of them keyed on their destination address: what the
 * dispatch index must not get wrong. A rule matching the client's address before its destination
 * is not keyed: in order, it forks on the unknown source before the destination can rule it out.
 * A `meta mark` match nothing sets, repeated after them, makes the keyed rules a minority, so the
 * same chain is then evaluated rule by rule.
 */
const DISPATCH_RULES = `
		ip daddr 10.96.0.1 tcp dport 80 jump SVC1
		ip daddr { 10.96.0.2, 10.96.0.3 } tcp dport 80 jump SVC2
		ip daddr 10.96.0.4/32 jump SVC3
		ip daddr != 10.96.0.5 tcp dport 9999 jump NEG
		ip daddr 10.96.1.0/24 tcp dport 81 jump NET24
		ip daddr 10.96.2.1-10.96.2.9 jump RANGE
		ip daddr 10.96.0.1 tcp dport 80 jump LATER
		ip daddr 10.96.0.6 meta mark set 0x00000001
		meta mark set 0x00000002 ip daddr 10.96.0.7 counter
		ip daddr 10.96.0.9 ip saddr 1.2.3.0/24 jump SVC3
		ip daddr 010.096.000.010 tcp dport 80 jump SVC1
		ip daddr 10.96.0.11 tcp dport 80 jump SVC2
		ip daddr 10.96.0.12 tcp dport 80 jump SVC2
		ip daddr 10.96.0.13 tcp dport 80 jump SVC2
		ip daddr 10.96.0.14 tcp dport 80 jump SVC2
		ip daddr 10.96.0.15 tcp dport 80 jump SVC2
		ip daddr 10.96.0.16 tcp dport 80 jump SVC2
		ip saddr 1.2.3.0/24 ip daddr 10.96.0.17 jump SVC3
		meta l4proto tcp ip daddr 10.96.0.18 tcp dport 80 counter jump SVC2
		fib daddr type local jump NODEPORTS`;

function dispatchRuleset(inOrder: boolean, extraRule = ''): NftRuleset {
  const neverMatches = inOrder ? '\n\t\tmeta mark 0x00007777 counter accept'.repeat(40) : '';
  // DISPATCH comes last, so the padding moves no other rule's source line.
  return nftRuleset(`table ip nat {
	chain PREROUTING {
		type nat hook prerouting priority dstnat; policy accept;
		jump DISPATCH
	}
	chain SVC1 {
		meta mark set mark or 0x00000010
	}
	chain SVC2 {
		dnat to 10.42.1.17:8080
	}
	chain SVC3 {
		meta mark set mark or 0x00000020
	}
	chain NEG {
		meta mark set mark or 0x00000040
	}
	chain NET24 {
		meta mark set mark or 0x00000080
	}
	chain RANGE {
		meta mark set mark or 0x00000100
	}
	chain LATER {
		dnat to 10.42.1.18:80
	}
	chain NODEPORTS {
		tcp dport 30080 dnat to 10.42.1.17:80
	}
	chain DISPATCH {${DISPATCH_RULES}${extraRule}${neverMatches}
	}
}
`);
}

function dispatchChain(ruleset: NftRuleset): ChainIndex {
  const chain = buildNftIndex(ruleset).tables[0].chains.get('DISPATCH');
  if (!chain) throw new Error('no DISPATCH chain');
  return chain;
}

const FLOWS: [string, number][] = [
  ['10.96.0.1', 80],
  ['10.96.0.2', 80],
  ['10.96.0.3', 80],
  ['10.96.0.3', 81],
  ['10.96.0.4', 5000],
  ['10.96.0.5', 9999],
  ['10.96.0.99', 9999],
  ['10.96.1.7', 81],
  ['10.96.2.5', 1],
  ['10.96.0.6', 1],
  ['10.96.0.7', 1],
  ['10.96.0.9', 1],
  ['10.96.0.10', 80],
  ['10.96.0.16', 80],
  ['10.96.0.17', 1],
  ['10.96.0.18', 80],
  ['192.168.1.11', 30080],
  ['8.8.8.8', 53],
];

describe('trace index: dispatch', () => {
  const indexed = dispatchRuleset(false);
  const inOrder = dispatchRuleset(true);

  it('indexes the long chain on the destination address, and not the padded one', () => {
    expect(dispatchChain(indexed).dispatch?.field).toBe('daddr');
    expect(dispatchChain(inOrder).dispatch).toBeNull();
  });

  it('gives every flow exactly the paths that evaluating every rule in order gives', () => {
    const snap = (rules: NftRuleset) =>
      snapshot({ nodes: [flannelNode('n1', { ip: '192.168.1.11', podCidr: '10.42.1.0/24', ruleset: rules })] });
    const a = snap(indexed);
    const b = snap(inOrder);
    for (const [to, port] of FLOWS) {
      expect(traceFlow(a, { to, port, node: 'n1' }), `${to}:${port}`).toEqual(traceFlow(b, { to, port, node: 'n1' }));
    }
  });

  it('forks on the unknown client address of a rule that matches it before its destination, as in order', () => {
    const snap = snapshot({ nodes: [flannelNode('n1', { ip: '192.168.1.11', podCidr: '10.42.1.0/24', ruleset: indexed })] });
    const leaves = leavesOf(traceFlow(snap, { to: '10.96.0.99', port: 9999, node: 'n1' }));
    expect(leaves.map((l) => l.assumptions)).toContainEqual(expect.arrayContaining(['source in 1.2.3.0/24']));
  });

  it('keeps evaluating after a keyed rule whose chain returns: a later rule with the same key matches too', () => {
    const snap = snapshot({ nodes: [flannelNode('n1', { ip: '192.168.1.11', podCidr: '10.42.1.0/24', ruleset: indexed })] });
    const [leaf] = leavesOf(traceFlow(snap, { to: '10.96.0.1', port: 80, node: 'n1' }));
    expect(leaf.chains.map((c) => c.chain).slice(0, 4)).toEqual(['PREROUTING', 'DISPATCH', 'SVC1', 'LATER']);
    expect(leaf.packet.dst).toBe('10.42.1.18');
  });

  it('hands out the unkeyed rules as they are for a key nothing is keyed on, and merges them in order otherwise', () => {
    const dispatch = dispatchChain(indexed).dispatch;
    if (!dispatch) throw new Error('no dispatch');
    const unkeyed = [3, 4, 5, 8, 17, 19];
    expect(dispatch.rest).toEqual(unkeyed);
    expect(dispatchCandidates(dispatch, '10.200.0.1')).toBe(dispatch.rest);
    expect(dispatchCandidates(dispatch, '10.96.0.1')).toEqual([0, 3, 4, 5, 6, 8, 17, 19]);
    expect(dispatchCandidates(dispatch, '10.96.0.3')).toEqual([1, 3, 4, 5, 8, 17, 19]);
    expect(dispatchCandidates(dispatch, '10.96.0.4')).toEqual([2, 3, 4, 5, 8, 17, 19]);
    expect(dispatchCandidates(dispatch, '10.96.0.10')).toEqual([3, 4, 5, 8, 10, 17, 19]);
    expect(dispatchCandidates(dispatch, '10.96.0.18')).toEqual([3, 4, 5, 8, 17, 18, 19]);
  });
});

/** A value of each selector the index passes over (DECIDED_SELECTORS), as `nft list ruleset` prints it. */
const DECIDED_VALUES: Record<string, string> = {
  'ip daddr': '10.96.0.40',
  'meta l4proto': 'udp',
  'ip protocol': 'udp',
  'meta mark': '0x00000001',
  mark: '0x00000001',
  'ct mark': '0x00000001',
  iifname: '"eth9"',
  iif: '"eth9"',
  oifname: '"eth9"',
  oif: '"eth9"',
  'fib daddr type': 'local',
  'fib daddr . iif type': 'local',
  'fib saddr type': 'local',
  'fib saddr . iif type': 'local',
  'ct state': 'established',
  'ct status': 'snat',
  'ct direction': 'reply',
  'meta pkttype': 'broadcast',
  'meta nfproto': 'ipv6',
  'meta protocol': 'ip6',
  'ip version': '6',
  'tcp dport': '8443',
  'udp dport': '8443',
  'sctp dport': '8443',
  'th dport': '8443',
};

describe('trace index: selectors passed over before a key', () => {
  it('has a value here for every selector the index passes over', () => {
    expect(Object.keys(DECIDED_VALUES).sort()).toEqual([...DECIDED_SELECTORS].sort());
  });

  // A rule `<selector> <value> ip daddr K …` is keyed on K, so the index never evaluates it for
  // another destination. That is only right if evaluating its first match in order is decided for
  // every packet, with no fork: each selector is checked by tracing a flow the key rules out.
  it.each([...DECIDED_SELECTORS].filter((s) => s !== 'ip daddr'))('`%s` is decided for every packet, as evaluating in order finds', (selector) => {
    const rule = `\n\t\t${selector} ${DECIDED_VALUES[selector]} ip daddr 10.96.0.41 jump SVC3`;
    const indexed = dispatchRuleset(false, rule);
    const dispatch = dispatchChain(indexed).dispatch;
    const ruleIndex = DISPATCH_RULES.trim().split('\n').length;
    expect(dispatch?.rest, 'the rule is keyed').not.toContain(ruleIndex);
    expect(dispatch && dispatchCandidates(dispatch, '10.96.0.41')).toContain(ruleIndex);
    const snap = (rules: NftRuleset) =>
      snapshot({ nodes: [flannelNode('n1', { ip: '192.168.1.11', podCidr: '10.42.1.0/24', ruleset: rules })] });
    const a = snap(indexed);
    const b = snap(dispatchRuleset(true, rule));
    for (const [to, port] of [['10.96.0.99', 9999], ['10.96.0.41', 8443]] as const) {
      expect(traceFlow(a, { to, port, node: 'n1' }), `${to}:${port}`).toEqual(traceFlow(b, { to, port, node: 'n1' }));
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Endpoint choices

describe('trace index: endpoint choices', () => {
  it('infers 1/(n-k) for the k-th of a run of n KUBE-SEP jumps that hide their probability, the last one only when hidden', () => {
    const ruleset = nftRuleset(`table ip nat {
	chain SVC {
		meta random & 2147483647 < 1073741824 counter packets 0 bytes 0 jump KUBE-SEP-A
		counter packets 0 bytes 0 jump KUBE-SEP-B
		ip saddr 10.42.0.0/16 jump KUBE-MARK-MASQ
		xt match "statistic" counter packets 0 bytes 0 jump KUBE-SEP-C
		counter packets 0 bytes 0 jump KUBE-SEP-D
		counter packets 0 bytes 0 jump KUBE-SEP-E
		ip saddr 10.42.0.0/16 jump KUBE-MARK-MASQ
		xt match "statistic" counter packets 0 bytes 0 jump KUBE-SEP-F
		xt match "statistic" counter packets 0 bytes 0 jump KUBE-SEP-G
	}
}`);
    const chain = buildNftIndex(ruleset).tables[0].chains.get('SVC') as ChainIndex;
    expect([...endpointChoices(chain)]).toEqual([
      [3, { probability: 1 / 3, inferred: true }],
      [4, { probability: 1 / 2, inferred: true }],
      [7, { probability: 1 / 2, inferred: true }],
      [8, { probability: 1, inferred: true }],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Canonical text

describe('trace index: canonical text', () => {
  it('returns canonical IPv4 text as it is and canonicalises the rest', () => {
    expect(canonicalIp('10.96.0.1')).toBe('10.96.0.1');
    expect(canonicalIp('0.0.0.0')).toBe('0.0.0.0');
    expect(canonicalIp('255.255.255.255')).toBe('255.255.255.255');
    expect(canonicalIp('010.096.000.010')).toBe('10.96.0.10');
    expect(canonicalIp('10.96.0.01')).toBe('10.96.0.1');
    expect(canonicalIp('10.96.0.256')).toBe('10.96.0.256');
    expect(canonicalIp('10.96.0')).toBe('10.96.0');
    expect(canonicalIp('10.96.0.1.')).toBe('10.96.0.1.');
    expect(canonicalIp('2001:DB8:0:0::1')).toBe('2001:db8::1');
    expect(canonicalIp('eth0')).toBe('eth0');
  });

  it('writes ports and numbers as decimal', () => {
    expect(canonical('port', '80')).toBe('80');
    expect(canonical('port', '080')).toBe('80');
    expect(canonical('port', 'https')).toBe('443');
    expect(canonical('port', 'not-a-port')).toBe('not-a-port');
    expect(canonical('number', '0x00004000')).toBe('16384');
    expect(canonical('number', '0X4000')).toBe('16384');
    expect(canonical('number', '0x')).toBe('0x');
    expect(canonical('number', '0')).toBe('0');
    expect(canonical('number', '1234567890123456789')).toBe(String(1234567890123456789));
    expect(canonical('number', '12ab')).toBe('12ab');
  });
});

// ---------------------------------------------------------------------------------------------
// Routing

describe('trace index: routing tables', () => {
  it('finds IPv4 and IPv6 routes of the same prefix length side by side', () => {
    const net = buildNodeNet(
      node('r1', {
        addresses: [addr('eth0', '192.168.1.11/24'), addr('eth1', '2001:db8::11/64')],
        ipRules: [ipRule(32766, 'main'), ipRule(32766, 'main', { family: 'inet6' })],
        routes: [
          route('10.0.0.0/8', { via: '192.168.1.1', dev: 'eth0' }),
          route('a00::/8', { via: '2001:db8::1', dev: 'eth1' }),
          route('2001:db8::/64', { dev: 'eth1', protocol: 'kernel' }),
          route('default', { via: '192.168.1.254', dev: 'eth0' }),
        ],
      }),
    );
    const v4 = lookupRoute(net, { src: null, dst: '10.1.2.3', mark: 0, iif: 'lo' });
    const v6 = lookupRoute(net, { src: null, dst: 'a00::5', mark: 0, iif: 'lo' });
    const other = lookupRoute(net, { src: null, dst: '11.0.0.1', mark: 0, iif: 'lo' });
    expect(v4.kind === 'route' && v4.routes.map((r) => r.dst)).toEqual(['10.0.0.0/8']);
    expect(v6.kind === 'route' && v6.routes.map((r) => r.dst)).toEqual(['a00::/8']);
    expect(other.kind === 'route' && other.routes.map((r) => r.dst)).toEqual(['default']);
  });

  it('takes the lowest metric, and splits only over multipath routes', () => {
    const low = { ...route('10.0.0.0/8', { via: '192.168.1.1', dev: 'eth0', metric: 10 }) };
    const high = { ...route('10.0.0.0/8', { via: '192.168.1.2', dev: 'eth0', metric: 20 }) };
    const same = { ...route('10.0.0.0/8', { via: '192.168.1.3', dev: 'eth0', metric: 10 }) };
    const net = buildNodeNet(node('r1', { addresses: [addr('eth0', '192.168.1.11/24')], routes: [high, low, same] }));
    const result = lookupRoute(net, { src: null, dst: '10.1.2.3', mark: 0, iif: 'lo' });
    expect(result.kind === 'route' && result.routes.map((r) => r.gateway)).toEqual(['192.168.1.1']);
    const multi = buildNodeNet(
      node('r1', { addresses: [addr('eth0', '192.168.1.11/24')], routes: [{ ...low, flags: ['multipath'] }, { ...same, flags: ['multipath'] }, high] }),
    );
    const split = lookupRoute(multi, { src: null, dst: '10.1.2.3', mark: 0, iif: 'lo' });
    expect(split.kind === 'route' && split.routes.map((r) => r.gateway)).toEqual(['192.168.1.1', '192.168.1.3']);
  });
});

// ---------------------------------------------------------------------------------------------
// Chain owners

describe('trace index: chain owners', () => {
  it('works a chain owner out anew exactly as the cached lookup gives it', () => {
    const snap = snapshot({
      nodes: [flannelNode('n1', { ip: '192.168.1.11', podCidr: '10.42.1.0/24' })],
      services: [service('default/web', { clusterIP: '10.96.0.20', portName: 'http' })],
      endpointSlices: [endpointSlice('default/web', { port: 8080, name: 'http' }, [{ ip: '10.42.1.17', node: 'n1', pod: 'web-1' }])],
    });
    const ctx = traceContext(snap);
    const chains = [...ctx.chainRefsOf('iptables').keys()];
    expect(chains.length).toBeGreaterThan(1);
    for (const chain of [...chains, 'KUBE-SEP-NOTACHAIN00000', 'KUBE-SERVICES']) {
      expect(resolveChainOwner(ctx, chain)).toEqual(serviceForChain(ctx, chain));
    }
    const sep = chains.find((c) => c.startsWith('KUBE-SEP-')) as string;
    expect(resolveChainOwner(ctx, sep)?.endpointRef).toMatchObject({ address: '10.42.1.17', port: 8080, podName: 'web-1' });
  });
});
