// The normalised snapshot model. Parsers in db/ produce these records, the database stores them,
// and the analysis (veth correlation, tracing, diff) consumes them. This file is the "common"
// layer: no DOM, no Node, no React, no db/ imports.

/** Where a record came from: a path inside the bundle and a 1-based line (0 when not line-based). */
export interface SourceRef {
  file: string;
  line: number;
  /** for records read from JSON: a JSON pointer to the object (`/nftables/12`, `/items/3`) */
  pointer?: string;
}

export type Severity = 'error' | 'warning' | 'info';

/**
 * A parser's complaint about its input: a code and an exact span, no prose (jsonc-parser style).
 * `detail` carries the offending text verbatim so nothing the parser did not understand is lost.
 */
export interface ParseIssue {
  code: ParseIssueCode;
  severity: Severity;
  line: number;
  col: number;
  length: number;
  detail?: string;
}

export type ParseIssueCode =
  | 'unknown-syntax'
  | 'unknown-statement'
  | 'unbalanced-brace'
  | 'unexpected-token'
  | 'malformed-json'
  | 'unexpected-shape'
  | 'missing-field'
  | 'unsupported-version'
  | 'truncated-input'
  | 'duplicate-record';

export interface ParseResult<T> {
  value: T;
  issues: ParseIssue[];
}

// ---------------------------------------------------------------------------------------------
// Host networking (ip link / addr / route / rule / neigh, bridge fdb, netns)

export interface VxlanInfo {
  id: number | null;
  local: string | null;
  group: string | null;
  port: number | null;
  dev: string | null;
}

export interface NetInterface {
  ifindex: number;
  name: string;
  /** 'veth', 'bridge', 'vxlan', 'loopback', 'device', 'dummy', 'ipip', 'wireguard', 'geneve', ... */
  kind: string;
  mtu: number | null;
  mac: string | null;
  /** operstate: UP, DOWN, UNKNOWN, LOWERLAYERDOWN */
  state: string | null;
  flags: string[];
  master: string | null;
  /** The peer's ifindex: `@ifN` in text, `link_index` in JSON (iflink). */
  peerIfindex: number | null;
  /** `link-netns NAME` in text, `link_netnsid` in JSON. */
  linkNetnsName: string | null;
  linkNetnsId: number | null;
  vxlan: VxlanInfo | null;
  source: SourceRef;
}

export interface NetAddress {
  ifname: string;
  ifindex: number | null;
  family: 'inet' | 'inet6';
  address: string;
  prefixLen: number;
  scope: string | null;
  source: SourceRef;
}

export interface Route {
  family: 'inet' | 'inet6';
  table: string;
  /** unicast, local, broadcast, blackhole, unreachable, prohibit, throw, multicast, anycast */
  type: string;
  /** 'default' or a CIDR (a bare address is normalised to /32 or /128). */
  dst: string;
  gateway: string | null;
  dev: string | null;
  protocol: string | null;
  scope: string | null;
  prefsrc: string | null;
  metric: number | null;
  flags: string[];
  source: SourceRef;
}

export interface IpRule {
  family: 'inet' | 'inet6';
  priority: number;
  src: string | null;
  dst: string | null;
  fwmark: string | null;
  iif: string | null;
  oif: string | null;
  /** lookup table, or null when the action is not a lookup */
  table: string | null;
  action: string;
  not: boolean;
  source: SourceRef;
}

export interface Neighbour {
  dst: string;
  dev: string;
  lladdr: string | null;
  state: string[];
  source: SourceRef;
}

export interface FdbEntry {
  mac: string;
  dev: string;
  dst: string | null;
  master: string | null;
  vlan: number | null;
  flags: string[];
  state: string | null;
  source: SourceRef;
}

export interface NetnsEntry {
  name: string | null;
  nsid: number | null;
  source: SourceRef;
}

/** What was captured inside one network namespace of a node (`ip -n NAME …`). */
export interface NamespaceCapture {
  name: string;
  interfaces: NetInterface[];
  addresses: NetAddress[];
  routes: Route[];
}

