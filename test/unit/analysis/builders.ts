// Builders for SnapshotData fixtures, shared by the analysis tests (veth correlation, packet paths,
// diff). Every record gets a SourceRef shaped like the importer's: builders give a path relative
// to the node's bundle directory (`ip-link.json`, `netns/cni-a/ip-addr.json`), `node()` prefixes
// `nodes/<name>/` and numbers JSON records by position (`/3`) and text lines (`netns.txt:2`);
// `snapshot()` does the same for `cluster/*.json` (`/items/0`). A source given with a `nodes/` or
// `cluster/` path, a pointer or a line is kept as given.

import type {
  FdbEntry,
  KubeEndpointSlice,
  KubeEvent,
  KubeNode,
  KubePod,
  KubeService,
  NamespaceCapture,
  NetAddress,
  NetInterface,
  Neighbour,
  NetnsEntry,
  NodeData,
  Route,
  Sandbox,
  SnapshotData,
  SourceRef,
} from '../../../renderer/src/analysis/model';

export function ref(file: string, line = 0, pointer?: string): SourceRef {
  return pointer === undefined ? { file, line } : { file, line, pointer };
}

// ---------------------------------------------------------------------------------------------
// Interfaces, addresses, routes, neighbours, FDB, netns list

const UP_FLAGS = ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'];

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/** A locally administered MAC derived from a number: 02:00:00:00:HH:LL. */
export function fakeMac(n: number): string {
  return `02:00:00:00:${hex((n >> 8) & 0xff)}:${hex(n & 0xff)}`;
}

/** The MAC the bridge CNI plugin gives a pod: 0a:58 followed by its IPv4 address. */
export function cniMac(ipv4: string): string {
  return `0a:58:${ipv4.split('.').map((o) => hex(Number(o))).join(':')}`;
}

export function iface(ifindex: number, name: string, fields: Partial<NetInterface> = {}): NetInterface {
  return {
    ifindex,
    name,
    kind: 'device',
    mtu: 1500,
    mac: fakeMac(ifindex),
    state: 'UP',
    flags: UP_FLAGS,
    master: null,
    peerIfindex: null,
    linkNetnsName: null,
    linkNetnsId: null,
    vxlan: null,
    source: ref('ip-link.json'),
    ...fields,
  };
}

export function loopback(fields: Partial<NetInterface> = {}): NetInterface {
  return iface(1, 'lo', {
    kind: 'loopback',
    mtu: 65536,
    mac: '00:00:00:00:00:00',
    state: 'UNKNOWN',
    flags: ['LOOPBACK', 'UP', 'LOWER_UP'],
    ...fields,
  });
}

export function bridge(ifindex: number, name = 'cni0', fields: Partial<NetInterface> = {}): NetInterface {
  return iface(ifindex, name, { kind: 'bridge', mtu: 1450, ...fields });
}

export interface VethOptions {
  /** `@ifN`: the peer's ifindex (default 2, a pod's eth0); null for none printed */
  peer?: number | null;
  /** `link-netns NAME` */
  netns?: string;
  /** `link-netnsid N` */
  nsid?: number;
  master?: string;
  mac?: string;
  source?: SourceRef;
}

/** A host-side veth, e.g. `veth(9, 'veth56cecc8b', { netns: 'cni-357…', master: 'cni0' })`. */
export function veth(ifindex: number, name: string, opts: VethOptions = {}): NetInterface {
  return iface(ifindex, name, {
    kind: 'veth',
    mtu: 1450,
    mac: opts.mac ?? fakeMac(ifindex),
    master: opts.master ?? null,
    peerIfindex: opts.peer === undefined ? 2 : opts.peer,
    linkNetnsName: opts.netns ?? null,
    linkNetnsId: opts.nsid ?? null,
    ...(opts.source ? { source: opts.source } : {}),
  });
}

