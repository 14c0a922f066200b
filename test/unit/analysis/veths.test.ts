import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../renderer/src/analysis/findings';
import type { NamespaceCapture, NetnsEntry, NodeData, SnapshotData } from '../../../renderer/src/analysis/model';
import { correlateVeths, indexVethsByPodIp, vethForPod, vethKey, type VethMatch } from '../../../renderer/src/analysis/veths';
import { podsByIp } from '../../../renderer/src/analysis/veths/pods';
import {
  bridge,
  cniMac,
  fdb,
  fakeMac,
  iface,
  loopback,
  neigh,
  netnsEntry,
  node,
  pod,
  podNetns,
  route,
  sandbox,
  snapshot,
  veth,
} from './builders';

// The article's node: flannel, a cni0 bridge and veths that all print `@if2`.
const NS_A = 'cni-357001b9-24ca-5619-df3a-4dfe972bb930';
const NS_B = 'cni-6c3e0a4f-1d2b-4b8e-9a57-2f4e6d1c0b11';
const NS_C = 'cni-b0d4c2e8-7a41-4f0e-8c3d-95e1f6a2d7c4';

function flannelNode(parts: Partial<NodeData> = {}): NodeData {
  return node('roger-nuc0', {
    interfaces: [
      loopback(),
      iface(2, 'enp1s0'),
      iface(3, 'flannel.1', { kind: 'vxlan' }),
      bridge(8, 'cni0'),
      veth(9, 'veth56cecc8b', { netns: NS_A, master: 'cni0' }),
      veth(10, 'veth0a1b2c3d', { netns: NS_B, master: 'cni0' }),
      veth(11, 'veth9f8e7d6c', { netns: NS_C, master: 'cni0' }),
    ],
    routes: [
      route('default', { via: '192.168.28.1', dev: 'enp1s0' }),
      route('10.42.0.0/24', { dev: 'cni0', protocol: 'kernel', scope: 'link', src: '10.42.0.1' }),
      route('10.42.1.0/24', { via: '10.42.1.0', dev: 'flannel.1' }),
    ],
    neighbours: [
      neigh('10.42.0.204', 'cni0', cniMac('10.42.0.204')),
      neigh('10.42.0.205', 'cni0', cniMac('10.42.0.205')),
    ],
    fdb: [
      fdb(fakeMac(9), 'veth56cecc8b', { state: 'permanent' }),
      fdb(cniMac('10.42.0.204'), 'veth56cecc8b'),
      fdb(cniMac('10.42.0.205'), 'veth0a1b2c3d'),
      fdb(cniMac('10.42.0.206'), 'veth9f8e7d6c'),
    ],
    netns: flannelNetns(),
    namespaces: flannelNamespaces(),
    ...parts,
  });
}

function flannelNetns(): NetnsEntry[] {
  return [netnsEntry(NS_A, 0), netnsEntry(NS_B, 1), netnsEntry(NS_C, 2)];
}

/** Listed in another order than the veths: the first eth0 with ifindex 2 is not veth56cecc8b's. */
function flannelNamespaces(): NamespaceCapture[] {
  return [
    podNetns(NS_C, { hostIfindex: 11, ip: '10.42.0.206/24', gateway: '10.42.0.1' }),
    podNetns(NS_B, { hostIfindex: 10, ip: '10.42.0.205/24', gateway: '10.42.0.1' }),
    podNetns(NS_A, { hostIfindex: 9, ip: '10.42.0.204/24', gateway: '10.42.0.1' }),
  ];
}

const flannelPods = [
  pod('default/nginx-5d8f7c6b9-abcde', { node: 'roger-nuc0', ip: '10.42.0.204' }),
  pod('default/nginx-5d8f7c6b9-fghij', { node: 'roger-nuc0', ip: '10.42.0.205' }),
  pod('kube-system/coredns-7b98449c4-xk2lp', { node: 'roger-nuc0', ip: '10.42.0.206' }),
];

function byIfname(matches: VethMatch[], name: string): VethMatch {
  const m = matches.find((x) => x.hostIfname === name);
  if (m === undefined) throw new Error(`no match for ${name}`);
  return m;
}

function codes(findings: Finding[]): string[] {
  return findings.map((f) => `${f.severity} ${f.code} ${f.subject}`);
}

function summary(m: VethMatch): string {
  return `${m.node} ${m.hostIfname} → ${m.netns ?? '-'} ${m.podIfname ?? '-'} ${m.addresses.join(',') || '-'} ${
    m.podName === null ? '-' : `${m.podNamespace}/${m.podName}`
  } ${m.confidence}`;
}

