// Cluster fixtures for the diff tests: flannel-style nodes (eth0, cni0, flannel.1, one veth and
// netns per local pod) and kube-proxy's iptables-mode ruleset as `nft list ruleset` prints it
// (iptables-nft; real chain-name hashes; `meta random` probabilities), parsed by the real nft
// text parser. Counters come from a callback so a test can write "after" captures.

import { parseNftText } from '../../../db/parsers/nft-text';
import {
  endpointString,
  servicePortChainName,
  servicePortEndpointChainName,
  servicePortName,
} from '../../../renderer/src/analysis/kubeproxy-names';
import type { KubeEndpointSlice, KubeNode, KubePod, KubeService, NftRuleset, SnapshotData } from '../../../renderer/src/analysis/model';
import { addr, bridge, iface, kubeNode, loopback, node, pod, podNetns, ref, route, sandbox, snapshot, veth } from './builders';

export interface EndpointSpec {
  ip: string;
  /** the node the pod runs on (`node-0`, …) */
  node: string;
  pod: string;
  ready?: boolean;
}

export interface ServiceSpec {
  namespace: string;
  name: string;
  clusterIP: string;
  port: number;
  targetPort: number;
  nodePort?: number;
  lbIP?: string;
  endpoints: EndpointSpec[];
}

/** packets and bytes for the rule at `index` of `chain`; 0/0 when absent */
export type Counters = (chain: string, index: number) => [number, number] | undefined;

export interface ClusterSpec {
  id?: number;
  name?: string;
  /** captured nodes (`node-N`: N picks its addresses) */
  captured: string[];
  /** every node of the cluster (default: the captured ones) */
  clusterNodes?: string[];
  services: ServiceSpec[];
  counters?: Counters;
  /** rewrites each captured node's ruleset text before it is parsed (reorder rules, …) */
  editRuleset?: (text: string, node: string) => string;
}

export function nodeIndex(name: string): number {
  return Number(/(\d+)$/.exec(name)?.[1] ?? 0);
}

export function svcChain(s: ServiceSpec): string {
  return servicePortChainName('KUBE-SVC-', servicePortName(s.namespace, s.name, null), 'tcp');
}

export function extChain(s: ServiceSpec): string {
  return servicePortChainName('KUBE-EXT-', servicePortName(s.namespace, s.name, null), 'tcp');
}

export function sepChain(s: ServiceSpec, e: EndpointSpec): string {
  return servicePortEndpointChainName(servicePortName(s.namespace, s.name, null), 'tcp', endpointString(e.ip, s.targetPort));
}

/** kube-proxy (iptables mode, nf_tables backend) rules for these Services, as `nft list ruleset` prints them. */
export function kubeProxyRuleset(services: readonly ServiceSpec[], counters: Counters = () => undefined): string {
  const chains: [string, string[]][] = [];
  const services_: string[] = [];
  const nodePorts: string[] = [];
  const c = (chain: string, rules: string[]) => chains.push([chain, rules]);
  for (const s of services) {
    const svc = svcChain(s);
    const ext = extChain(s);
    services_.push(`meta l4proto tcp ip daddr ${s.clusterIP}  tcp dport ${s.port} jump ${svc}`);
    if (s.lbIP) services_.push(`meta l4proto tcp ip daddr ${s.lbIP}  tcp dport ${s.port} jump ${ext}`);
    if (s.nodePort) nodePorts.push(`meta l4proto tcp  tcp dport ${s.nodePort} jump ${ext}`);
    const ready = s.endpoints.filter((e) => e.ready !== false);
    const svcRules = [`meta l4proto tcp ip saddr != 10.42.0.0/16 ip daddr ${s.clusterIP}  tcp dport ${s.port} jump KUBE-MARK-MASQ`];
    ready.forEach((e, k) => {
      const left = ready.length - k;
      const random = left > 1 ? `meta random & 2147483647 < ${Math.round(2 ** 31 / left)} ` : '';
      svcRules.push(`${random}jump ${sepChain(s, e)}`);
    });
    c(svc, svcRules);
    if (s.lbIP || s.nodePort) c(ext, ['jump KUBE-MARK-MASQ', `jump ${svc}`]);
    for (const e of ready) c(sepChain(s, e), [`ip saddr ${e.ip}  jump KUBE-MARK-MASQ`, `meta l4proto tcp   dnat to ${e.ip}:${s.targetPort}`]);
  }
  services_.push(' fib daddr type local jump KUBE-NODEPORTS');
  const withCounter = (chain: string, rule: string, k: number) => {
    const [p, b] = counters(chain, k) ?? [0, 0];
    return rule.replace(/(jump|dnat|return|masquerade|meta mark set)/, `counter packets ${p} bytes ${b} $1`);
  };
  const body = (name: string, rules: string[]) => `\tchain ${name} {\n${rules.map((r, k) => `\t\t${withCounter(name, r, k)}\n`).join('')}\t}\n`;
  return [
    'table ip nat {',
    `\tchain PREROUTING {\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n\t\t${withCounter('PREROUTING', 'jump KUBE-SERVICES', 0)}\n\t}\n`,
    `\tchain OUTPUT {\n\t\ttype nat hook output priority -100; policy accept;\n\t\t${withCounter('OUTPUT', 'jump KUBE-SERVICES', 0)}\n\t}\n`,
    `\tchain POSTROUTING {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n\t\t${withCounter('POSTROUTING', 'jump KUBE-POSTROUTING', 0)}\n\t}\n`,
    body('KUBE-SERVICES', services_),
    body('KUBE-NODEPORTS', nodePorts),
    body('KUBE-MARK-MASQ', ['meta mark set mark or 0x4000']),
    body('KUBE-POSTROUTING', ['meta mark & 0x00004000 != 0x00004000 return', 'meta mark set mark xor 0x4000', 'masquerade fully-random']),
    ...chains.map(([name, rules]) => body(name, rules)),
    '}',
    '',
  ].join('\n');
}