/** `addr('eth0', '10.42.0.204/24')`; a host address unless `scope` says otherwise. */
export function addr(
  ifname: string,
  cidr: string,
  opts: { ifindex?: number | null; scope?: string; source?: SourceRef } = {},
): NetAddress {
  const [address, len] = cidr.split('/');
  const family = address.includes(':') ? 'inet6' : 'inet';
  return {
    ifname,
    ifindex: opts.ifindex ?? null,
    family,
    address,
    prefixLen: len === undefined ? (family === 'inet' ? 32 : 128) : Number(len),
    scope: opts.scope ?? 'global',
    source: opts.source ?? ref('ip-addr.json'),
  };
}

export interface RouteOptions {
  dev?: string;
  via?: string;
  table?: string;
  type?: string;
  protocol?: string;
  scope?: string;
  src?: string;
  metric?: number;
  source?: SourceRef;
}

/** `route('10.244.1.5', { dev: 'cali12', scope: 'link' })`; a bare address becomes /32 or /128. */
export function route(dst: string, opts: RouteOptions = {}): Route {
  const family = dst.includes(':') ? 'inet6' : 'inet';
  const normalised = dst === 'default' || dst.includes('/') ? dst : `${dst}/${family === 'inet' ? 32 : 128}`;
  return {
    family,
    table: opts.table ?? 'main',
    type: opts.type ?? 'unicast',
    dst: normalised,
    gateway: opts.via ?? null,
    dev: opts.dev ?? null,
    protocol: opts.protocol ?? null,
    scope: opts.scope ?? null,
    prefsrc: opts.src ?? null,
    metric: opts.metric ?? null,
    flags: [],
    source: opts.source ?? ref('ip-route.json'),
  };
}

export function neigh(dst: string, dev: string, lladdr: string | null, state = ['REACHABLE']): Neighbour {
  return { dst, dev, lladdr, state, source: ref('ip-neigh.json') };
}

/** A learned FDB entry unless `state: 'permanent'` (a port's own MAC). */
export function fdb(
  mac: string,
  dev: string,
  opts: { master?: string | null; state?: string | null; flags?: string[]; vlan?: number | null } = {},
): FdbEntry {
  return {
    mac,
    dev,
    dst: null,
    master: opts.master === undefined ? 'cni0' : opts.master,
    vlan: opts.vlan ?? null,
    flags: opts.flags ?? [],
    state: opts.state ?? null,
    source: ref('bridge-fdb.json'),
  };
}

/** One line of `ip netns list` / `list-id`: `cni-a (id: 0)`, `nsid 3` (no name), `cni-b` (no id). */
export function netnsEntry(name: string | null, nsid: number | null): NetnsEntry {
  return { name, nsid, source: ref('netns.txt') };
}

// ---------------------------------------------------------------------------------------------
// A pod's network namespace and its sandbox

function ipv4Network(address: string, len: number): string {
  const n = address.split('.').reduce((acc, o) => ((acc << 8) | Number(o)) >>> 0, 0);
  const net = len === 0 ? 0 : (n & (~0 << (32 - len))) >>> 0;
  return `${[24, 16, 8, 0].map((s) => (net >>> s) & 0xff).join('.')}/${len}`;
}

export interface PodNetnsOptions {
  /** the host veth's ifindex: the pod interface's iflink (`eth0@if9`) */
  hostIfindex: number;
  /** the pod interface's address with its prefix, e.g. `10.42.0.204/24` or Calico's `10.244.1.5/32` */
  ip?: string;
  ifindex?: number;
  ifname?: string;
  /** default: cniMac(ip) for IPv4, otherwise fakeMac(hostIfindex) */
  mac?: string;
  /** default route's gateway: `10.42.0.1` (bridge) or `169.254.1.1` (Calico) */
  gateway?: string;
  /** the pod side's `link-netnsid` (the host as seen from the pod) */
  hostNsid?: number;
}

/**
 * What `ip -n NAME link/addr/route` shows in a pod's netns: `lo` and `eth0@ifHOST` with the pod
 * address, a default route via the gateway, and the on-link route (the gateway for a /32 pod).
 */
