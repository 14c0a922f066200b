// Entry points: where a Service's traffic enters the cluster (ClusterIP from each node, NodePort
// on each captured node, LoadBalancer and external IPs on the node that answers ARP) and where a
// user-given flow starts. Each becomes the root of a PathTree.

import type { KubePod, KubeService, ServicePort } from '../model';
import { vethForPod } from '../veths';
import { type Announcer, type CapturedNode, type TraceContext } from './context';
import { canonicalIp, cidrContains, parseCidr, parseIp } from './ip';
import { interfaceAddress } from './routing';
import type { EntryPoint, Hop, PacketState, PathSegment, Protocol, ServiceRef } from './types';
import { DEFAULT_MAX_LEAVES, hop, run, type RunBudget } from './walk';
import { newCursor } from './netfilter';
import { append, type Walk } from './walk-types';

export interface Origin {
  /** an external client (address or unknown) entering on a node */
  kind: 'external' | 'host' | 'pod';
  src: string | null;
  pod: KubePod | null;
}

export function protocolOf(p: ServicePort['protocol']): Protocol {
  return p.toLowerCase() as Protocol;
}

function initialPacket(dst: string, port: number, protocol: Protocol, src: string | null): PacketState {
  return {
    src,
    dst: canonicalIp(dst),
    dport: port,
    protocol,
    mark: 0,
    ctMark: 0,
    iif: null,
    oif: null,
    conntrack: { origDst: canonicalIp(dst), origDport: port, dnat: null, snat: null },
  };
}

function newWalk(ctx: TraceContext, node: CapturedNode, packet: PacketState, service: ServiceRef | null): Walk {
  return {
    ctx,
    node,
    stage: 'prerouting',
    nf: null,
    packet,
    route: null,
    nextHop: null,
    toLocal: false,
    locallyGenerated: false,
    hops: [],
    chains: null,
    nodes: append(null, node.name),
    probability: 1,
    inferred: false,
    assumptions: null,
    conditions: {},
    service,
    endpoint: null,
    path: null,
    seen: null,
  };
}

/** The interface an external packet for `address` arrives on: same subnet, else the node IP's. */
function arrivalInterface(node: CapturedNode, address: string): string | null {
  const ip = parseIp(address);
  const local = node.net.localAddresses.get(canonicalIp(address));
  if (local) return local.ifname;
  for (const a of node.data.addresses) {
    const c = parseCidr(`${a.address}/${a.prefixLen}`);
    if (ip && c && a.scope !== 'host' && c.len > 0 && cidrContains(c, ip)) {
      const kind = node.net.interfaces.get(a.ifname)?.kind;
      if (kind !== 'bridge' && kind !== 'veth') return a.ifname;
    }
  }
  const internal = nodeInternalIp(node.data.name, node);
  return internal ? (node.net.localAddresses.get(canonicalIp(internal))?.ifname ?? null) : null;
}

function nodeInternalIp(name: string, node: CapturedNode | null, ctx?: TraceContext): string | null {
  const kube = ctx?.clusterNodeByName.get(name);
  const internal = kube?.addresses.find((a) => a.type === 'InternalIP' && !a.address.includes(':'));
  if (internal) return internal.address;
  if (!node) return null;
  for (const a of node.data.addresses) {
    const kind = node.net.interfaces.get(a.ifname)?.kind ?? '';
    if (a.family === 'inet' && a.scope !== 'host' && !['bridge', 'veth', 'vxlan', 'loopback'].includes(kind) && a.ifname !== 'lo') {
      return a.address;
    }
  }
  return null;
}

/** The address a NodePort is reached at on a node. */
export function nodePortAddress(ctx: TraceContext, node: CapturedNode): string | null {
  return nodeInternalIp(node.name, node, ctx);
}