/** One pod sandbox as crictl reports it (pods + inspectp). */
export interface Sandbox {
  id: string;
  podName: string;
  namespace: string;
  podUid: string | null;
  state: string | null;
  netnsPath: string | null;
  ip: string | null;
  source: SourceRef;
}

// ---------------------------------------------------------------------------------------------
// nftables

export type NftFamily = 'ip' | 'ip6' | 'inet' | 'arp' | 'bridge' | 'netdev';

export interface NftCounter {
  packets: number;
  bytes: number;
}

/** A value on the right-hand side of a match, or a map key. */
export type NftValue =
  | { kind: 'literal'; text: string }
  | { kind: 'prefix'; address: string; length: number }
  | { kind: 'range'; from: string; to: string }
  | { kind: 'set'; elements: NftValue[] }
  | { kind: 'setref'; name: string }
  | { kind: 'concat'; parts: NftValue[] };

/**
 * The left-hand side of a match: a selector such as `ip daddr`, `tcp dport`, `meta l4proto`,
 * `fib daddr type`, `ct state`, `meta mark`, `meta random`, `iifname`, with an optional bitmask
 * (`meta mark & 0x4000`) or a concatenation (`ip daddr . meta l4proto . th dport`).
 */
export interface NftOperand {
  selectors: string[];
  mask: number | null;
}

export type NftOp = '==' | '!=' | '<' | '>' | '<=' | '>=';

export type NftVerdictKind =
  | 'accept'
  | 'drop'
  | 'reject'
  | 'return'
  | 'continue'
  | 'jump'
  | 'goto'
  | 'queue';

export interface NftVerdict {
  kind: NftVerdictKind;
  target: string | null;
  /** e.g. `reject with icmp type host-unreachable` keeps `with icmp type host-unreachable` */
  argument: string | null;
}

export interface NftMapElement {
  key: NftValue;
  verdict: NftVerdict | null;
  /** for data maps (non-verdict), the mapped value */
  value: NftValue | null;
}

export type NftMapRef =
  | { kind: 'inline'; elements: NftMapElement[] }
  | { kind: 'named'; name: string };

export type NftStatement =
  | { kind: 'match'; left: NftOperand; op: NftOp; right: NftValue; text: string }
  | { kind: 'counter'; packets: number; bytes: number; text: string }
  | {
      kind: 'nat';
      type: 'dnat' | 'snat' | 'masquerade' | 'redirect';
      /** address (or address range) the packet is rewritten to; null for masquerade */
      address: string | null;
      port: string | null;
      flags: string[];
      text: string;
    }
  | {
      kind: 'nat-map';
      /** `dnat to ip daddr . tcp dport map @x` style: computed from a map */
      type: 'dnat' | 'snat';
      key: NftOperand;
      map: NftMapRef;
      text: string;
    }
  | {
      kind: 'mark-set';
      target: 'meta mark' | 'ct mark';
      /** the new mark = (old op value); `set` replaces it */
      op: 'set' | 'or' | 'xor' | 'and';
      value: number;
      text: string;
    }
  | { kind: 'vmap'; key: NftOperand; map: NftMapRef; text: string }
  | { kind: 'numgen-vmap'; mode: 'random' | 'inc'; mod: number; offset: number; map: NftMapRef; text: string }
  | { kind: 'verdict'; verdict: NftVerdict; text: string }
  | { kind: 'comment'; text: string }
  /** log, limit, notrack, ct helper, … : no effect on the path */
  | { kind: 'passive'; text: string }
  /** xt remnants (`xt match physdev`, `# PHYSDEV match …`) and anything unparsed: kept verbatim */
  | { kind: 'unknown'; text: string };

export interface NftRule {
  /** 0-based position within the chain (evaluation order) */
  position: number;
  handle: number | null;
  /** the rule as printed, whitespace-collapsed */
  text: string;
  counter: NftCounter | null;
  comment: string | null;
  statements: NftStatement[];
  source: SourceRef;
}