export function podNetns(name: string, opts: PodNetnsOptions): NamespaceCapture {
  const ifname = opts.ifname ?? 'eth0';
  const ifindex = opts.ifindex ?? 2;
  const file = (what: string, k: number): SourceRef => ref(`netns/${name}/${what}.json`, 0, `/${k}`);
  const ipv4 = opts.ip !== undefined && !opts.ip.includes(':') ? opts.ip.split('/')[0] : null;
  const eth = iface(ifindex, ifname, {
    kind: 'veth',
    mtu: 1450,
    mac: opts.mac ?? (ipv4 !== null ? cniMac(ipv4) : fakeMac(opts.hostIfindex)),
    peerIfindex: opts.hostIfindex,
    linkNetnsId: opts.hostNsid ?? 0,
    source: file('ip-link', 1),
  });
  const addresses = [addr('lo', '127.0.0.1/8', { ifindex: 1, scope: 'host', source: file('ip-addr', 0) })];
  if (opts.ip !== undefined) addresses.push(addr(ifname, opts.ip, { ifindex, source: file('ip-addr', 1) }));
  const routes: Route[] = [];
  if (opts.gateway !== undefined) routes.push(route('default', { via: opts.gateway, dev: ifname }));
  const [address, len] = opts.ip?.split('/') ?? [];
  if (ipv4 !== null && len !== undefined && len !== '32') {
    routes.push(route(ipv4Network(address, Number(len)), { dev: ifname, protocol: 'kernel', scope: 'link', src: address }));
  } else if (opts.gateway !== undefined) {
    routes.push(route(opts.gateway, { dev: ifname, scope: 'link' }));
  }
  const placedRoutes = routes.map((r, k) => ({ ...r, source: file('ip-route', k) }));
  return { name, interfaces: [loopback({ source: file('ip-link', 0) }), eth], addresses, routes: placedRoutes };
}

export interface SandboxOptions {
  /** the netns name; the path becomes `/var/run/netns/NAME` */
  netns?: string;
  netnsPath?: string | null;
  ip?: string | null;
  state?: string;
  podUid?: string | null;
}

/** `sandbox('0f3c…', 'default/nginx-1', { netns: 'cni-a', ip: '10.42.0.204' })` */
export function sandbox(id: string, pod: string, opts: SandboxOptions = {}): Sandbox {
  const [namespace, podName] = pod.split('/');
  const netnsPath = opts.netnsPath !== undefined ? opts.netnsPath : opts.netns ? `/var/run/netns/${opts.netns}` : null;
  return {
    id,
    podName,
    namespace,
    podUid: opts.podUid ?? null,
    state: opts.state ?? 'SANDBOX_READY',
    netnsPath,
    ip: opts.ip ?? null,
    source: ref(`crictl-inspectp/${id}.json`, 0, '/info/runtimeSpec/linux/namespaces'),
  };
}

// ---------------------------------------------------------------------------------------------
// Nodes, pods, snapshots

function isBundlePath(file: string): boolean {
  return file.startsWith('nodes/') || file.startsWith('cluster/');
}

/** Prefixes relative files with `dir` and numbers records that carry no pointer and no line. */
function place<T extends { source: SourceRef }>(records: T[], dir: string, numbering: 'json' | 'text' | 'none', jsonBase = ''): T[] {
  return records.map((r, k) => {
    const s = r.source;
    const file = isBundlePath(s.file) ? s.file : `${dir}${s.file}`;
    const unnumbered = s.pointer === undefined && s.line === 0;
    const source: SourceRef =
      unnumbered && numbering === 'json'
        ? { file, line: 0, pointer: `${jsonBase}/${k}` }
        : unnumbered && numbering === 'text'
          ? { file, line: k + 1 }
          : { ...s, file };
    return { ...r, source };
  });
}

