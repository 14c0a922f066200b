import type { Finding } from '../findings';
import type { SourceRef } from '../model';

/**
 * How one link of the chain host veth ↔ netns ↔ pod interface ↔ pod was established or checked.
 * - `netns-name`: the host veth's `link-netns NAME`
 * - `netns-id`: the host veth's `link-netnsid N`, named by `ip netns list-id`
 * - `peer-ifindex`: the host veth's `@ifN` and the pod interface's iflink point at each other
 * - `mac`: the host's neighbour table maps the pod IP to the pod interface's MAC
 * - `fdb`: the bridge learned the pod interface's MAC on this veth's port
 * - `host-route`: a host route `POD_IP/32 dev VETH` (Calico `cali…`, Cilium `lxc…`)
 * - `pod-ip`: the pod (kubectl) that owns the address on this node
 * - `sandbox-netns`: the crictl sandbox whose netns path is this netns
 */
export type VethMethod =
  | 'netns-name'
  | 'netns-id'
  | 'peer-ifindex'
  | 'mac'
  | 'fdb'
  | 'host-route'
  | 'pod-ip'
  | 'sandbox-netns';

export interface VethMethodResult {
  method: VethMethod;
  /** false when this source contradicts the match as reported */
  agrees: boolean;
  detail: string;
}

export type VethConfidence = 'high' | 'medium' | 'low';

/**
 * One host-side veth and everything it was correlated with. Every host veth of every captured node
 * gets one, matched or not: the unmatched parts are null and explained by findings.
 */
export interface VethMatch {
  node: string;
  hostIfname: string;
  hostIfindex: number;
  /** `@ifN` of the host veth: the pod interface's ifindex inside its netns */
  peerIfindex: number | null;
  hostMac: string | null;
  /** the bridge the veth is enslaved to (`cni0`, `docker0`); null for routed CNIs (Calico, Cilium) */
  master: string | null;
  netns: string | null;
  netnsId: number | null;
  podIfname: string | null;
  podIfindex: number | null;
  podMac: string | null;
  /**
   * The pod side's addresses: read from the pod interface when its netns was captured, otherwise
   * inferred from host routes, the bridge FDB with the neighbour table, or the crictl sandbox.
   */
  addresses: string[];
  podNamespace: string | null;
  podName: string | null;
  sandboxId: string | null;
  methods: VethMethodResult[];
  /** high ≥ 0.8, medium ≥ 0.5, low below */
  confidence: VethConfidence;
  /**
   * 0..1. A base for how the pod interface was found (0.8: netns identity; 0.5: unique iflink;
   * 0.4: netns known but not captured; 0.2: neither), +0.1 for each agreeing check, −0.25 for each
   * contradiction, and at most 0.75 (medium) while any conflict stands.
   */
  score: number;
  conflicts: string[];
  evidence: SourceRef[];
}

export interface VethCorrelation {
  /** sorted by node, then host ifindex */
  matches: VethMatch[];
  findings: Finding[];
}

export type VethFindingCode =
  | 'veth-netns-not-captured'
  | 'veth-peer-not-found'
  | 'veth-without-pod'
  | 'netns-without-veth'
  | 'correlation-conflict'
  | 'pod-without-interface'
  | 'hostnetwork-pod'
  | 'duplicate-pod-ip';