describe('correlateVeths: bridge CNI (flannel)', () => {
  const result = correlateVeths(snapshot({ nodes: [flannelNode()], pods: flannelPods }));

  it('ties each veth to its own netns and pod although every peer is @if2', () => {
    expect(result.matches.map(summary)).toEqual([
      `roger-nuc0 veth56cecc8b → ${NS_A} eth0 10.42.0.204 default/nginx-5d8f7c6b9-abcde high`,
      `roger-nuc0 veth0a1b2c3d → ${NS_B} eth0 10.42.0.205 default/nginx-5d8f7c6b9-fghij high`,
      `roger-nuc0 veth9f8e7d6c → ${NS_C} eth0 10.42.0.206 kube-system/coredns-7b98449c4-xk2lp high`,
    ]);
    expect(result.findings).toEqual([]);
  });

  it('records every method, the netns id, the MACs and the evidence lines', () => {
    const m = byIfname(result.matches, 'veth56cecc8b');
    expect(m).toMatchObject({
      hostIfindex: 9,
      peerIfindex: 2,
      hostMac: fakeMac(9),
      master: 'cni0',
      netnsId: 0,
      podIfindex: 2,
      podMac: cniMac('10.42.0.204'),
      sandboxId: null,
      score: 1,
      conflicts: [],
    });
    expect(m.methods.map((x) => `${x.method} ${x.agrees}`)).toEqual([
      'netns-name true',
      'peer-ifindex true',
      'mac true',
      'fdb true',
      'pod-ip true',
    ]);
    expect(m.evidence).toEqual(
      expect.arrayContaining([
        { file: 'nodes/roger-nuc0/ip-link.json', line: 0, pointer: '/4' },
        { file: `nodes/roger-nuc0/netns/${NS_A}/ip-link.json`, line: 0, pointer: '/1' },
        { file: `nodes/roger-nuc0/netns/${NS_A}/ip-addr.json`, line: 0, pointer: '/1' },
        { file: 'nodes/roger-nuc0/bridge-fdb.json', line: 0, pointer: '/1' },
        { file: 'cluster/pods.json', line: 0, pointer: '/items/0' },
      ]),
    );
    expect(m.evidence).not.toContainEqual({ file: 'nodes/roger-nuc0/bridge-fdb.json', line: 0, pointer: '/0' });
  });

  it('treats a link into another netns as a veth when ip link printed no kind', () => {
    const plain = flannelNode();
    plain.interfaces = plain.interfaces.map((i) => (i.name === 'veth56cecc8b' ? { ...i, kind: 'device' } : i));
    const m = byIfname(correlateVeths(snapshot({ nodes: [plain], pods: flannelPods })).matches, 'veth56cecc8b');
    expect(m.podName).toBe('nginx-5d8f7c6b9-abcde');
  });

  it('flags an @ifN that names another interface than the one whose iflink is the veth', () => {
    const n = flannelNode();
    n.interfaces = n.interfaces.map((i) => (i.name === 'veth56cecc8b' ? { ...i, peerIfindex: 3 } : i));
    const m = byIfname(correlateVeths(snapshot({ nodes: [n], pods: flannelPods })).matches, 'veth56cecc8b');
    expect(m.podIfname).toBe('eth0');
    expect(m.conflicts).toEqual([
      `peer-ifindex: eth0 in ${NS_A} has iflink 9 but ifindex 2, while ip link says veth56cecc8b@if3`,
    ]);
  });
});

