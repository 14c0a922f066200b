// Everything the engine looks up while tracing, built once per snapshot and cached: per-node
// netfilter and routing indexes, pods and endpoints by address, nodes by address / pod CIDR /
// VTEP MAC, kube-proxy's chain names, the veth correlation and who announces each LB address.

import { buildKubeProxyChainIndex, kubeProxyChainIndexOf, kubeProxyChainMode, type KubeProxyChainRef } from '../kubeproxy-names';
import type { KubeEndpointSlice, KubeEvent, KubeNode, KubePod, KubeService, NodeData, SnapshotData, SourceRef } from '../model';
import { correlateVeths, type VethCorrelation, type VethMatch } from '../veths';
import { canonicalIp, maskAddr, maskV4, parseCidr, parseIp, type Cidr } from './ip';
import { buildNftIndex, type NftIndex } from './nft-index';
import { buildNodeNet, type NodeNet } from './routing';
import type { AnnouncerSource, EndpointRef, Protocol, ServiceRef } from './types';

export interface CapturedNode {
  name: string;
  data: NodeData;
  readonly net: NodeNet;
  readonly nft: NftIndex;
  /** bridge fdb sources by `master|mac` (lower case), in capture order */
  readonly fdbByMaster: Map<string, SourceRef[]>;
}

export interface ChainOwner {
  service: ServiceRef;
  /** `ip:port` for an endpoint chain */
  endpoint: string | null;
  /** that endpoint as the EndpointSlices describe it (null when they do not) */
  endpointRef: EndpointRef | null;
}

type PodCidr = { cidr: Cidr; node: string; source: SourceRef };

export interface Announcer {
  node: string;
  source: AnnouncerSource;
  evidence: SourceRef[];
}

export interface TraceContext {
  snapshot: SnapshotData;
  captured: Map<string, CapturedNode>;
  /** every node the cluster knows (kubectl get nodes), captured or not, sorted */
  clusterNodes: string[];
  nodeByAddress: Map<string, string>;
  nodeByVtepMac: Map<string, string>;
  podCidrs: PodCidr[];
  /** pod CIDRs by prefix length (longest first), then by network: the first one listed wins */
  podCidrsByLength: { len: number; byNetwork: Map<number, PodCidr> }[];
  clusterNodeByName: Map<string, KubeNode>;
  /** hostNetwork pods by `ns/name` */
  hostPods: Map<string, KubePod>;
  /** veth matches by `node|hostIfname`: the first one listed wins */
  vethByHostIfname: Map<string, VethMatch>;
  podsByIp: Map<string, KubePod>;
  endpointsByAddr: Map<string, EndpointRef>;
  servicesByKey: Map<string, KubeService>;
  slicesByService: Map<string, KubeEndpointSlice[]>;
  /** kube-proxy's chain names in both modes (built on first use: it hashes every service port and endpoint) */
  readonly chainRefs: Map<string, KubeProxyChainRef>;
  /** the names of one mode only, built on first use: what the engine looks chains up in */
  chainRefsOf: (mode: KubeProxyChainRef['mode']) => Map<string, KubeProxyChainRef>;
  /** serviceForChain's answers by mode and chain name, each worked out on first use */
  chainOwners: Map<KubeProxyChainRef['mode'], Map<string, ChainOwner>>;
  veths: VethCorrelation;
  /** announcers of each LoadBalancer address, from events and ServiceLB pods */
  announcers: Map<string, Announcer[]>;
}

const FLANNEL_PUBLIC_IP = 'flannel.alpha.coreos.com/public-ip';
const FLANNEL_BACKEND_DATA = 'flannel.alpha.coreos.com/backend-data';

function endpointKey(address: string, port: number | null): string {
  return port === null ? canonicalIp(address) : canonicalEndpointKey(canonicalIp(address), port);
}

/** `ip:port`, joined rather than concatenated for one flat string: it is a map key (see kubeproxy-names' hash). */
function canonicalEndpointKey(ip: string, port: number): string {
  return [ip, port].join(':');
}

function endpointRef(ep: KubeEndpointSlice['endpoints'][number], address: string, port: number | null): EndpointRef {
  return { address, port, podNamespace: ep.podNamespace, podName: ep.podName, nodeName: ep.nodeName, ready: ep.ready };
}

function vtepMacOf(annotation: string | undefined): string | null {
  if (!annotation) return null;
  const m = /"VtepMAC"\s*:\s*"([0-9a-fA-F:]+)"/.exec(annotation);
  return m ? m[1].toLowerCase() : null;
}

