// The packet path engine's output. These types ARE the JSON shape (`kube-netpath trace --json`,
// the UI path diagram and the diff all read them): plain data only, no Maps, no classes.
//
// A trace is a tree. A PathSegment is a run of hops that ends either in a fork (traffic splits:
// kube-proxy's random endpoint choice, or an assumption the engine had to make) or in a leaf (a
// disposition, Batfish style). Every hop names its node, the concrete object it is about (a rule
// with its counters, a route line, an interface, a netns, a pod), a step action and its evidence.

import type { NftCounter, SourceRef } from '../model';

export type Protocol = 'tcp' | 'udp' | 'sctp';

export type Disposition =
  /** reached a pod, or a host process (hostNetwork endpoint, node-local address) */
  | 'delivered'
  /** a reject verdict, or a route of type prohibit */
  | 'rejected'
  /** a drop verdict, a drop policy, a blackhole route, forwarding disabled, no bridge port */
  | 'dropped'
  /** no route matched, or a route of type unreachable */
  | 'no-route'
  /** the path continues on a node whose data is not in the snapshot */
  | 'node-not-captured'
  /** a rule or object the engine cannot evaluate decides the verdict */
  | 'unevaluable'
  /** a chain jump loop or a routing loop */
  | 'loop'
  /** routed out of the cluster through a gateway that is not a node */
  | 'exited-cluster';

export const DISPOSITIONS: readonly Disposition[] = [
  'delivered',
  'rejected',
  'dropped',
  'no-route',
  'node-not-captured',
  'unevaluable',
  'loop',
  'exited-cluster',
];

export type HopKind =
  /** who answers ARP for the address (MetalLB layer 2, ServiceLB, candidates) */
  | 'arp'
  /** the packet enters a node (the entry point, or the far end of a tunnel / gateway hop) */
  | 'ingress'
  /** a host process sends the packet (locally generated traffic) */
  | 'origin'
  | 'nft'
  | 'route'
  | 'overlay'
  | 'bridge'
  | 'veth'
  | 'pod'
  | 'host'
  | 'node-not-captured'
  | 'exit'
  | 'drop'
  | 'reject'
  | 'unevaluable'
  | 'loop';

/** What happened at a hop, in Batfish's vocabulary where it has a word for it. */
export type StepAction =
  | 'ANNOUNCED'
  | 'RECEIVED'
  | 'ORIGINATED'
  /** a rule matched and its verdict moved the packet on (jump, goto, return, accept, vmap hit) */
  | 'MATCHED'
  /** a rule rewrote the packet: dnat, snat, masquerade, redirect, mark */
  | 'TRANSFORMED'
  | 'ROUTED'
  | 'FORWARDED'
  | 'ENCAPSULATED'
  | 'BRIDGED'
  | 'DELIVERED'
  | 'DROPPED'
  | 'REJECTED'
  | 'NO_ROUTE'
  | 'NOT_CAPTURED'
  | 'EXITED'
  | 'LOOP'
  /** a rule or selector the engine cannot evaluate; the hop says what was assumed */
  | 'UNEVALUABLE';

export interface ServiceRef {
  namespace: string;
  name: string;
  /** the service port's name, or null for an unnamed port */
  portName: string | null;
  port: number | null;
  protocol: Protocol;
}

export interface EndpointRef {
  address: string;
  port: number | null;
  podNamespace: string | null;
  podName: string | null;
  nodeName: string | null;
  ready: boolean | null;
}

export type AnnouncerSource =
  /** MetalLB's `nodeAssigned` event: 'announcing from node "X" with protocol "layer2"' */
  | 'metallb-layer2'
  /** MetalLB's `nodeAssigned` event with protocol "bgp": every such node announces */
  | 'metallb-bgp'
  /** a k3s ServiceLB (klipper-lb) `svclb-…` pod runs on the node */
  | 'servicelb'
  /** the address is on one of the node's interfaces */
  | 'node-address'
  /** nothing in the snapshot says which node answers: every captured node is a candidate */
  | 'candidate';

export type HopObject =
  | { type: 'announcement'; address: string; node: string; source: AnnouncerSource }
  | { type: 'interface'; name: string; ifindex: number | null; kind: string | null; address: string | null }
  | {
      type: 'nft-rule';
      family: string;
      table: string;
      chain: string;
      /** 0-based position in the chain */
      position: number;
      handle: number | null;
      text: string;
    }
  | {
      type: 'nft-chain';
      family: string;
      table: string;
      chain: string;
      hook: string | null;
      priority: number | null;
      policy: 'accept' | 'drop' | null;
    }
  | {
      type: 'route';
      /** the route as `ip route` prints it */
      line: string;
      table: string;
      /** the ip rule that selected the table (`32766: from all lookup main`), or null when defaulted */
      rule: string | null;
    }
  | {
      type: 'tunnel';
      device: string;
      /** the node at the other end, or null when it could not be identified */
      remoteNode: string | null;
      underlayAddress: string | null;
      /** the VTEP MAC for vxlan overlays */
      vtepMac: string | null;
    }
  | {
      type: 'veth';
      hostIfname: string;
      hostIfindex: number | null;
      netns: string | null;
      podIfname: string | null;
    }
  | {
      type: 'pod';
      namespace: string;
      name: string;
      address: string;
      netns: string | null;
      hostNetwork: boolean;
    }
  | { type: 'host'; node: string; address: string }
  | { type: 'node'; name: string }
  | { type: 'text'; text: string };