describe('correlateVeths: nsid-only links (ip -j link: link_netnsid, no names)', () => {
  const nsidOnly = (netns = flannelNetns()): NodeData =>
    flannelNode({
      interfaces: [
        loopback(),
        iface(2, 'enp1s0'),
        bridge(8, 'cni0'),
        veth(9, 'veth56cecc8b', { nsid: 0, master: 'cni0' }),
        veth(10, 'veth0a1b2c3d', { nsid: 1, master: 'cni0' }),
        veth(11, 'veth9f8e7d6c', { nsid: 2, master: 'cni0' }),
      ],
      netns,
    });

  it('names each nsid through ip netns list-id', () => {
    const result = correlateVeths(snapshot({ nodes: [nsidOnly()], pods: flannelPods }));
    expect(result.matches.map((m) => `${m.hostIfname} ${m.netnsId} ${m.netns} ${m.podName} ${m.confidence}`)).toEqual([
      `veth56cecc8b 0 ${NS_A} nginx-5d8f7c6b9-abcde high`,
      `veth0a1b2c3d 1 ${NS_B} nginx-5d8f7c6b9-fghij high`,
      `veth9f8e7d6c 2 ${NS_C} coredns-7b98449c4-xk2lp high`,
    ]);
    const m = byIfname(result.matches, 'veth0a1b2c3d');
    expect(m.methods[0]).toEqual({
      method: 'netns-id',
      agrees: true,
      detail: `veth0a1b2c3d link-netnsid 1; ip netns list-id names nsid 1 ${NS_B}`,
    });
    expect(m.evidence).toContainEqual({ file: 'nodes/roger-nuc0/netns.txt', line: 2 });
    expect(result.findings).toEqual([]);
  });

  it('falls back to the unique iflink across captured namespaces when no nsid has a name', () => {
    const unnamed = [netnsEntry(null, 0), netnsEntry(null, 1), netnsEntry(null, 2)];
    const result = correlateVeths(snapshot({ nodes: [nsidOnly(unnamed)], pods: flannelPods }));
    expect(result.matches.map(summary)).toEqual([
      `roger-nuc0 veth56cecc8b → ${NS_A} eth0 10.42.0.204 default/nginx-5d8f7c6b9-abcde high`,
      `roger-nuc0 veth0a1b2c3d → ${NS_B} eth0 10.42.0.205 default/nginx-5d8f7c6b9-fghij high`,
      `roger-nuc0 veth9f8e7d6c → ${NS_C} eth0 10.42.0.206 kube-system/coredns-7b98449c4-xk2lp medium`,
    ]);
    const m = byIfname(result.matches, 'veth56cecc8b');
    expect(m.netnsId).toBe(0);
    expect(m.methods[0]).toEqual({
      method: 'peer-ifindex',
      agrees: true,
      detail: `veth56cecc8b: link-netnsid 0 has no name in ip netns list-id; eth0 in ${NS_A} is the only captured interface with iflink 9 and ifindex 2`,
    });
    const named = byIfname(correlateVeths(snapshot({ nodes: [nsidOnly()], pods: flannelPods })).matches, 'veth56cecc8b');
    expect(m.score).toBeLessThan(named.score);
    expect(result.findings).toEqual([]);
  });

  it('flags an nsid that ip link and ip netns list-id name differently', () => {
    const n = nsidOnly();
    n.interfaces = n.interfaces.map((i) => (i.name === 'veth56cecc8b' ? { ...i, linkNetnsName: NS_A, linkNetnsId: 1 } : i));
    const result = correlateVeths(snapshot({ nodes: [n], pods: flannelPods }));
    const m = byIfname(result.matches, 'veth56cecc8b');
    expect(m.netns).toBe(NS_A);
    expect(m.conflicts).toEqual([`netns-id: ip netns list-id names nsid 1 ${NS_B}, but ip link says link-netns ${NS_A}`]);
    expect(codes(result.findings)).toEqual(['warning correlation-conflict veth56cecc8b']);
  });

  it('skips captures whose known nsid differs, and refuses to choose between equal candidates', () => {
    const n = node('nuc1', {
      interfaces: [loopback(), iface(2, 'eth0'), veth(12, 'veth12', { nsid: 3 }), veth(13, 'veth13', { nsid: 4 })],
      netns: [netnsEntry('cni-known', 1)],
      namespaces: [
        podNetns('cni-known', { hostIfindex: 12, ip: '10.42.1.2/24' }),
        podNetns('cni-other', { hostIfindex: 12, ip: '10.42.1.3/24' }),
        podNetns('cni-twin-1', { hostIfindex: 13, ip: '10.42.1.4/24' }),
        podNetns('cni-twin-2', { hostIfindex: 13, ip: '10.42.1.5/24' }),
      ],
    });
    const result = correlateVeths(snapshot({ nodes: [n], pods: [pod('default/other', { node: 'nuc1', ip: '10.42.1.3' })] }));
    expect(result.matches.map(summary)).toEqual([
      'nuc1 veth12 → cni-other eth0 10.42.1.3 default/other medium',
      'nuc1 veth13 → - - - - low',
    ]);
    expect(byIfname(result.matches, 'veth13').conflicts).toEqual(['iflink 13 matches eth0 in cni-twin-1, eth0 in cni-twin-2: none chosen']);
    expect(codes(result.findings)).toEqual([
      'warning correlation-conflict veth13',
      'warning netns-without-veth cni-known',
      'warning netns-without-veth cni-twin-1',
      'warning netns-without-veth cni-twin-2',
      'warning veth-netns-not-captured veth13',
    ]);
  });
});