const ANNOUNCE = /announcing from node "([^"]+)" with protocol "([^"]+)"/;

function timestampOf(e: KubeEvent): string {
  return e.lastTimestamp ?? '';
}

/** MetalLB's latest layer 2 `nodeAssigned` event (or every BGP one) per service, and ServiceLB's svclb pods (those named `svclb-…`). */
function buildAnnouncers(snapshot: SnapshotData, svclbPods: KubePod[]): Map<string, Announcer[]> {
  const layer2 = new Map<string, Announcer>();
  const bgp = new Map<string, Announcer[]>();
  const events = [...snapshot.cluster.events].sort((a, b) => (timestampOf(a) < timestampOf(b) ? -1 : 1));
  for (const e of events) {
    if (e.reason !== 'nodeAssigned' || !e.message || !e.involvedName) continue;
    const m = ANNOUNCE.exec(e.message);
    if (!m) continue;
    const key = `${e.involvedNamespace ?? e.namespace}/${e.involvedName}`;
    if (m[2] === 'layer2') {
      layer2.set(key, { node: m[1], source: 'metallb-layer2', evidence: [e.source] });
      continue;
    }
    const list = bgp.get(key) ?? [];
    if (!list.some((a) => a.node === m[1])) list.push({ node: m[1], source: 'metallb-bgp', evidence: [e.source] });
    bgp.set(key, list);
  }
  const byService = new Map<string, Announcer[]>();
  for (const [key, a] of layer2) byService.set(key, [a]);
  for (const [key, list] of bgp) if (!byService.has(key)) byService.set(key, list);
  for (const pod of svclbPods) {
    const m = /^svclb-(.+)-[a-z0-9]{5,10}$/.exec(pod.name);
    if (!m || pod.nodeName === null) continue;
    for (const svc of snapshot.cluster.services) {
      if (svc.type !== 'LoadBalancer' || !m[1].startsWith(svc.name)) continue;
      const key = `${svc.namespace}/${svc.name}`;
      if (byService.get(key)?.some((a) => a.source !== 'servicelb')) continue;
      const list = byService.get(key) ?? [];
      if (!list.some((a) => a.node === pod.nodeName)) {
        list.push({ node: pod.nodeName, source: 'servicelb', evidence: [pod.source] });
      }
      byService.set(key, list);
    }
  }
  const byAddress = new Map<string, Announcer[]>();
  for (const svc of snapshot.cluster.services) {
    const list = byService.get(`${svc.namespace}/${svc.name}`);
    if (!list) continue;
    for (const ip of svc.loadBalancerIPs) byAddress.set(canonicalIp(ip), list);
  }
  return byAddress;
}

function fdbByMaster(data: NodeData): Map<string, SourceRef[]> {
  const out = new Map<string, SourceRef[]>();
  for (const f of data.fdb) {
    if (f.master === null) continue;
    const key = `${f.master}|${f.mac.toLowerCase()}`;
    const list = out.get(key);
    if (list) list.push(f.source);
    else out.set(key, [f.source]);
  }
  return out;
}

function indexPodCidrs(podCidrs: PodCidr[]): TraceContext['podCidrsByLength'] {
  const byLength = new Map<number, Map<number, PodCidr>>();
  for (const p of podCidrs) {
    if (p.cidr.addr.v6) continue;
    let byNetwork = byLength.get(p.cidr.len);
    if (!byNetwork) {
      byNetwork = new Map();
      byLength.set(p.cidr.len, byNetwork);
    }
    if (!byNetwork.has(p.cidr.addr.n)) byNetwork.set(p.cidr.addr.n, p);
  }
  return [...byLength].sort((a, b) => b[0] - a[0]).map(([len, byNetwork]) => ({ len, byNetwork }));
}

function firstBy<K, V>(items: readonly V[], key: (v: V) => K | null): Map<K, V> {
  const out = new Map<K, V>();
  for (const v of items) {
    const k = key(v);
    if (k !== null && !out.has(k)) out.set(k, v);
  }
  return out;
}

/** A captured node; its indexes are built on first use (a diff that traces nothing never needs them). */
function capturedNode(data: NodeData): CapturedNode {
  let net: NodeNet | undefined;
  let nft: NftIndex | undefined;
  let fdb: Map<string, SourceRef[]> | undefined;
  return {
    name: data.name,
    data,
    get net() {
      net ??= buildNodeNet(data);
      return net;
    },
    get nft() {
      nft ??= buildNftIndex(data.ruleset);
      return nft;
    },
    get fdbByMaster() {
      fdb ??= fdbByMaster(data);
      return fdb;
    },
  };
}

function buildContext(snapshot: SnapshotData): TraceContext {
  const captured = new Map<string, CapturedNode>();
  for (const data of snapshot.nodes) captured.set(data.name, capturedNode(data));
  const nodeByAddress = new Map<string, string>();
  const nodeByVtepMac = new Map<string, string>();
  const podCidrs: TraceContext['podCidrs'] = [];
  for (const node of snapshot.cluster.nodes) {
    for (const a of node.addresses) {
      if (a.type === 'InternalIP' || a.type === 'ExternalIP') nodeByAddress.set(canonicalIp(a.address), node.name);
    }
    const publicIp = node.annotations[FLANNEL_PUBLIC_IP];
    if (publicIp) nodeByAddress.set(canonicalIp(publicIp), node.name);
    const mac = vtepMacOf(node.annotations[FLANNEL_BACKEND_DATA]);
    if (mac) nodeByVtepMac.set(mac, node.name);
    for (const c of node.podCIDRs) {
      const cidr = parseCidr(c);
      if (cidr) podCidrs.push({ cidr, node: node.name, source: node.source });
    }
  }
  for (const n of snapshot.nodes) {
    for (const a of n.addresses) {
      if (a.family === 'inet' && a.scope !== 'host' && !nodeByAddress.has(canonicalIp(a.address))) {
        nodeByAddress.set(canonicalIp(a.address), n.name);
      }
    }
  }
  // One pass over the pods (a large cluster has tens of thousands): by IP, hostNetwork ones by name, ServiceLB's.
  const podsByIp = new Map<string, KubePod>();
  const hostPods = new Map<string, KubePod>();
  const svclbPods: KubePod[] = [];
  for (const pod of snapshot.cluster.pods) {
    if (pod.name.startsWith('svclb-')) svclbPods.push(pod);
    if (pod.hostNetwork) {
      const key = `${pod.namespace}/${pod.name}`;
      if (!hostPods.has(key)) hostPods.set(key, pod);
      continue;
    }
    for (const ip of pod.podIPs) podsByIp.set(canonicalIp(ip), pod);
  }
  const endpointsByAddr = new Map<string, EndpointRef>();
  const slicesByService = new Map<string, KubeEndpointSlice[]>();
  for (const slice of snapshot.cluster.endpointSlices) {
    if (slice.serviceName !== null) {
      const key = `${slice.namespace}/${slice.serviceName}`;
      const list = slicesByService.get(key);
      if (list) list.push(slice);
      else slicesByService.set(key, [slice]);
    }
    for (const ep of slice.endpoints) {
      for (const address of ep.addresses) {
        const ip = canonicalIp(address);
        if (!endpointsByAddr.has(ip)) endpointsByAddr.set(ip, endpointRef(ep, ip, null));
        for (const p of slice.ports) endpointsByAddr.set(canonicalEndpointKey(ip, p.port), endpointRef(ep, ip, p.port));
      }
    }
  }
  const clusterNodes = [...new Set([...snapshot.cluster.nodes.map((n) => n.name), ...captured.keys()])].sort();
  const veths = correlateVeths(snapshot);
  const { services, endpointSlices } = snapshot.cluster;
  let chainRefs: Map<string, KubeProxyChainRef> | undefined;
  return {
    snapshot,
    captured,
    clusterNodes,
    nodeByAddress,
    nodeByVtepMac,
    podCidrs,
    podCidrsByLength: indexPodCidrs(podCidrs),
    clusterNodeByName: firstBy(snapshot.cluster.nodes, (n) => n.name),
    hostPods,
    vethByHostIfname: firstBy(veths.matches, (m) => `${m.node}|${m.hostIfname}`),
    podsByIp,
    endpointsByAddr,
    servicesByKey: new Map(snapshot.cluster.services.map((s) => [`${s.namespace}/${s.name}`, s])),
    slicesByService,
    get chainRefs() {
      chainRefs ??= buildKubeProxyChainIndex(services, endpointSlices);
      return chainRefs;
    },
    chainRefsOf: (mode) => kubeProxyChainIndexOf(snapshot, mode),
    chainOwners: new Map(),
    veths,
    announcers: buildAnnouncers(snapshot, svclbPods),
  };
}

const cache = new WeakMap<SnapshotData, TraceContext>();

/** The snapshot's trace context; built on first use. Snapshots are treated as immutable. */
export function traceContext(snapshot: SnapshotData): TraceContext {
  let ctx = cache.get(snapshot);
  if (!ctx) {
    ctx = buildContext(snapshot);
    cache.set(snapshot, ctx);
  }
  return ctx;
}

export function endpointFor(ctx: TraceContext, address: string, port: number | null): EndpointRef | null {
  return ctx.endpointsByAddr.get(endpointKey(address, port)) ?? ctx.endpointsByAddr.get(endpointKey(address, null)) ?? null;
}

/** The Service a kube-proxy chain belongs to, by its name (hash or nftables-mode name); cached in ctx.chainOwners. */
export function serviceForChain(ctx: TraceContext, chain: string): ChainOwner | null {
  const mode = kubeProxyChainMode(chain);
  if (mode === null) return null;
  let owners = ctx.chainOwners.get(mode);
  if (!owners) {
    owners = new Map();
    ctx.chainOwners.set(mode, owners);
  }
  let owner = owners.get(chain);
  if (owner === undefined) {
    const ref = ctx.chainRefsOf(mode).get(chain);
    if (!ref) return null;
    owner = chainOwner(ctx, ref);
    owners.set(chain, owner);
  }
  return owner;
}

/** serviceForChain's answer worked out anew, for a caller that keeps it (the engine keeps it with the chain). */
export function resolveChainOwner(ctx: TraceContext, chain: string): ChainOwner | null {
  const mode = kubeProxyChainMode(chain);
  const ref = mode === null ? undefined : ctx.chainRefsOf(mode).get(chain);
  return ref ? chainOwner(ctx, ref) : null;
}

/**
 * One ServiceRef per Service port, shared by its chains' owners (and so by every hop and trace
 * that names it): a Service's endpoint chains would otherwise each hold a copy. By context, then
 * by Service key, then in the order first asked for (a Service has a few ports).
 */
const serviceRefs = new WeakMap<TraceContext, Map<string, ServiceRef[]>>();

function serviceRefOf(ctx: TraceContext, ref: KubeProxyChainRef): ServiceRef {
  let byService = serviceRefs.get(ctx);
  if (!byService) {
    byService = new Map();
    serviceRefs.set(ctx, byService);
  }
  let refs = byService.get(ref.serviceKey);
  if (!refs) {
    refs = [];
    byService.set(ref.serviceKey, refs);
  }
  for (const r of refs) if (r.portName === ref.portName && r.protocol === ref.protocol) return r;
  const slash = ref.serviceKey.indexOf('/');
  const namespace = slash < 0 ? ref.serviceKey : ref.serviceKey.slice(0, slash);
  const name = slash < 0 ? undefined : ref.serviceKey.slice(slash + 1).split('/')[0];
  const svc = ctx.servicesByKey.get(ref.serviceKey);
  const port = svc?.ports.find((p) => (p.name ?? '') === (ref.portName ?? '') && p.protocol.toLowerCase() === ref.protocol)?.port ?? null;
  const service: ServiceRef = { namespace, name: name as string, portName: ref.portName, port, protocol: ref.protocol as Protocol };
  refs.push(service);
  return service;
}

/** A chain's owner from its name's meaning: the Service port it serves and, for an endpoint chain, the endpoint. */
function chainOwner(ctx: TraceContext, ref: KubeProxyChainRef): ChainOwner {
  return {
    service: serviceRefOf(ctx, ref),
    endpoint: ref.endpoint,
    endpointRef: ref.endpoint === null ? null : chainEndpoint(ctx, ref.endpoint),
  };
}

/** The endpoint an endpoint chain's `ip:port` (`[ip]:port` for IPv6) names, as the EndpointSlices describe it. */
function chainEndpoint(ctx: TraceContext, endpoint: string): EndpointRef | null {
  // An `ip:port` that is already a key has a canonical address: endpointFor would find this one.
  const direct = ctx.endpointsByAddr.get(endpoint);
  if (direct !== undefined) return direct;
  const colon = endpoint.lastIndexOf(':');
  const ip = endpoint.slice(0, colon).replace(/^\[|\]$/g, '');
  return endpointFor(ctx, ip, Number(endpoint.slice(colon + 1)));
}

/** The node owning an address: a node address, else the node whose pod CIDR holds it. */
export function nodeForAddress(ctx: TraceContext, ip: string): { node: string; via: 'address' | 'pod-cidr'; source: SourceRef | null } | null {
  const byAddr = ctx.nodeByAddress.get(canonicalIp(ip));
  if (byAddr) return { node: byAddr, via: 'address', source: null };
  const addr = parseIp(ip);
  if (!addr) return null;
  if (addr.v6) {
    let best: PodCidr | null = null;
    for (const p of ctx.podCidrs) {
      if (!p.cidr.addr.v6 || maskAddr(addr, p.cidr.len).n !== p.cidr.addr.n) continue;
      if (!best || p.cidr.len > best.cidr.len) best = p;
    }
    return best ? { node: best.node, via: 'pod-cidr', source: best.source } : null;
  }
  for (const { len, byNetwork } of ctx.podCidrsByLength) {
    const p = byNetwork.get(maskV4(addr.n, len));
    if (p) return { node: p.node, via: 'pod-cidr', source: p.source };
  }
  return null;
}
