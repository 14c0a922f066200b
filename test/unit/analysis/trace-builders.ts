// Builders for the packet path engine's tests: a flannel-style node (eth0, cni0, flannel.1, pods
// behind veths with their netns), Services and EndpointSlices, rulesets parsed from real-shaped
// `nft list ruleset` text with the real parser.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseNftText } from '../../../db/parsers/nft-text';
import type { IpRule, KubeEndpointSlice, KubeService, NftRuleset, NodeData, Route } from '../../../renderer/src/analysis/model';
import { leavesOf, type PathLeaf, type PathTree } from '../../../renderer/src/analysis/trace';
import { addr, bridge, iface, loopback, neigh, netnsEntry, node, podNetns, ref, route, veth } from './builders';

export function nftRuleset(text: string): NftRuleset {
  const parsed = parseNftText(text, { file: 'nft-ruleset.txt' });
  const errors = parsed.issues.filter((i) => i.severity === 'error');
  if (errors.length > 0) throw new Error(`ruleset does not parse: ${JSON.stringify(errors)}`);
  return parsed.value;
}

/** A ruleset printed by the real tools (test/fixtures/nft), optionally edited. */
export function fixtureRuleset(name: string, edit: (text: string) => string = (t) => t): NftRuleset {
  return nftRuleset(edit(readFileSync(join(__dirname, '../../fixtures/nft', name), 'utf8')));
}

export interface PodSpec {
  name: string;
  ip: string;
  hostIfindex: number;
}

export interface FlannelNodeSpec {
  ip: string;
  podCidr: string;
  /** the bridge's address; default: the pod CIDR's .1 */
  gateway?: string;
  pods?: PodSpec[];
  ruleset?: NftRuleset | null;
  /** routes to other nodes' pod CIDRs over flannel.1: [podCidr, vtep gateway] */
  peers?: [string, string][];
  extraRoutes?: Route[];
  ipRules?: IpRule[];
  defaultRoute?: boolean;
}

/** A node as flannel + the bridge CNI set it up, with pods behind cni0. */
export function flannelNode(name: string, spec: FlannelNodeSpec): NodeData {
  const gateway = spec.gateway ?? spec.podCidr.replace(/\.0\/24$/, '.1');
  const vtep = spec.podCidr.replace(/\/24$/, '');
  const pods = spec.pods ?? [];
  const lan = spec.ip.replace(/\.\d+$/, '.0/24');
  return node(name, {
    interfaces: [
      loopback(),
      iface(2, 'eth0'),
      iface(3, 'flannel.1', { kind: 'vxlan', mtu: 1450 }),
      bridge(4, 'cni0'),
      ...pods.map((p) => veth(p.hostIfindex, `veth${p.name}`, { netns: `cni-${p.name}`, master: 'cni0' })),
    ],
    addresses: [
      addr('lo', '127.0.0.1/8', { scope: 'host' }),
      addr('eth0', `${spec.ip}/24`),
      addr('flannel.1', `${vtep}/32`),
      addr('cni0', `${gateway}/24`),
    ],
    routes: [
      ...(spec.defaultRoute === false ? [] : [route('default', { via: spec.ip.replace(/\.\d+$/, '.1'), dev: 'eth0' })]),
      route(lan, { dev: 'eth0', protocol: 'kernel', scope: 'link', src: spec.ip }),
      route(spec.podCidr, { dev: 'cni0', protocol: 'kernel', scope: 'link', src: gateway }),
      ...(spec.peers ?? []).map(([cidr, gw]) => ({ ...route(cidr, { via: gw, dev: 'flannel.1' }), flags: ['onlink'] })),
      ...(spec.extraRoutes ?? []),
    ],
    ipRules: spec.ipRules ?? [],
    neighbours: (spec.peers ?? []).map(([, gw], i) => neigh(gw, 'flannel.1', `aa:bb:cc:00:00:0${i + 1}`, ['PERMANENT'])),
    netns: pods.map((p) => netnsEntry(`cni-${p.name}`, null)),
    namespaces: pods.map((p) => podNetns(`cni-${p.name}`, { hostIfindex: p.hostIfindex, ip: `${p.ip}/24`, gateway })),
    ruleset: spec.ruleset ?? null,
  });
}

export function ipRule(priority: number, table: string, fields: Partial<IpRule> = {}): IpRule {
  return { family: 'inet', priority, src: null, dst: null, fwmark: null, iif: null, oif: null, table, action: 'lookup', not: false, source: ref('ip-rule.json'), ...fields };
}

export interface ServiceSpec {
  type?: KubeService['type'];
  clusterIP: string;
  port?: number;
  portName?: string | null;
  protocol?: 'TCP' | 'UDP';
  nodePort?: number | null;
  loadBalancerIPs?: string[];
  externalIPs?: string[];
  externalTrafficPolicy?: 'Cluster' | 'Local';
  loadBalancerSourceRanges?: string[];
  sessionAffinity?: 'None' | 'ClientIP';
}

export function service(qualifiedName: string, spec: ServiceSpec): KubeService {
  const [namespace, name] = qualifiedName.split('/');
  return {
    namespace,
    name,
    uid: null,
    type: spec.type ?? 'ClusterIP',
    clusterIPs: [spec.clusterIP],
    externalIPs: spec.externalIPs ?? [],
    loadBalancerIPs: spec.loadBalancerIPs ?? [],
    loadBalancerSourceRanges: spec.loadBalancerSourceRanges ?? [],
    ports: [
      {
        name: spec.portName ?? null,
        protocol: spec.protocol ?? 'TCP',
        port: spec.port ?? 80,
        targetPort: spec.port ?? 80,
        nodePort: spec.nodePort ?? null,
      },
    ],
    selector: { app: name },
    externalTrafficPolicy: spec.externalTrafficPolicy ?? null,
    internalTrafficPolicy: null,
    sessionAffinity: spec.sessionAffinity ?? 'None',
    sessionAffinityTimeout: null,
    healthCheckNodePort: null,
    externalName: null,
    annotations: {},
    source: ref('services.json'),
  };
}

export function endpointSlice(
  qualifiedService: string,
  port: { port: number; name?: string | null },
  endpoints: { ip: string; node: string; pod: string }[],
): KubeEndpointSlice {
  const [namespace, serviceName] = qualifiedService.split('/');
  return {
    namespace,
    name: `${serviceName}-abcde`,
    serviceName,
    addressType: 'IPv4',
    ports: [{ name: port.name ?? null, protocol: 'TCP', port: port.port }],
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      ready: true,
      serving: true,
      terminating: false,
      nodeName: e.node,
      podNamespace: namespace,
      podName: e.pod,
      zone: null,
    })),
    legacy: false,
    source: ref('endpointslices.json'),
  };
}

/** The (table, chain) names a leaf visited, for comparison with `nft monitor trace`. */
export function chainNames(leaf: PathLeaf): string[] {
  return leaf.chains.map((c) => c.chain);
}

export function leafTo(tree: PathTree, address: string): PathLeaf {
  const leaf = leavesOf(tree).find((l) => l.packet.dst === address);
  if (!leaf) throw new Error(`no leaf reaches ${address}`);
  return leaf;
}

export function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