/** Start an external packet on a node (after its ARP / arrival hops). */
function externalStart(ctx: TraceContext, node: CapturedNode, packet: PacketState, service: ServiceRef | null): Walk {
  const w = newWalk(ctx, node, packet, service);
  const iif = arrivalInterface(node, packet.dst);
  packet.iif = iif;
  const iface = iif ? node.net.interfaces.get(iif) : undefined;
  w.hops.push(
    hop(
      w,
      'ingress',
      'RECEIVED',
      iif
        ? { type: 'interface', name: iif, ifindex: iface?.ifindex ?? null, kind: iface?.kind ?? null, address: interfaceAddress(node.net, iif, null)?.address ?? null }
        : { type: 'node', name: node.name },
      `${packet.src ?? 'external client'} → ${packet.dst}:${packet.dport}/${packet.protocol} arrives on ${node.name}${iif ? ` via ${iif}` : ''}`,
      iface ? [iface.source] : [],
    ),
  );
  w.nf = newCursor('prerouting');
  return w;
}

function hostStart(ctx: TraceContext, node: CapturedNode, packet: PacketState, service: ServiceRef | null): Walk {
  const w = newWalk(ctx, node, packet, service);
  w.locallyGenerated = true;
  w.stage = 'route-out';
  w.hops.push(
    hop(w, 'origin', 'ORIGINATED', { type: 'node', name: node.name }, `a process on ${node.name} connects to ${packet.dst}:${packet.dport}/${packet.protocol}`),
  );
  return w;
}

function podStart(ctx: TraceContext, node: CapturedNode, pod: KubePod, packet: PacketState, service: ServiceRef | null): Walk {
  const w = newWalk(ctx, node, packet, service);
  const veth = packet.src ? vethForPod(ctx.veths, node.name, packet.src) : null;
  packet.iif = veth?.hostIfname ?? null;
  w.hops.push(
    hop(
      w,
      'origin',
      'ORIGINATED',
      { type: 'pod', namespace: pod.namespace, name: pod.name, address: packet.src ?? '', netns: veth?.netns ?? null, hostNetwork: false },
      `pod ${pod.namespace}/${pod.name} connects to ${packet.dst}:${packet.dport}/${packet.protocol}${veth ? `; enters ${node.name} via ${veth.hostIfname}` : ''}`,
      [pod.source, ...(veth?.evidence ?? [])],
    ),
  );
  w.nf = newCursor('prerouting');
  return w;
}

function announceHop(w: Walk, address: string, a: Announcer): Hop {
  const how =
    a.source === 'metallb-layer2'
      ? 'MetalLB layer 2 (nodeAssigned event)'
      : a.source === 'metallb-bgp'
        ? 'MetalLB BGP (nodeAssigned event)'
        : a.source === 'servicelb'
          ? 'k3s ServiceLB (svclb pod)'
          : a.source === 'node-address'
            ? 'the address is on the node'
            : 'candidate: nothing in the snapshot says which node answers';
  return {
    ...hop(w, 'arp', 'ANNOUNCED', { type: 'announcement', address, node: a.node, source: a.source }, `${a.node} answers ARP for ${address}: ${how}`, a.evidence),
    node: a.node,
  };
}

function summarize(entry: EntryPoint, root: PathSegment) {
  const dispositions: Record<string, number> = {};
  let leafCount = 0;
  const visit = (s: PathSegment) => {
    if (s.end.type === 'leaf') {
      leafCount++;
      dispositions[s.end.disposition] = (dispositions[s.end.disposition] ?? 0) + 1;
    } else {
      for (const b of s.end.branches) visit(b.segment);
    }
  };
  visit(root);
  return { entry, root, leafCount, dispositions };
}

export interface EntryRequest {
  entry: EntryPoint;
  origin: Origin;
  /** the nodes the packet may enter on; several: a 'candidate' (or announcer) fork at the root */
  announcers: Announcer[];
}