describe('correlateVeths: what is left unmatched', () => {
  it('reports a veth whose netns was not captured, and still finds its pod through the FDB', () => {
    const n = flannelNode({
      namespaces: [
        podNetns(NS_B, { hostIfindex: 10, ip: '10.42.0.205/24' }),
        podNetns(NS_C, { hostIfindex: 11, ip: '10.42.0.206/24' }),
      ],
    });
    const result = correlateVeths(snapshot({ nodes: [n], pods: flannelPods }));
    const m = byIfname(result.matches, 'veth56cecc8b');
    expect(summary(m)).toBe(`roger-nuc0 veth56cecc8b → ${NS_A} - 10.42.0.204 default/nginx-5d8f7c6b9-abcde medium`);
    expect(m.methods.map((x) => x.method)).toEqual(['netns-name', 'fdb', 'pod-ip']);
    expect(m.methods[1].detail).toBe(
      `bridge cni0 learned ${cniMac('10.42.0.204')} on veth56cecc8b; neighbour 10.42.0.204 dev cni0 has that MAC`,
    );
    expect(result.findings).toEqual([
      {
        severity: 'warning',
        code: 'veth-netns-not-captured',
        node: 'roger-nuc0',
        message: `veth56cecc8b leads to netns ${NS_A}, which was not captured`,
        subject: 'veth56cecc8b',
        evidence: m.evidence,
      },
    ]);
  });

  it('reports only the missing capture when nothing else points at a pod', () => {
    const n = flannelNode({ fdb: [], namespaces: [] });
    const result = correlateVeths(snapshot({ nodes: [n] }));
    expect(result.matches.map((m) => m.confidence)).toEqual(['low', 'low', 'low']);
    expect(codes(result.findings)).toEqual([
      'warning veth-netns-not-captured veth0a1b2c3d',
      'warning veth-netns-not-captured veth56cecc8b',
      'warning veth-netns-not-captured veth9f8e7d6c',
    ]);
  });

  it('reports a captured netns whose interfaces do not lead back to the veth, and falls back to the FDB', () => {
    const n = flannelNode();
    n.namespaces = n.namespaces.map((c) =>
      c.name === NS_A ? { ...c, interfaces: c.interfaces.map((i) => (i.name === 'eth0' ? { ...i, peerIfindex: 77 } : i)) } : c,
    );
    const result = correlateVeths(snapshot({ nodes: [n], pods: flannelPods }));
    expect(summary(byIfname(result.matches, 'veth56cecc8b'))).toBe(
      `roger-nuc0 veth56cecc8b → ${NS_A} - 10.42.0.204 default/nginx-5d8f7c6b9-abcde low`,
    );
    expect(result.findings.map((f) => f.message)).toEqual([
      `netns ${NS_A} was captured, but no interface in it has iflink 9 (veth56cecc8b); its eth0 has iflink 77, which no host interface has`,
    ]);
  });

  it('reports a netns that no veth leads to, captured or only listed', () => {
    const n = flannelNode({
      netns: [...flannelNetns(), netnsEntry('cni-listed', 7)],
      namespaces: [...flannelNamespaces(), podNetns('cni-orphan', { hostIfindex: 42, ip: '10.42.0.250/24' })],
      sandboxes: [sandbox('5f1e', 'default/gone', { netns: 'cni-orphan', state: 'SANDBOX_NOTREADY' })],
    });
    const result = correlateVeths(snapshot({ nodes: [n], pods: flannelPods }));
    const orphan = result.findings.filter((f) => f.code === 'netns-without-veth');
    expect(orphan.map((f) => [f.subject, f.message])).toEqual([
      [
        'cni-listed',
        'no host veth leads to netns cni-listed (listed, not captured): leaked by a failed CNI DEL, or a CNI without veths (macvlan, ipvlan)',
      ],
      [
        'cni-orphan',
        'no host veth leads to netns cni-orphan; its eth0 has iflink 42, which no host interface has; crictl sandbox 5f1e (default/gone) uses it: leaked by a failed CNI DEL, or a CNI without veths (macvlan, ipvlan)',
      ],
    ]);
    expect(orphan[1].evidence).toEqual([
      { file: 'nodes/roger-nuc0/netns/cni-orphan/ip-link.json', line: 0, pointer: '/1' },
      { file: 'nodes/roger-nuc0/crictl-inspectp/5f1e.json', line: 0, pointer: '/info/runtimeSpec/linux/namespaces' },
    ]);
    expect(orphan[0].evidence).toEqual([{ file: 'nodes/roger-nuc0/netns.txt', line: 4 }]);
  });
});

