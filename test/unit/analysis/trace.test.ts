import { describe, expect, it } from 'vitest';
import type { KubeEvent } from '../../../renderer/src/analysis/model';
import {
  hopsTo,
  leavesOf,
  parseFlowTarget,
  parseServiceSelector,
  renderTraceText,
  traceFlow,
  traceService,
  type PathSegment,
  type PathTree,
} from '../../../renderer/src/analysis/trace';
import { kubeNode, pod, ref, route, snapshot } from './builders';
import {
  chainNames,
  endpointSlice,
  fixtureRuleset,
  flannelNode,
  ipRule,
  leafTo,
  nftRuleset,
  service,
  sum,
} from './trace-builders';

function forks(seg: PathSegment): NonNullable<Extract<PathSegment['end'], { type: 'fork' }>>[] {
  if (seg.end.type === 'leaf') return [];
  return [seg.end, ...seg.end.branches.flatMap((b) => forks(b.segment))];
}

function allHops(tree: PathTree) {
  return leavesOf(tree).flatMap((l) => hopsTo(tree, l.id) ?? []);
}

// ---------------------------------------------------------------------------------------------
// iptables mode (iptables-nft, as `nft list ruleset` prints it: test/fixtures/nft)

const nodeAssigned: KubeEvent = {
  namespace: 'default',
  involvedKind: 'Service',
  involvedNamespace: 'default',
  involvedName: 'nginx',
  type: 'Normal',
  reason: 'nodeAssigned',
  message: 'announcing from node "nuc1" with protocol "layer2"',
  component: 'metallb-speaker',
  count: 1,
  lastTimestamp: '2026-11-24T09:00:00Z',
  source: ref('cluster/events.json', 0, '/items/0'),
};

function iptablesCluster(edit?: (text: string) => string, opts: { nuc0Rules?: boolean } = {}) {
  const rules = fixtureRuleset('kube-proxy-iptables.list.nft', edit);
  return snapshot({
    nodes: [
      flannelNode('nuc1', {
        ip: '192.168.28.11',
        podCidr: '10.42.1.0/24',
        pods: [{ name: 'b', ip: '10.42.1.17', hostIfindex: 9 }],
        peers: [
          ['10.42.0.0/24', '10.42.0.0'],
          ['10.42.2.0/24', '10.42.2.0'],
        ],
        ruleset: rules,
      }),
      flannelNode('nuc0', {
        ip: '192.168.28.10',
        podCidr: '10.42.0.0/24',
        pods: [{ name: 'a', ip: '10.42.0.204', hostIfindex: 9 }],
        peers: [['10.42.1.0/24', '10.42.1.0']],
        ruleset: opts.nuc0Rules === false ? null : rules,
      }),
    ],
    kubeNodes: [
      kubeNode('nuc0', { internalIP: '192.168.28.10', podCIDRs: ['10.42.0.0/24'] }),
      kubeNode('nuc1', { internalIP: '192.168.28.11', podCIDRs: ['10.42.1.0/24'] }),
      kubeNode('nuc2', { internalIP: '192.168.28.12', podCIDRs: ['10.42.2.0/24'] }),
    ],
    pods: [
      pod('default/nginx-a', { node: 'nuc0', ip: '10.42.0.204' }),
      pod('default/nginx-b', { node: 'nuc1', ip: '10.42.1.17' }),
      pod('default/nginx-c', { node: 'nuc2', ip: '10.42.2.9' }),
    ],
    services: [
      service('default/nginx', {
        type: 'LoadBalancer',
        clusterIP: '10.43.80.28',
        nodePort: 31080,
        loadBalancerIPs: ['192.168.28.61'],
        sessionAffinity: 'ClientIP',
      }),
    ],
    endpointSlices: [
      endpointSlice('default/nginx', { port: 80 }, [
        { ip: '10.42.0.204', node: 'nuc0', pod: 'nginx-a' },
        { ip: '10.42.1.17', node: 'nuc1', pod: 'nginx-b' },
        { ip: '10.42.2.9', node: 'nuc2', pod: 'nginx-c' },
      ]),
    ],
    events: [nodeAssigned],
  });
}