export function parseRuleset(text: string, file: string): NftRuleset {
  const parsed = parseNftText(text, { file });
  if (parsed.issues.some((i) => i.severity === 'error')) throw new Error(`fixture ruleset does not parse: ${JSON.stringify(parsed.issues[0])}`);
  return parsed.value;
}

function nodeIp(n: number): string {
  return `192.168.${n >> 8}.${(n & 255) + 10}`;
}

function kubeNodeFor(name: string): KubeNode {
  const n = nodeIndex(name);
  const k = kubeNode(name, { internalIP: nodeIp(n), podCIDRs: [`10.42.${n}.0/24`] });
  return {
    ...k,
    annotations: {
      'flannel.alpha.coreos.com/public-ip': nodeIp(n),
      'flannel.alpha.coreos.com/backend-data': `{"VNI":1,"VtepMAC":"${vtepMac(n)}"}`,
    },
  };
}

function vtepMac(n: number): string {
  return `6e:00:00:00:${((n >> 8) & 255).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}`;
}

export function clusterSnapshot(spec: ClusterSpec): SnapshotData {
  const clusterNodes = spec.clusterNodes ?? spec.captured;
  const pods = new Map<string, KubePod>();
  for (const s of spec.services) {
    for (const e of s.endpoints) pods.set(`${s.namespace}/${e.pod}`, pod(`${s.namespace}/${e.pod}`, { node: e.node, ip: e.ip, labels: { app: s.name } }));
  }
  const services: KubeService[] = spec.services.map((s) => ({
    namespace: s.namespace,
    name: s.name,
    uid: null,
    type: s.lbIP ? 'LoadBalancer' : s.nodePort ? 'NodePort' : 'ClusterIP',
    clusterIPs: [s.clusterIP],
    externalIPs: [],
    loadBalancerIPs: s.lbIP ? [s.lbIP] : [],
    loadBalancerSourceRanges: [],
    ports: [{ name: null, protocol: 'TCP', port: s.port, targetPort: s.targetPort, nodePort: s.nodePort ?? null }],
    selector: { app: s.name },
    externalTrafficPolicy: s.lbIP || s.nodePort ? 'Cluster' : null,
    internalTrafficPolicy: 'Cluster',
    sessionAffinity: 'None',
    sessionAffinityTimeout: null,
    healthCheckNodePort: null,
    externalName: null,
    annotations: {},
    source: ref('cluster/services.json'),
  }));
  const slices: KubeEndpointSlice[] = spec.services.map((s) => ({
    namespace: s.namespace,
    name: `${s.name}-abcde`,
    serviceName: s.name,
    addressType: 'IPv4',
    ports: [{ name: null, protocol: 'TCP', port: s.targetPort }],
    endpoints: s.endpoints.map((e) => ({
      addresses: [e.ip],
      ready: e.ready ?? true,
      serving: e.ready ?? true,
      terminating: false,
      nodeName: e.node,
      podNamespace: s.namespace,
      podName: e.pod,
      zone: null,
    })),
    legacy: false,
    source: ref('cluster/endpointslices.json'),
  }));
  const nodes = spec.captured.map((name) => {
    const n = nodeIndex(name);
    const local = [...pods.values()].filter((p) => p.nodeName === name);
    const text = kubeProxyRuleset(spec.services, spec.counters);
    return node(name, {
      interfaces: [
        loopback(),
        iface(2, 'eth0'),
        iface(3, 'flannel.1', { kind: 'vxlan', mtu: 1450, mac: vtepMac(n), vxlan: { id: 1, local: nodeIp(n), group: null, port: 8472, dev: 'eth0' } }),
        bridge(4, 'cni0'),
        ...local.map((p, k) => veth(10 + k, `veth-${p.name}`, { netns: `cni-${p.name}`, master: 'cni0' })),
      ],
      addresses: [
        addr('lo', '127.0.0.1/8', { scope: 'host' }),
        addr('eth0', `${nodeIp(n)}/16`),
        addr('flannel.1', `10.42.${n}.0/32`),
        addr('cni0', `10.42.${n}.1/24`),
      ],
      routes: [
        route('default', { via: '192.168.0.1', dev: 'eth0', protocol: 'dhcp' }),
        route('192.168.0.0/16', { dev: 'eth0', protocol: 'kernel', scope: 'link', src: nodeIp(n) }),
        route(`10.42.${n}.0/24`, { dev: 'cni0', protocol: 'kernel', scope: 'link', src: `10.42.${n}.1` }),
        ...clusterNodes.filter((o) => o !== name).map((o) => route(`10.42.${nodeIndex(o)}.0/24`, { via: `10.42.${nodeIndex(o)}.0`, dev: 'flannel.1' })),
      ],
      namespaces: local.map((p, k) => podNetns(`cni-${p.name}`, { hostIfindex: 10 + k, ip: `${p.podIPs[0]}/24`, gateway: `10.42.${n}.1` })),
      sandboxes: local.map((p) => sandbox(`sb-${p.name}`, `${p.namespace}/${p.name}`, { netns: `cni-${p.name}`, ip: p.podIPs[0] })),
      ruleset: parseRuleset(spec.editRuleset ? spec.editRuleset(text, name) : text, `nodes/${name}/nft-ruleset.txt`),
    });
  });
  return snapshot({
    id: spec.id,
    name: spec.name,
    nodes,
    pods: [...pods.values()],
    services,
    endpointSlices: slices,
    kubeNodes: clusterNodes.map(kubeNodeFor),
  });
}