describe('correlateVeths: pods', () => {
  it('expects no veth for hostNetwork pods, warns for running pods without one, ignores the rest', () => {
    const pods = [
      ...flannelPods,
      pod('kube-system/kube-proxy-7xq2z', { node: 'roger-nuc0', ip: '192.168.28.20', hostNetwork: true }),
      pod('default/lost-1', { node: 'roger-nuc0', ip: '10.42.0.99' }),
      pod('default/starting', { node: 'roger-nuc0', phase: 'Pending' }),
      pod('default/done', { node: 'roger-nuc0', ip: '10.42.0.98', phase: 'Succeeded' }),
      pod('default/elsewhere', { node: 'roger-nuc9', ip: '10.42.9.5' }),
      pod('default/unscheduled', { node: null, phase: 'Pending' }),
    ];
    const result = correlateVeths(snapshot({ nodes: [flannelNode()], pods }));
    expect(result.findings).toEqual([
      {
        severity: 'warning',
        code: 'pod-without-interface',
        node: 'roger-nuc0',
        message: 'running pod default/lost-1 (10.42.0.99) has no correlated veth on roger-nuc0',
        subject: 'default/lost-1',
        evidence: [{ file: 'cluster/pods.json', line: 0, pointer: '/items/4' }],
      },
      {
        severity: 'info',
        code: 'hostnetwork-pod',
        node: 'roger-nuc0',
        message: "kube-system/kube-proxy-7xq2z uses roger-nuc0's host network namespace: no veth expected",
        subject: 'kube-system/kube-proxy-7xq2z',
        evidence: [{ file: 'cluster/pods.json', line: 0, pointer: '/items/3' }],
      },
    ]);
  });

  it('reports two live pods claiming one IP as an error, but not a finished pod whose IP was reused', () => {
    const pods = [
      ...flannelPods,
      pod('default/impostor', { node: 'roger-nuc0', ip: '10.42.0.205' }),
      pod('default/old-job', { node: 'roger-nuc0', ip: '10.42.0.206', phase: 'Succeeded' }),
      pod('default/twin-a', { node: 'roger-nuc8', ip: '10.42.8.8' }),
      pod('default/twin-b', { node: 'roger-nuc9', ip: '10.42.8.8' }),
    ];
    const result = correlateVeths(snapshot({ nodes: [flannelNode()], pods }));
    expect(codes(result.findings)).toEqual([
      'error duplicate-pod-ip 10.42.0.205',
      'warning correlation-conflict veth0a1b2c3d',
      'warning pod-without-interface default/impostor',
      'warning pod-without-interface default/nginx-5d8f7c6b9-fghij',
    ]);
    expect(result.findings[0]).toMatchObject({
      node: 'roger-nuc0',
      message: '10.42.0.205 is claimed by 2 pods: default/nginx-5d8f7c6b9-fghij on roger-nuc0, default/impostor on roger-nuc0',
    });
    const m = byIfname(result.matches, 'veth0a1b2c3d');
    expect(m.podName).toBeNull();
    expect(m.conflicts).toEqual([
      'pod-ip: 10.42.0.205 is claimed by several pods on roger-nuc0: default/nginx-5d8f7c6b9-fghij, default/impostor',
    ]);
  });

  it('flags a netns whose sandbox says pod A while its address says pod B, and keeps the sandbox', () => {
    const n = flannelNode({
      sandboxes: [
        sandbox('a1b2c3', 'default/web-a', { netns: NS_A, ip: '10.42.0.204' }),
        sandbox('d4e5f6', 'default/nginx-5d8f7c6b9-fghij', { netns: NS_B, ip: '10.42.0.205' }),
      ],
    });
    const pods = [...flannelPods, pod('default/web-a', { node: 'roger-nuc0', ip: '10.42.0.210' })];
    const result = correlateVeths(snapshot({ nodes: [n], pods }));
    const m = byIfname(result.matches, 'veth56cecc8b');
    expect(m).toMatchObject({ podNamespace: 'default', podName: 'web-a', sandboxId: 'a1b2c3', confidence: 'medium' });
    expect(m.conflicts).toEqual([
      'pod-ip: 10.42.0.204 is pod default/nginx-5d8f7c6b9-abcde on roger-nuc0, but the netns belongs to default/web-a',
    ]);
    expect(m.methods.find((x) => x.method === 'sandbox-netns')).toEqual({
      method: 'sandbox-netns',
      agrees: true,
      detail: `crictl sandbox a1b2c3 (default/web-a) runs in /var/run/netns/${NS_A}`,
    });
    expect(byIfname(result.matches, 'veth0a1b2c3d')).toMatchObject({ sandboxId: 'd4e5f6', confidence: 'high', conflicts: [] });
    expect(codes(result.findings)).toEqual([
      'warning correlation-conflict veth56cecc8b',
      'warning pod-without-interface default/nginx-5d8f7c6b9-abcde',
    ]);
  });

  it('names the pod of an uncaptured netns from its crictl sandbox', () => {
    const n = flannelNode({
      fdb: [],
      namespaces: [],
      sandboxes: [sandbox('a1b2c3', 'default/nginx-5d8f7c6b9-abcde', { netns: NS_A, ip: '10.42.0.204' })],
    });
    const result = correlateVeths(snapshot({ nodes: [n], pods: flannelPods }));
    const m = byIfname(result.matches, 'veth56cecc8b');
    expect(summary(m)).toBe(`roger-nuc0 veth56cecc8b → ${NS_A} - 10.42.0.204 default/nginx-5d8f7c6b9-abcde medium`);
    expect(m.methods.map((x) => `${x.method} ${x.agrees}`)).toEqual(['netns-name true', 'sandbox-netns true', 'pod-ip true']);
    expect(m.evidence).toContainEqual({
      file: 'nodes/roger-nuc0/crictl-inspectp/a1b2c3.json',
      line: 0,
      pointer: '/info/runtimeSpec/linux/namespaces',
    });
  });

  it('flags a sandbox whose IP is not the pod interface address', () => {
    const n = flannelNode({ sandboxes: [sandbox('a1b2c3', 'default/nginx-5d8f7c6b9-abcde', { netns: NS_A, ip: '10.42.0.77' })] });
    const m = byIfname(correlateVeths(snapshot({ nodes: [n], pods: flannelPods })).matches, 'veth56cecc8b');
    expect(m.podName).toBe('nginx-5d8f7c6b9-abcde');
    expect(m.conflicts).toEqual([
      `sandbox-netns: crictl sandbox a1b2c3 (default/nginx-5d8f7c6b9-abcde) runs in /var/run/netns/${NS_A} with IP 10.42.0.77, but the pod interface has 10.42.0.204`,
    ]);
    expect(m.confidence).toBe('medium');
  });

  it('flags an address that belongs to a pod scheduled on another node', () => {
    const pods = [...flannelPods.slice(1), pod('default/nginx-5d8f7c6b9-abcde', { node: 'roger-nuc1', ip: '10.42.0.204' })];
    const result = correlateVeths(snapshot({ nodes: [flannelNode()], pods }));
    expect(byIfname(result.matches, 'veth56cecc8b').conflicts).toEqual([
      'pod-ip: 10.42.0.204 belongs to default/nginx-5d8f7c6b9-abcde on roger-nuc1, not to a pod on roger-nuc0',
    ]);
    expect(codes(result.findings)).toEqual(['warning correlation-conflict veth56cecc8b']);
  });
});