describe('trace: iptables mode', () => {
  const snap = iptablesCluster();
  const trace = traceService(snap, { namespace: 'default', name: 'nginx' });
  const lb = trace.trees.find((t) => t.entry.kind === 'load-balancer') as PathTree;

  it('enters the LoadBalancer IP on the node MetalLB announces from', () => {
    expect(lb.entry.node).toBe('nuc1');
    expect(lb.root.hops[0]).toMatchObject({ kind: 'arp', action: 'ANNOUNCED', node: 'nuc1' });
    expect(lb.root.hops[0].object).toMatchObject({ type: 'announcement', source: 'metallb-layer2' });
    expect(lb.root.hops[0].evidence).toEqual([nodeAssigned.source]);
  });

  it('splits over the endpoints with the probabilities the rules print', () => {
    // the unevaluable physdev fork on nuc0 doubles that endpoint's leaves: one per assumption
    const leaves = leavesOf(lb).filter((l) => !l.assumptions.some((a) => a.includes('did not match')));
    const byEndpoint = (ip: string) => sum(leaves.filter((l) => l.endpoint?.address === ip).map((l) => l.probability));
    expect(byEndpoint('10.42.0.204')).toBeCloseTo(1 / 3, 6);
    expect(byEndpoint('10.42.1.17')).toBeCloseTo(1 / 3, 6);
    expect(byEndpoint('10.42.2.9')).toBeCloseTo(1 / 3, 6);
    expect(sum(leaves.map((l) => l.probability))).toBeCloseTo(1, 9);
    expect(leaves.every((l) => !l.inferred)).toBe(true);
    const random = forks(lb.root).filter((f) => f.kind === 'random');
    expect(random.map((f) => f.branches[0].probability)).toEqual([715827883 / 2 ** 31, 1073741824 / 2 ** 31]);
  });

  it('follows each endpoint to its pod, or to the uncaptured node', () => {
    const local = leafTo(lb, '10.42.1.17');
    expect(local.disposition).toBe('delivered');
    expect(local.nodes).toEqual(['nuc1']);
    const remote = leafTo(lb, '10.42.0.204');
    expect(remote.disposition).toBe('delivered');
    expect(remote.nodes).toEqual(['nuc1', 'nuc0']);
    const hops = hopsTo(lb, remote.id) ?? [];
    expect(hops.map((h) => h.kind)).toEqual(expect.arrayContaining(['overlay', 'ingress', 'bridge', 'veth', 'pod']));
    expect(hops.find((h) => h.kind === 'pod')?.object).toMatchObject({ type: 'pod', namespace: 'default', name: 'nginx-a' });
    const gone = leafTo(lb, '10.42.2.9');
    expect(gone.disposition).toBe('node-not-captured');
    expect(gone.nodes).toEqual(['nuc1', 'nuc2']);
  });

  it('tracks masquerade: KUBE-MARK-MASQ marks, KUBE-POSTROUTING rewrites to the flannel.1 address', () => {
    const leaf = leafTo(lb, '10.42.0.204');
    const hops = hopsTo(lb, leaf.id) ?? [];
    const masq = hops.find((h) => h.transforms.some((t) => t.kind === 'masquerade'));
    expect(masq?.node).toBe('nuc1');
    expect(masq?.transforms.find((t) => t.kind === 'masquerade')).toMatchObject({ field: 'src', to: '10.42.1.0' });
    expect(leaf.packet.src).toBe('10.42.1.0');
    expect(leaf.packet.conntrack.origDst).toBe('192.168.28.61');
  });

  it('lists the chains visited in order, for comparison with nft monitor trace', () => {
    const leaf = leafTo(lb, '10.42.1.17');
    expect(chainNames(leaf).slice(0, 6)).toEqual([
      'PREROUTING',
      'KUBE-SERVICES',
      'KUBE-EXT-2CMXP7HKUVJN7L6M',
      'KUBE-MARK-MASQ',
      'KUBE-SVC-2CMXP7HKUVJN7L6M',
      'KUBE-SEP-UPTBB2U3B55FJQPW',
    ]);
    expect(leaf.chains[0]).toEqual({ node: 'nuc1', family: 'ip', table: 'nat', chain: 'PREROUTING' });
  });

  it('annotates kube-proxy hops with their Service and endpoint by chain-name hash', () => {
    const leaf = leafTo(lb, '10.42.1.17');
    const sep = (hopsTo(lb, leaf.id) ?? []).find((h) => h.object.type === 'nft-rule' && h.object.chain === 'KUBE-SEP-UPTBB2U3B55FJQPW');
    expect(sep?.service).toMatchObject({ namespace: 'default', name: 'nginx', port: 80, protocol: 'tcp' });
    expect(sep?.endpoint).toMatchObject({ address: '10.42.1.17', port: 80, podName: 'nginx-b', nodeName: 'nuc1' });
  });

  it('shows the session affinity check and assumes a new client', () => {
    const affinity = allHops(lb).find((h) => h.kind === 'unevaluable' && h.detail.includes('session affinity'));
    expect(affinity?.object).toMatchObject({ chain: 'KUBE-SVC-2CMXP7HKUVJN7L6M' });
    expect(leavesOf(lb)[0].assumptions).toContain('session affinity: a new client (no recent entry)');
    expect(trace.notes.join('\n')).toMatch(/session affinity ClientIP/);
  });

  it('shows an unevaluable match and follows both outcomes', () => {
    const unevaluable = forks(lb.root).filter((f) => f.kind === 'unevaluable');
    expect(unevaluable.length).toBeGreaterThan(0);
    expect(unevaluable[0].reason).toMatch(/xt match physdev/);
    for (const b of unevaluable[0].branches) {
      expect(b.assumption).toMatch(/xt match physdev/);
      expect(b.segment.hops[0]).toMatchObject({ kind: 'unevaluable', action: 'UNEVALUABLE' });
    }
  });

  it('reaches NodePorts on every captured node through fib daddr type local and KUBE-NODEPORTS', () => {
    const nodePorts = trace.trees.filter((t) => t.entry.kind === 'node-port');
    expect(nodePorts.map((t) => [t.entry.node, t.entry.address, t.entry.port])).toEqual([
      ['nuc0', '192.168.28.10', 31080],
      ['nuc1', '192.168.28.11', 31080],
    ]);
    for (const t of nodePorts) {
      const chains = chainNames(leavesOf(t)[0]);
      expect(chains.slice(0, 4)).toEqual(['PREROUTING', 'KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-EXT-2CMXP7HKUVJN7L6M']);
      expect(t.dispositions.delivered).toBeGreaterThan(0);
    }
  });

  it('traces ClusterIP traffic from a host process through output nat', () => {
    const cip = trace.trees.find((t) => t.entry.kind === 'cluster-ip' && t.entry.node === 'nuc1') as PathTree;
    expect(cip.root.hops[0]).toMatchObject({ kind: 'origin', action: 'ORIGINATED' });
    const leaf = leafTo(cip, '10.42.1.17');
    expect(chainNames(leaf).slice(0, 3)).toEqual(['OUTPUT', 'KUBE-SERVICES', 'KUBE-SVC-2CMXP7HKUVJN7L6M']);
    expect(leaf.disposition).toBe('delivered');
  });

  it('forks on loadBalancerSourceRanges (KUBE-FW) by the client source', () => {
    const fw = iptablesCluster((t) =>
      t.replace('tcp dport 80 counter packets 1 bytes 52 jump KUBE-EXT-2CMXP7HKUVJN7L6M', 'tcp dport 80 counter packets 1 bytes 52 jump KUBE-FW-2CMXP7HKUVJN7L6M'),
    );
    const tree = traceService(fw, { namespace: 'default', name: 'nginx' }).trees.find((t) => t.entry.kind === 'load-balancer') as PathTree;
    const condition = forks(tree.root).find((f) => f.kind === 'condition');
    expect(condition?.branches.map((b) => b.assumption)).toEqual(['source in 203.0.113.0/25', 'source not in 203.0.113.0/25']);
    const inside = leavesOf(tree).filter((l) => l.assumptions.includes('source in 203.0.113.0/25'));
    expect(inside.some((l) => l.disposition === 'delivered')).toBe(true);
    const outside = leavesOf(tree).filter((l) => l.assumptions.includes('source not in 203.0.113.0/25'));
    expect(outside.every((l) => l.packet.conntrack.dnat === null && (l.packet.mark & 0x8000) !== 0)).toBe(true);
  });

  it('sends externalTrafficPolicy Local traffic to local endpoints only (KUBE-SVL)', () => {
    const local = iptablesCluster((t) => t.replace('counter packets 1 bytes 52 jump KUBE-SVC-2CMXP7HKUVJN7L6M', 'counter packets 1 bytes 52 jump KUBE-SVL-2CMXP7HKUVJN7L6M'));
    const tree = traceService(local, { namespace: 'default', name: 'nginx' }).trees.find((t) => t.entry.kind === 'load-balancer') as PathTree;
    const leaves = leavesOf(tree);
    expect(new Set(leaves.map((l) => l.endpoint?.address))).toEqual(new Set(['10.42.0.204']));
    expect(chainNames(leaves[0])).toContain('KUBE-SVL-2CMXP7HKUVJN7L6M');
  });

  it('infers the probability where the rules do not print it (the article) and marks it', () => {
    const hidden = iptablesCluster((t) => t.replace(/ meta random & 2147483647 < \d+/g, '').replace(/\s+xt match recent counter packets 0 bytes 0 jump KUBE-SEP-T3JGICIP4GFFPRGP\n/, '\n'));
    const tree = traceService(hidden, { namespace: 'default', name: 'nginx' }).trees.find((t) => t.entry.kind === 'load-balancer') as PathTree;
    const leaves = leavesOf(tree).filter((l) => !l.assumptions.some((a) => a.includes('did not match')));
    expect(leaves.every((l) => l.inferred)).toBe(true);
    for (const ip of ['10.42.0.204', '10.42.1.17', '10.42.2.9']) {
      expect(sum(leaves.filter((l) => l.endpoint?.address === ip).map((l) => l.probability))).toBeCloseTo(1 / 3, 9);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// nftables mode (table ip kube-proxy)

function nftCluster() {
  const rules = fixtureRuleset('kube-proxy-nftables.list.nft');
  return snapshot({
    nodes: [
      flannelNode('k1', {
        ip: '192.168.0.2',
        podCidr: '10.180.0.0/24',
        gateway: '10.180.0.254',
        pods: [
          { name: 'e1', ip: '10.180.0.1', hostIfindex: 11 },
          { name: 'e2', ip: '10.180.0.2', hostIfindex: 12 },
          { name: 'e3', ip: '10.180.0.3', hostIfindex: 13 },
        ],
        peers: [['10.180.1.0/24', '10.180.1.0']],
        ruleset: rules,
      }),
    ],
    kubeNodes: [
      kubeNode('k1', { internalIP: '192.168.0.2', podCIDRs: ['10.180.0.0/24'] }),
      kubeNode('k2', { internalIP: '192.168.0.3', podCIDRs: ['10.180.1.0/24'] }),
    ],
    services: [
      service('ns1/svc1', { clusterIP: '172.30.0.41', portName: 'p80' }),
      service('ns2/svc2', { type: 'LoadBalancer', clusterIP: '172.30.0.42', portName: 'p80', nodePort: 3002, loadBalancerIPs: ['5.6.7.8'], loadBalancerSourceRanges: ['203.0.113.0/25'] }),
      service('ns6/svc6', { clusterIP: '172.30.0.46', portName: 'p80' }),
    ],
    endpointSlices: [
      endpointSlice('ns1/svc1', { port: 80, name: 'p80' }, [
        { ip: '10.180.0.1', node: 'k1', pod: 'e1' },
        { ip: '10.180.0.2', node: 'k1', pod: 'e2' },
        { ip: '10.180.1.7', node: 'k2', pod: 'e9' },
      ]),
      endpointSlice('ns2/svc2', { port: 80, name: 'p80' }, [{ ip: '10.180.0.3', node: 'k1', pod: 'e3' }]),
    ],
  });
}

describe('trace: nftables mode', () => {
  const snap = nftCluster();

  it('splits with numgen random vmaps, exactly', () => {
    const tree = traceService(snap, { namespace: 'ns1', name: 'svc1' }).trees[0];
    expect(tree.entry).toMatchObject({ kind: 'cluster-ip', node: 'k1', address: '172.30.0.41' });
    const numgen = forks(tree.root).find((f) => f.kind === 'random');
    expect(numgen?.branches.map((b) => b.probability)).toEqual([1 / 3, 1 / 3, 1 / 3]);
    const leaves = leavesOf(tree);
    expect(leaves.map((l) => [l.endpoint?.address, l.disposition, l.inferred])).toEqual([
      ['10.180.0.1', 'delivered', false],
      ['10.180.0.2', 'delivered', false],
      ['10.180.1.7', 'node-not-captured', false],
    ]);
    expect(chainNames(leaves[0]).slice(0, 4)).toEqual(['filter-output-pre-dnat', 'firewall-check', 'nat-output', 'services']);
    const hop = (hopsTo(tree, leaves[0].id) ?? []).find((h) => h.object.type === 'nft-rule' && h.object.chain.startsWith('endpoint-'));
    expect(hop?.service).toMatchObject({ namespace: 'ns1', name: 'svc1', portName: 'p80' });
  });

  it('rejects a service without endpoints (no-endpoint-services vmap)', () => {
    const tree = traceService(snap, { namespace: 'ns6', name: 'svc6' }).trees[0];
    const [leaf] = leavesOf(tree);
    expect(leaf.disposition).toBe('rejected');
    expect(chainNames(leaf)).toEqual(expect.arrayContaining(['service-endpoints-check', 'reject-chain']));
    const hops = hopsTo(tree, leaf.id) ?? [];
    expect(hops[hops.length - 1]).toMatchObject({ kind: 'reject', action: 'REJECTED' });
  });

  it('applies loadBalancerSourceRanges (firewall-ips) as a condition on the client', () => {
    const tree = traceFlow(snap, { to: '5.6.7.8', port: 80, node: 'k1' });
    const leaves = leavesOf(tree);
    expect(leaves.map((l) => [l.assumptions, l.disposition])).toEqual([
      [['source in 203.0.113.0/25'], 'delivered'],
      [['source not in 203.0.113.0/25'], 'dropped'],
    ]);
    expect(leaves[0].endpoint?.address).toBe('10.180.0.3');
  });

  it('reaches a NodePort through nodeport-ips and service-nodeports', () => {
    const tree = traceService(snap, { namespace: 'ns2', name: 'svc2' }).trees.find((t) => t.entry.kind === 'node-port') as PathTree;
    const [leaf] = leavesOf(tree);
    expect(leaf.disposition).toBe('delivered');
    expect(chainNames(leaf)).toEqual(expect.arrayContaining(['services', 'external-42NFTM6N-ns2/svc2/tcp/p80', 'service-42NFTM6N-ns2/svc2/tcp/p80']));
  });
});

// ---------------------------------------------------------------------------------------------
// Routing and guards

describe('trace: routing and guards', () => {
  it('ends in loop when chains jump into each other', () => {
    const rules = nftRuleset(`table ip filter {
	chain FORWARD {
		type filter hook forward priority filter; policy accept;
		jump A
	}
	chain A {
		jump B
	}
	chain B {
		jump A
	}
}
`);
    const snap = snapshot({ nodes: [flannelNode('n1', { ip: '192.168.1.11', podCidr: '10.42.1.0/24', ruleset: rules })] });
    const [leaf] = leavesOf(traceFlow(snap, { to: '8.8.8.8', port: 53, protocol: 'udp', node: 'n1' }));
    expect(leaf.disposition).toBe('loop');
    expect(chainNames(leaf)).toEqual(['FORWARD', 'A', 'B']);
  });

  it('ends in no-route when nothing matches', () => {
    const snap = snapshot({ nodes: [flannelNode('n1', { ip: '192.168.1.11', podCidr: '10.42.1.0/24', defaultRoute: false })] });
    const tree = traceFlow(snap, { to: '8.8.8.8', port: 53, protocol: 'udp', node: 'n1' });
    expect(leavesOf(tree).map((l) => l.disposition)).toEqual(['no-route']);
  });

  it('routes by fwmark through an ip rule table', () => {
    const rules = nftRuleset(`table ip mangle {
	chain PREROUTING {
		type filter hook prerouting priority mangle; policy accept;
		ip daddr 8.8.8.8 meta mark set 0x00004000
	}
}
`);
    const n1 = flannelNode('n1', {
      ip: '192.168.1.11',
      podCidr: '10.42.1.0/24',
      ruleset: rules,
      extraRoutes: [route('default', { via: '192.168.1.254', dev: 'eth0', table: '100' })],
      ipRules: [ipRule(0, 'local'), ipRule(100, '100', { fwmark: '0x4000/0x4000' }), ipRule(32766, 'main'), ipRule(32767, 'default')],
    });
    const tree = traceFlow(snapshot({ nodes: [n1] }), { to: '8.8.8.8', port: 53, protocol: 'udp', node: 'n1' });
    const hops = hopsTo(tree, leavesOf(tree)[0].id) ?? [];
    const routed = hops.find((h) => h.kind === 'route');
    expect(routed?.object).toMatchObject({ type: 'route', table: '100', rule: '100: from all fwmark 0x4000/0x4000 lookup 100' });
    expect(leavesOf(tree)[0]).toMatchObject({ disposition: 'exited-cluster' });
  });

  it('forks over candidate nodes when nobody is known to announce an address', () => {
    const snap = iptablesCluster();
    snap.cluster.events = [];
    const tree = traceService(snap, { namespace: 'default', name: 'nginx' }).trees.find((t) => t.entry.kind === 'load-balancer') as PathTree;
    expect(tree.entry.node).toBeNull();
    expect(tree.root.end).toMatchObject({ type: 'fork', kind: 'candidate' });
    const labels = tree.root.end.type === 'fork' ? tree.root.end.branches.map((b) => b.label) : [];
    expect(labels).toEqual(['nuc0', 'nuc1']);
  });
});

// ---------------------------------------------------------------------------------------------
// Output shape

describe('trace: output', () => {
  const snap = iptablesCluster();
  const trace = traceService(snap, { namespace: 'default', name: 'nginx', port: 80 });

  it('is plain JSON data', () => {
    expect(JSON.parse(JSON.stringify(trace))).toEqual(trace);
  });

  it('renders an indented text tree', () => {
    const text = renderTraceText(trace);
    expect(text).toContain('Service default/nginx (LoadBalancer)');
    expect(text).toContain('LoadBalancer 192.168.28.61:80/tcp');
    expect(text).toMatch(/KUBE-EXT-2CMXP7HKUVJN7L6M/);
    expect(text).toMatch(/=> DELIVERED p=/);
    expect(text).toMatch(/=> NODE-NOT-CAPTURED/);
  });

  it('is deterministic', () => {
    expect(traceService(snap, { namespace: 'default', name: 'nginx' })).toEqual(traceService(snap, { namespace: 'default', name: 'nginx' }));
  });

  it('parses CLI selectors and flow targets', () => {
    expect(parseServiceSelector('default/nginx:80')).toEqual({ namespace: 'default', name: 'nginx', port: 80 });
    expect(parseServiceSelector('kube-system/kube-dns:dns')).toEqual({ namespace: 'kube-system', name: 'kube-dns', port: 'dns' });
    expect(parseFlowTarget('10.43.0.10:53/udp')).toEqual({ to: '10.43.0.10', port: 53, protocol: 'udp' });
    expect(() => parseFlowTarget('nope')).toThrow(/IP:PORT/);
    expect(() => traceService(snap, { namespace: 'default', name: 'missing' })).toThrow(/not in the snapshot/);
  });
});