/** Run one entry point to its PathTree. */
export function traceEntry(ctx: TraceContext, req: EntryRequest, maxLeaves = DEFAULT_MAX_LEAVES) {
  const budget: RunBudget = { leaves: 0, maxLeaves };
  const { entry, origin } = req;
  const packet = () => initialPacket(entry.address, entry.port, entry.protocol, origin.src);
  const startOn = (a: Announcer, withArp: boolean): { walk: Walk; leaf: PathSegment | null } => {
    const node = ctx.captured.get(a.node);
    if (!node) {
      const stub = newWalk(ctx, { name: a.node } as CapturedNode, packet(), entry.service);
      if (withArp) stub.hops.push(announceHop(stub, entry.address, a));
      stub.hops.push(hop(stub, 'node-not-captured', 'NOT_CAPTURED', { type: 'node', name: a.node }, `node ${a.node} not captured`));
      budget.leaves++;
      return {
        walk: stub,
        leaf: {
          hops: stub.hops,
          end: {
            type: 'leaf',
            id: 'root',
            disposition: 'node-not-captured',
            reason: `enters on node ${a.node}, not captured`,
            probability: stub.probability,
            inferred: false,
            assumptions: [],
            packet: stub.packet,
            service: entry.service,
            endpoint: null,
            nodes: [a.node],
            chains: [],
          },
        },
      };
    }
    if (origin.kind === 'host') return { walk: hostStart(ctx, node, packet(), entry.service), leaf: null };
    if (origin.kind === 'pod' && origin.pod) return { walk: podStart(ctx, node, origin.pod, packet(), entry.service), leaf: null };
    const w = externalStart(ctx, node, packet(), entry.service);
    if (withArp) w.hops.unshift(announceHop(w, entry.address, a));
    return { walk: w, leaf: null };
  };
  const withArp =
    entry.kind === 'load-balancer' ||
    entry.kind === 'external-ip' ||
    (entry.kind === 'flow' && origin.kind === 'external' && req.announcers.some((a) => a.source !== 'node-address'));
  let root: PathSegment;
  if (req.announcers.length === 1) {
    const s = startOn(req.announcers[0], withArp);
    root = s.leaf ?? run(s.walk, budget);
  } else {
    const random = req.announcers.every((a) => a.source === 'metallb-bgp');
    const segments = req.announcers.map((a, i) => {
      const s = startOn(a, withArp);
      s.walk.path = String(i);
      if (s.leaf) {
        (s.leaf.end as { id: string }).id = String(i);
        return s.leaf;
      }
      if (!random) s.walk.assumptions = append(s.walk.assumptions, `${a.node} receives the traffic`);
      s.walk.probability = random ? 1 / req.announcers.length : 1;
      s.walk.inferred = random;
      return run(s.walk, budget);
    });
    root = {
      hops: [],
      end: {
        type: 'fork',
        kind: random ? 'random' : 'candidate',
        node: null,
        reason: random
          ? `${entry.address} is announced over BGP by ${req.announcers.length} nodes: the router spreads flows (equal split assumed)`
          : `which node receives ${entry.address} is not known: every candidate is followed`,
        evidence: req.announcers.flatMap((a) => a.evidence),
        branches: req.announcers.map((a, i) => ({
          label: a.node,
          probability: random ? 1 / req.announcers.length : 1,
          inferred: random,
          assumption: random ? null : `${a.node} receives the traffic`,
          segment: segments[i],
        })),
      },
    };
  }
  return summarize(entry, root);
}

export function serviceRef(svc: KubeService, port: ServicePort): ServiceRef {
  return { namespace: svc.namespace, name: svc.name, portName: port.name, port: port.port, protocol: protocolOf(port.protocol) };
}

export function candidates(ctx: TraceContext, nodes: string[] | undefined): Announcer[] {
  return [...ctx.captured.keys()]
    .filter((n) => !nodes || nodes.includes(n))
    .sort()
    .map((node) => ({ node, source: 'candidate' as const, evidence: [] }));
}