// Calico: `cali…` veths with no bridge, a /32 route per pod on the host, pod eth0 with a /32 and
// 169.254.1.1 as its gateway; every host veth has the MAC ee:ee:ee:ee:ee:ee.
describe('correlateVeths: Calico', () => {
  const CALI_MAC = 'ee:ee:ee:ee:ee:ee';
  function calicoNode(routes = [
    route('10.244.1.5', { dev: 'cali1a2b3c4d5e6', scope: 'link' }),
    route('10.244.1.6', { dev: 'cali7f8e9d0c1b2', scope: 'link' }),
    route('10.244.1.7', { dev: 'calia9b8c7d6e5f', scope: 'link' }),
  ]): NodeData {
    return node('worker-1', {
      interfaces: [
        loopback(),
        iface(2, 'ens3'),
        iface(3, 'tunl0', { kind: 'ipip' }),
        veth(7, 'cali1a2b3c4d5e6', { netns: 'cni-x', mac: CALI_MAC }),
        veth(8, 'cali7f8e9d0c1b2', { netns: 'cni-y', mac: CALI_MAC }),
        veth(9, 'calia9b8c7d6e5f', { netns: 'cni-z', mac: CALI_MAC }),
      ],
      routes: [
        route('default', { via: '10.0.0.1', dev: 'ens3' }),
        route('10.244.1.0/26', { type: 'blackhole', protocol: 'bird' }),
        ...routes,
      ],
      neighbours: [neigh('10.244.1.5', 'cali1a2b3c4d5e6', '9a:1b:2c:3d:4e:5f')],
      netns: [netnsEntry('cni-x', 0), netnsEntry('cni-y', 1), netnsEntry('cni-z', 2)],
      namespaces: [
        podNetns('cni-x', { hostIfindex: 7, ip: '10.244.1.5/32', gateway: '169.254.1.1', mac: '9a:1b:2c:3d:4e:5f' }),
        podNetns('cni-y', { hostIfindex: 8, ip: '10.244.1.6/32', gateway: '169.254.1.1' }),
      ],
    });
  }
  const pods = [
    pod('shop/cart-0', { node: 'worker-1', ip: '10.244.1.5' }),
    pod('shop/cart-1', { node: 'worker-1', ip: '10.244.1.6' }),
    pod('shop/checkout-0', { node: 'worker-1', ip: '10.244.1.7' }),
  ];

  it('confirms captured pods with their /32 host routes and neighbour MACs', () => {
    const result = correlateVeths(snapshot({ nodes: [calicoNode()], pods }));
    expect(result.matches.map(summary)).toEqual([
      'worker-1 cali1a2b3c4d5e6 → cni-x eth0 10.244.1.5 shop/cart-0 high',
      'worker-1 cali7f8e9d0c1b2 → cni-y eth0 10.244.1.6 shop/cart-1 high',
      'worker-1 calia9b8c7d6e5f → cni-z - 10.244.1.7 shop/checkout-0 medium',
    ]);
    const m = byIfname(result.matches, 'cali1a2b3c4d5e6');
    expect(m.master).toBeNull();
    expect(m.methods.map((x) => `${x.method} ${x.agrees}`)).toEqual([
      'netns-name true',
      'peer-ifindex true',
      'host-route true',
      'mac true',
      'pod-ip true',
    ]);
    expect(m.evidence).toContainEqual({ file: 'nodes/worker-1/ip-route.json', line: 0, pointer: '/2' });
    expect(codes(result.findings)).toEqual(['warning veth-netns-not-captured calia9b8c7d6e5f']);
  });

  it('infers an uncaptured pod address from its host route', () => {
    const m = byIfname(correlateVeths(snapshot({ nodes: [calicoNode()], pods })).matches, 'calia9b8c7d6e5f');
    expect(m.methods).toEqual([
      { method: 'netns-name', agrees: true, detail: 'calia9b8c7d6e5f link-netns cni-z' },
      { method: 'host-route', agrees: true, detail: 'host route 10.244.1.7/32 dev calia9b8c7d6e5f: 10.244.1.7 is behind calia9b8c7d6e5f' },
      { method: 'pod-ip', agrees: true, detail: '10.244.1.7 is pod shop/checkout-0 on worker-1' },
    ]);
    expect(m.score).toBe(0.6);
  });

  it('flags a /32 route that sends a pod address through another cali interface', () => {
    const routes = [
      route('10.244.1.5', { dev: 'cali1a2b3c4d5e6', scope: 'link' }),
      route('10.244.1.6', { dev: 'cali1a2b3c4d5e6', scope: 'link' }),
    ];
    const result = correlateVeths(snapshot({ nodes: [calicoNode(routes)], pods }));
    const m = byIfname(result.matches, 'cali7f8e9d0c1b2');
    expect(m.podName).toBe('cart-1');
    expect(m.conflicts).toEqual([
      "host-route: host route 10.244.1.6/32 dev cali1a2b3c4d5e6 sends the pod's address away from cali7f8e9d0c1b2",
    ]);
    expect(m.confidence).toBe('medium');
    expect(codes(result.findings)).toContain('warning correlation-conflict cali7f8e9d0c1b2');
    expect(byIfname(result.matches, 'cali1a2b3c4d5e6').conflicts).toEqual([]);
  });

  it('flags a neighbour entry whose MAC is not the pod interface', () => {
    const n = calicoNode();
    n.neighbours = [{ ...n.neighbours[0], lladdr: '9a:00:00:00:00:01' }];
    const m = byIfname(correlateVeths(snapshot({ nodes: [n], pods })).matches, 'cali1a2b3c4d5e6');
    expect(m.conflicts).toEqual([
      'mac: neighbour 10.244.1.5 dev cali1a2b3c4d5e6 has lladdr 9a:00:00:00:00:01, but eth0 has 9a:1b:2c:3d:4e:5f',
    ]);
  });
});