export interface NftChain {
  name: string;
  /** base chain properties; null hook for a regular chain */
  type: string | null;
  hook: string | null;
  /** numeric priority (named priorities resolved: dstnat=-100, srcnat=100, filter=0, …) */
  priority: number | null;
  device: string | null;
  policy: 'accept' | 'drop' | null;
  comment: string | null;
  rules: NftRule[];
  source: SourceRef;
}

export interface NftSet {
  name: string;
  /** 'set' or 'map' (a map whose data type is `verdict` is a verdict map) */
  kind: 'set' | 'map';
  keyType: string;
  dataType: string | null;
  flags: string[];
  comment: string | null;
  elements: NftMapElement[];
  source: SourceRef;
}

export interface NftTable {
  family: NftFamily;
  name: string;
  comment: string | null;
  chains: NftChain[];
  sets: NftSet[];
  source: SourceRef;
}

export interface NftRuleset {
  tables: NftTable[];
}

// ---------------------------------------------------------------------------------------------
// Kubernetes objects (kubectl -o json)

export interface ServicePort {
  name: string | null;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  port: number;
  targetPort: string | number | null;
  nodePort: number | null;
}

export interface KubeService {
  namespace: string;
  name: string;
  uid: string | null;
  type: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
  clusterIPs: string[];
  externalIPs: string[];
  loadBalancerIPs: string[];
  loadBalancerSourceRanges: string[];
  ports: ServicePort[];
  selector: Record<string, string> | null;
  externalTrafficPolicy: 'Cluster' | 'Local' | null;
  internalTrafficPolicy: 'Cluster' | 'Local' | null;
  sessionAffinity: 'None' | 'ClientIP';
  sessionAffinityTimeout: number | null;
  healthCheckNodePort: number | null;
  externalName: string | null;
  annotations: Record<string, string>;
  source: SourceRef;
}

export interface KubeEndpoint {
  addresses: string[];
  ready: boolean | null;
  serving: boolean | null;
  terminating: boolean | null;
  nodeName: string | null;
  podNamespace: string | null;
  podName: string | null;
  zone: string | null;
}

export interface EndpointPort {
  name: string | null;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  port: number;
}

export interface KubeEndpointSlice {
  namespace: string;
  name: string;
  serviceName: string | null;
  addressType: string;
  ports: EndpointPort[];
  endpoints: KubeEndpoint[];
  /** true when converted from a legacy v1 Endpoints object */
  legacy: boolean;
  source: SourceRef;
}

export interface KubePod {
  namespace: string;
  name: string;
  uid: string | null;
  nodeName: string | null;
  podIPs: string[];
  hostIP: string | null;
  hostNetwork: boolean;
  phase: string | null;
  labels: Record<string, string>;
  containers: string[];
  source: SourceRef;
}

export interface KubeNode {
  name: string;
  addresses: { type: string; address: string }[];
  podCIDRs: string[];
  annotations: Record<string, string>;
  labels: Record<string, string>;
  source: SourceRef;
}

export interface KubeEvent {
  namespace: string;
  involvedKind: string | null;
  involvedNamespace: string | null;
  involvedName: string | null;
  type: string | null;
  reason: string | null;
  message: string | null;
  component: string | null;
  count: number | null;
  lastTimestamp: string | null;
  source: SourceRef;
}

export interface ClusterData {
  services: KubeService[];
  endpointSlices: KubeEndpointSlice[];
  pods: KubePod[];
  nodes: KubeNode[];
  events: KubeEvent[];
}

// ---------------------------------------------------------------------------------------------
// A captured node and a whole snapshot

export interface NodeData {
  name: string;
  interfaces: NetInterface[];
  addresses: NetAddress[];
  routes: Route[];
  ipRules: IpRule[];
  neighbours: Neighbour[];
  fdb: FdbEntry[];
  netns: NetnsEntry[];
  namespaces: NamespaceCapture[];
  sandboxes: Sandbox[];
  ruleset: NftRuleset | null;
  sysctls: Record<string, string>;
}

export interface SnapshotData {
  id: number;
  name: string;
  createdAt: string | null;
  nodes: NodeData[];
  cluster: ClusterData;
}