/** One rewrite of the packet at a hop. */
export interface Transform {
  field: 'src' | 'dst' | 'dport' | 'mark' | 'ctMark';
  kind: 'dnat' | 'snat' | 'masquerade' | 'redirect' | 'mark';
  from: string | null;
  to: string | null;
}

export interface Hop {
  kind: HopKind;
  node: string | null;
  action: StepAction;
  object: HopObject;
  /** one line for humans: `jump KUBE-SVC-…`, `dnat to 10.42.0.204:80`, `via 10.42.0.0 dev flannel.1` */
  detail: string;
  evidence: SourceRef[];
  counters: NftCounter | null;
  transforms: Transform[];
  service: ServiceRef | null;
  endpoint: EndpointRef | null;
}

/** The packet as it stands: addresses after NAT, mark, and what conntrack recorded on this node. */
export interface PacketState {
  /** null: an external client whose address is unknown */
  src: string | null;
  dst: string;
  dport: number;
  protocol: Protocol;
  mark: number;
  ctMark: number;
  /** the interface the packet came in on (`lo` for locally generated), or null before entry */
  iif: string | null;
  /** the interface chosen by routing, or null before routing */
  oif: string | null;
  conntrack: {
    /** the connection's original destination, as the client sent it */
    origDst: string;
    origDport: number;
    /** the destination NAT this node applied, if any */
    dnat: { address: string; port: number | null } | null;
    /** the source NAT (snat / masquerade) this node applied, if any */
    snat: { address: string; kind: 'snat' | 'masquerade' } | null;
  };
}

/** A (table, chain) the packet entered, in order: comparable with `nft monitor trace`. */
export interface ChainVisit {
  node: string;
  family: string;
  table: string;
  chain: string;
}

export type ForkKind =
  /** a random split the kernel makes per new connection: probabilities sum to 1 */
  | 'random'
  /** the answer depends on something the snapshot does not pin down (the client's source address) */
  | 'condition'
  /** a rule the engine cannot evaluate: both outcomes are followed, each marked as an assumption */
  | 'unevaluable'
  /** which node receives the traffic is not known: each candidate node is followed */
  | 'candidate';

export interface PathBranch {
  label: string;
  /** per-branch probability, conditional on reaching the fork (1 for non-random forks) */
  probability: number;
  /** the probability comes from kube-proxy's convention, not from the rule text */
  inferred: boolean;
  /** for non-random forks: what this branch assumes */
  assumption: string | null;
  segment: PathSegment;
}

export interface PathFork {
  type: 'fork';
  kind: ForkKind;
  node: string | null;
  /** what splits: the rule, vmap or selector */
  reason: string;
  evidence: SourceRef[];
  branches: PathBranch[];
}

export interface PathLeaf {
  type: 'leaf';
  /** the branch indices from the root, dot-joined (`0.2.1`); `root` for an unforked path */
  id: string;
  disposition: Disposition;
  reason: string;
  /** product of the random forks' probabilities on the way (conditional on the assumptions) */
  probability: number;
  /** some probability on the way was inferred from kube-proxy's convention */
  inferred: boolean;
  /** what the non-random forks on the way assumed */
  assumptions: string[];
  packet: PacketState;
  service: ServiceRef | null;
  endpoint: EndpointRef | null;
  /** the nodes crossed, in order */
  nodes: string[];
  chains: ChainVisit[];
}

export interface PathSegment {
  hops: Hop[];
  end: PathFork | PathLeaf;
}

export type EntryKind = 'cluster-ip' | 'node-port' | 'load-balancer' | 'external-ip' | 'flow';

export interface EntryPoint {
  kind: EntryKind;
  /** human label: `LoadBalancer 192.168.28.61:80/tcp` */
  label: string;
  address: string;
  port: number;
  protocol: Protocol;
  /** where the packet comes from: an address, 'external' or 'host' (a process on `node`) */
  from: string;
  /** the node the packet enters (or originates on); null when candidates are forked at the root */
  node: string | null;
  service: ServiceRef | null;
}

export interface PathTree {
  entry: EntryPoint;
  root: PathSegment;
  leafCount: number;
  dispositions: Partial<Record<Disposition, number>>;
}

export interface ServiceTrace {
  namespace: string;
  name: string;
  type: string;
  /** facts about the Service that qualify its trees (session affinity, no entry points, …) */
  notes: string[];
  trees: PathTree[];
}

export interface TraceOptions {
  /** restrict entry points (NodePort nodes, ClusterIP origins, LB candidates) to these nodes */
  nodes?: string[];
  /** stop exploring a tree beyond this many leaves (remaining branches end 'unevaluable') */
  maxLeaves?: number;
}

export interface FlowSpec {
  to: string;
  port: number;
  protocol?: Protocol;
  /** an IP address, or 'external' (the default) */
  from?: string;
  /** the node the packet enters; inferred from the addresses when absent */
  node?: string;
}

export interface ServiceSelector {
  namespace: string;
  name: string;
  /** a port name or number; all ports when absent */
  port?: string | number;
}