// Cilium: `lxc…` veths linked by nsid, no per-pod routes, the cilium_host/cilium_net pair on the
// host, and the health endpoint's lxc_health.
describe('correlateVeths: Cilium', () => {
  const ciliumNode = node('cil-0', {
    interfaces: [
      loopback(),
      iface(2, 'ens5'),
      veth(3, 'cilium_net', { peer: 4 }),
      veth(4, 'cilium_host', { peer: 3 }),
      iface(5, 'cilium_vxlan', { kind: 'vxlan' }),
      veth(7, 'lxc_health', { nsid: 0 }),
      veth(9, 'lxc4d2a1f0e9b8c', { nsid: 1 }),
      veth(11, 'lxc8e7f6a5b4c3d', { nsid: 2 }),
    ],
    netns: [netnsEntry('cilium-health', 0), netnsEntry('cni-p', 1), netnsEntry(null, 2)],
    namespaces: [
      podNetns('cilium-health', { hostIfindex: 7, ip: '10.0.1.10/32' }),
      podNetns('cni-p', { hostIfindex: 9, ip: '10.0.1.20/32', gateway: '10.0.1.1' }),
      podNetns('cni-q', { hostIfindex: 11, ip: '10.0.1.30/32', gateway: '10.0.1.1' }),
    ],
  });
  const pods = [
    pod('api/frontend-0', { node: 'cil-0', ip: '10.0.1.20' }),
    pod('api/frontend-1', { node: 'cil-0', ip: '10.0.1.30' }),
    pod('kube-system/cilium-8xk2p', { node: 'cil-0', ip: '10.0.0.5', hostNetwork: true }),
  ];
  const result = correlateVeths(snapshot({ nodes: [ciliumNode], pods }));

  it('correlates lxc veths by nsid, and by iflink where the nsid has no name', () => {
    expect(result.matches.map(summary)).toEqual([
      'cil-0 lxc_health → cilium-health eth0 10.0.1.10 - high',
      'cil-0 lxc4d2a1f0e9b8c → cni-p eth0 10.0.1.20 api/frontend-0 high',
      'cil-0 lxc8e7f6a5b4c3d → cni-q eth0 10.0.1.30 api/frontend-1 medium',
    ]);
    expect(byIfname(result.matches, 'lxc8e7f6a5b4c3d')).toMatchObject({ netnsId: 2, score: 0.6 });
  });

  it('leaves out the host-local cilium_host/cilium_net pair and calls lxc_health what it is', () => {
    expect(result.matches.some((m) => m.hostIfname.startsWith('cilium_'))).toBe(false);
    expect(result.findings.map((f) => `${f.severity} ${f.code} ${f.message}`)).toEqual([
      'info hostnetwork-pod kube-system/cilium-8xk2p uses cil-0\'s host network namespace: no veth expected',
      "info veth-without-pod lxc_health is Cilium's health endpoint (10.0.1.10), not a pod",
    ]);
  });
});