export function node(name: string, parts: Partial<Omit<NodeData, 'name'>> = {}): NodeData {
  const dir = `nodes/${name}/`;
  return {
    name,
    interfaces: place(parts.interfaces ?? [loopback(), iface(2, 'eth0')], dir, 'json'),
    addresses: place(parts.addresses ?? [], dir, 'json'),
    routes: place(parts.routes ?? [], dir, 'json'),
    ipRules: place(parts.ipRules ?? [], dir, 'json'),
    neighbours: place(parts.neighbours ?? [], dir, 'json'),
    fdb: place(parts.fdb ?? [], dir, 'json'),
    netns: place(parts.netns ?? [], dir, 'text'),
    namespaces: (parts.namespaces ?? []).map((c) => ({
      ...c,
      interfaces: place(c.interfaces, dir, 'none'),
      addresses: place(c.addresses, dir, 'none'),
      routes: place(c.routes, dir, 'none'),
    })),
    sandboxes: place(parts.sandboxes ?? [], dir, 'none'),
    ruleset: parts.ruleset ?? null,
    sysctls: parts.sysctls ?? { 'net.ipv4.ip_forward': '1' },
  };
}

export interface PodOptions {
  /** spec.nodeName; null for an unscheduled pod */
  node?: string | null;
  ip?: string | string[];
  hostNetwork?: boolean;
  phase?: string;
  hostIP?: string | null;
  labels?: Record<string, string>;
  containers?: string[];
  uid?: string | null;
}

/** `pod('default/nginx-1', { node: 'nuc0', ip: '10.42.0.204' })`: Running unless told otherwise. */
export function pod(qualifiedName: string, opts: PodOptions = {}): KubePod {
  const [namespace, name] = qualifiedName.split('/');
  return {
    namespace,
    name,
    uid: opts.uid ?? null,
    nodeName: opts.node === undefined ? null : opts.node,
    podIPs: opts.ip === undefined ? [] : Array.isArray(opts.ip) ? opts.ip : [opts.ip],
    hostIP: opts.hostIP ?? null,
    hostNetwork: opts.hostNetwork ?? false,
    phase: opts.phase ?? 'Running',
    labels: opts.labels ?? {},
    containers: opts.containers ?? [name],
    source: ref('pods.json'),
  };
}

export function kubeNode(name: string, opts: { internalIP?: string; podCIDRs?: string[] } = {}): KubeNode {
  return {
    name,
    addresses: [
      ...(opts.internalIP ? [{ type: 'InternalIP', address: opts.internalIP }] : []),
      { type: 'Hostname', address: name },
    ],
    podCIDRs: opts.podCIDRs ?? [],
    annotations: {},
    labels: { 'kubernetes.io/hostname': name },
    source: ref('nodes.json'),
  };
}

export interface SnapshotParts {
  id?: number;
  name?: string;
  createdAt?: string | null;
  /** the captured nodes (`nodes/<name>/…`) */
  nodes?: NodeData[];
  pods?: KubePod[];
  services?: KubeService[];
  endpointSlices?: KubeEndpointSlice[];
  /** `kubectl get nodes`; defaults to one KubeNode per captured node */
  kubeNodes?: KubeNode[];
  events?: KubeEvent[];
}

export function snapshot(parts: SnapshotParts = {}): SnapshotData {
  const nodes = parts.nodes ?? [];
  const dir = 'cluster/';
  return {
    id: parts.id ?? 1,
    name: parts.name ?? 'test',
    createdAt: parts.createdAt ?? '2026-11-24T10:00:00Z',
    nodes,
    cluster: {
      services: place(parts.services ?? [], dir, 'json', '/items'),
      endpointSlices: place(parts.endpointSlices ?? [], dir, 'json', '/items'),
      pods: place(parts.pods ?? [], dir, 'json', '/items'),
      nodes: place(parts.kubeNodes ?? nodes.map((n) => kubeNode(n.name)), dir, 'json', '/items'),
      events: place(parts.events ?? [], dir, 'json', '/items'),
    },
  };
}