describe('correlateVeths: determinism and lookups', () => {
  const worker = node('nuc-b', {
    interfaces: [loopback(), iface(2, 'eth0'), veth(5, 'vethb1', { netns: 'cni-b1' })],
    namespaces: [podNetns('cni-b1', { hostIfindex: 5, ip: 'FD00::5/64' })],
  });
  const pods = [...flannelPods, pod('default/v6', { node: 'nuc-b', ip: 'fd00::5' })];

  it('sorts by node then host ifindex, whatever the input order', () => {
    const forward = snapshot({ nodes: [worker, flannelNode()], pods });
    const reversed: SnapshotData = {
      ...forward,
      nodes: [...forward.nodes].reverse().map((n) => ({
        ...n,
        interfaces: [...n.interfaces].reverse(),
        namespaces: [...n.namespaces].reverse(),
        netns: [...n.netns].reverse(),
      })),
    };
    const a = correlateVeths(forward);
    expect(a.matches.map((m) => `${m.node} ${m.hostIfindex}`)).toEqual([
      'nuc-b 5',
      'roger-nuc0 9',
      'roger-nuc0 10',
      'roger-nuc0 11',
    ]);
    expect(correlateVeths(reversed)).toEqual(a);
  });

  it('finds the veth for a pod IP on a node', () => {
    const c = correlateVeths(snapshot({ nodes: [worker, flannelNode()], pods }));
    expect(vethForPod(c, 'roger-nuc0', '10.42.0.205')?.hostIfname).toBe('veth0a1b2c3d');
    expect(vethForPod(c, 'nuc-b', 'FD00::5')?.podName).toBe('v6');
    expect(vethForPod(c, 'nuc-b', '10.42.0.205')).toBeNull();
    expect([...indexVethsByPodIp(c).keys()]).toEqual([
      vethKey('nuc-b', 'fd00::5'),
      vethKey('roger-nuc0', '10.42.0.204'),
      vethKey('roger-nuc0', '10.42.0.205'),
      vethKey('roger-nuc0', '10.42.0.206'),
    ]);
  });

  it('gives an address two veths claim to the better-supported one, and flags both', () => {
    const n = flannelNode({
      interfaces: [...flannelNode().interfaces, veth(12, 'vethstale', { netns: 'cni-stale', master: 'cni0' })],
      fdb: [...flannelNode().fdb, fdb(cniMac('10.42.0.204'), 'vethstale')],
    });
    const c = correlateVeths(snapshot({ nodes: [n], pods: flannelPods }));
    expect(vethForPod(c, 'roger-nuc0', '10.42.0.204')?.hostIfname).toBe('veth56cecc8b');
    expect(byIfname(c.matches, 'vethstale').conflicts).toEqual(['10.42.0.204 is also behind veth56cecc8b']);
    expect(byIfname(c.matches, 'veth56cecc8b').conflicts).toEqual(['10.42.0.204 is also behind vethstale']);
  });
});

describe('podsByIp', () => {
  it('lists the pods owning each IP in the pods order, a pod once per IP, finished and hostNetwork pods left out', () => {
    const a = pod('ns/a', { node: 'n1', ip: ['10.0.0.1', 'FD00::1', 'fd00::1'] });
    const b = pod('ns/b', { node: 'n2', ip: '10.0.0.2' });
    const c = pod('ns/c', { node: 'n1', ip: ['fd00::1', '10.0.0.1'] });
    const done = pod('ns/done', { node: 'n1', ip: '10.0.0.2', phase: 'Succeeded' });
    const failed = pod('ns/failed', { node: 'n1', ip: '10.0.0.2', phase: 'Failed' });
    const host = pod('ns/host', { node: 'n1', ip: '10.0.0.1', hostNetwork: true });
    const byIp = podsByIp([a, done, b, host, c, failed]);
    expect([...byIp.keys()]).toEqual(['10.0.0.1', 'fd00::1', '10.0.0.2']);
    expect(byIp.get('10.0.0.1')).toEqual([a, c]);
    expect(byIp.get('fd00::1')).toEqual([a, c]);
    expect(byIp.get('10.0.0.2')).toEqual([b]);
  });

  it('keeps a pod listed twice in the input twice', () => {
    const a = pod('ns/a', { node: 'n1', ip: '10.0.0.1' });
    expect(podsByIp([a, a]).get('10.0.0.1')).toEqual([a, a]);
  });
});
