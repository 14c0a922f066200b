// The path engine: runs a Walk through a node's pipeline in the kernel's order and across nodes,
// producing a tree that forks wherever traffic splits.
//
//   arriving:            prerouting → routing → input → local delivery
//                                            └→ forward → postrouting → egress
//   locally generated:   routing → output → re-routing → postrouting → egress (or input → local)
//   egress:              bridge → veth → pod | veth → pod | overlay / gateway → next node

import type { IpRule, Route, SourceRef } from '../model';
import { vethForPod } from '../veths';
import type { VethMatch } from '../veths';
import { nodeForAddress, type CapturedNode } from './context';
import { canonicalIp } from './ip';
import { cloneCursor, newCursor, nfStep } from './netfilter';
import {
  interfaceAddress,
  lookupRoute,
  routeEvidence,
  routeLine,
  ruleLine,
  type RouteResult,
} from './routing';
import type {
  Disposition,
  Hop,
  HopKind,
  HopObject,
  PathBranch,
  PathLeaf,
  PathSegment,
  StepAction,
} from './types';
import { append, NO_EVIDENCE, NO_TRANSFORMS, trailArray, type BranchSpec, type Outcome, type Stage, type Walk } from './walk-types';

const OVERLAY_KINDS: ReadonlySet<string> = new Set(['vxlan', 'ipip', 'wireguard', 'geneve', 'gre', 'gretap', 'ip6tnl', 'sit', 'vti']);
const MAX_NODE_HOPS = 16;
export const DEFAULT_MAX_LEAVES = 1024;

export interface RunBudget {
  leaves: number;
  maxLeaves: number;
}

/** A copy of a walk for a branch: its own packet, cursor and hops; trails and conditions are shared (never mutated). */
export function cloneWalk(w: Walk): Walk {
  return {
    ...w,
    nf: w.nf ? cloneCursor(w.nf) : null,
    packet: { ...w.packet, conntrack: { ...w.packet.conntrack } },
    hops: [],
  };
}

export function hop(
  w: Walk,
  kind: HopKind,
  action: StepAction,
  object: HopObject,
  detail: string,
  evidence: Hop['evidence'] = NO_EVIDENCE,
): Hop {
  return { kind, node: w.node.name, action, object, detail, evidence, counters: null, transforms: NO_TRANSFORMS, service: w.service, endpoint: w.endpoint };
}

/** What a hop shows apart from the walk's service and endpoint. */
interface Payload {
  object: HopObject;
  detail: string;
  evidence: SourceRef[];
}

/**
 * A value that depends only on its owner (a node, a route, a veth) and a key, built on first use
 * and shared by every path that needs it: a route's hop payload, a tunnel's far end, an interface.
 */
function cached<K, T>(cache: WeakMap<object, Map<K, T>>, owner: object, key: K, build: () => T): T {
  let byKey = cache.get(owner);
  if (!byKey) {
    byKey = new Map();
    cache.set(owner, byKey);
  }
  let value = byKey.get(key);
  if (value === undefined) {
    value = build();
    byKey.set(key, value);
  }
  return value;
}

function payloadHop(w: Walk, kind: HopKind, action: StepAction, p: Payload): Hop {
  return hop(w, kind, action, p.object, p.detail, p.evidence);
}

function makeLeaf(w: Walk, disposition: Disposition, reason: string): PathLeaf {
  return {
    type: 'leaf',
    id: w.path ?? 'root',
    disposition,
    reason,
    probability: w.probability,
    inferred: w.inferred,
    assumptions: trailArray(w.assumptions),
    packet: w.packet,
    service: w.service,
    endpoint: w.endpoint,
    nodes: trailArray(w.nodes),
    chains: trailArray(w.chains),
  };
}

/** Explore a walk to its leaves. `pending` is an outcome already decided for it. */
export function run(w: Walk, budget: RunBudget, pending: Outcome | null = null): PathSegment {
  let outcome = pending;
  while (outcome === null) outcome = step(w);
  if (outcome.type === 'leaf') {
    budget.leaves++;
    return { hops: w.hops, end: makeLeaf(w, outcome.disposition, outcome.reason) };
  }
  if (budget.leaves + outcome.branches.length > budget.maxLeaves) {
    budget.leaves++;
    w.hops.push(hop(w, 'unevaluable', 'UNEVALUABLE', { type: 'text', text: outcome.reason }, 'path budget exhausted: branches not explored'));
    return { hops: w.hops, end: makeLeaf(w, 'unevaluable', `more than ${budget.maxLeaves} paths: stopped exploring`) };
  }
  const spec = outcome;
  const hops = w.hops;
  const last = spec.branches.length - 1;
  const branches: PathBranch[] = spec.branches.map((b: BranchSpec, i) => {
    // The last branch takes the walk itself: the others were copied from it before.
    const child = i === last ? w : cloneWalk(w);
    if (i === last) w.hops = [];
    child.path = child.path === null ? String(i) : `${child.path}.${i}`;
    child.probability *= b.probability;
    child.inferred ||= b.inferred;
    if (b.assumption !== null) child.assumptions = append(child.assumptions, b.assumption);
    const first = b.apply(child);
    return {
      label: b.label,
      probability: b.probability,
      inferred: b.inferred,
      assumption: b.assumption,
      segment: run(child, budget, first),
    };
  });
  return {
    hops,
    end: { type: 'fork', kind: spec.kind, node: w.node.name, reason: spec.reason, evidence: spec.evidence, branches },
  };
}

function enterHook(w: Walk, stage: Stage & ('prerouting' | 'input' | 'forward' | 'output' | 'postrouting')): void {
  w.stage = stage;
  w.nf = newCursor(stage);
}

function step(w: Walk): Outcome | null {
  switch (w.stage) {
    case 'prerouting':
    case 'input':
    case 'forward':
    case 'output':
    case 'postrouting': {
      const r = nfStep(w);
      if (r !== 'done') return r;
      w.nf = null;
      return afterHook(w);
    }
    case 'route-in':
    case 'route-out':
    case 'reroute':
      return routeStep(w);
    case 'egress':
      return egress(w);
    case 'local':
      return deliverLocal(w);
  }
}

function afterHook(w: Walk): Outcome | null {
  switch (w.stage) {
    case 'prerouting':
      w.stage = 'route-in';
      return null;
    case 'input':
      w.stage = 'local';
      return null;
    case 'forward':
      enterHook(w, 'postrouting');
      return null;
    case 'output':
      w.stage = 'reroute';
      return null;
    case 'postrouting':
      if (w.toLocal) enterHook(w, 'input');
      else w.stage = 'egress';
      return null;
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Routing

function routeObject(route: Route, rule: string | null): HopObject {
  return { type: 'route', line: routeLine(route), table: route.table, rule };
}

/** A route's ROUTED payload, by the ip rule that selected its table (a route belongs to one node). */
const routePayloads = new WeakMap<object, Map<IpRule, Payload>>();

/** Was the packet's destination routed at this stage on this node before (a routing loop)? */
function routedBefore(w: Walk): boolean {
  for (let t = w.seen; t; t = t.prev) {
    const r = t.last;
    if (r.node === w.node.name && r.dst === w.packet.dst && r.stage === w.stage) return true;
  }
  return false;
}

function routeStep(w: Walk): Outcome | null {
  const net = w.node.net;
  const p = w.packet;
  if (routedBefore(w) || w.nodes.size > MAX_NODE_HOPS) {
    w.hops.push(hop(w, 'loop', 'LOOP', { type: 'node', name: w.node.name }, `routing loop: ${p.dst} routed on ${w.node.name} again`));
    return { type: 'leaf', disposition: 'loop', reason: `routing loop at ${w.node.name}` };
  }
  w.seen = append(w.seen, { node: w.node.name, dst: p.dst, stage: w.stage });
  const iif = w.locallyGenerated ? 'lo' : (p.iif ?? 'lo');
  // Not cached: after DNAT nearly every query names another pod, and the lookup allocates little.
  const result: RouteResult = lookupRoute(net, { src: p.src, dst: p.dst, mark: p.mark, iif });
  if (result.kind === 'none') {
    w.hops.push(
      hop(w, 'route', 'NO_ROUTE', { type: 'text', text: `no route to ${p.dst}` }, `no route to ${p.dst} (${result.rulesTried.length} ip rules tried)`, result.rulesTried.map((r) => r.source)),
    );
    return { type: 'leaf', disposition: 'no-route', reason: `no route to ${p.dst} on ${w.node.name}` };
  }
  if (result.kind === 'rule-action') {
    const line = ruleLine(result.rule);
    const disposition: Disposition =
      result.rule.action === 'blackhole' ? 'dropped' : result.rule.action === 'prohibit' ? 'rejected' : 'no-route';
    const action: StepAction = disposition === 'dropped' ? 'DROPPED' : disposition === 'rejected' ? 'REJECTED' : 'NO_ROUTE';
    w.hops.push(hop(w, 'route', action, { type: 'text', text: line }, `ip rule ${line}`, [result.rule.source]));
    return { type: 'leaf', disposition, reason: `ip rule ${result.rule.priority}: ${result.rule.action}` };
  }
  if (result.routes.length === 1) return takeRoute(w, result.routes[0], result);
  return {
    type: 'fork',
    kind: 'random',
    reason: `multipath route to ${p.dst}: the kernel hashes each flow onto one next hop (equal split assumed)`,
    evidence: result.routes.map((r) => r.source),
    branches: result.routes.map((route) => ({
      label: `via ${route.gateway ?? route.dev ?? '?'}`,
      probability: 1 / result.routes.length,
      inferred: true,
      assumption: null,
      apply: (b: Walk) => takeRoute(b, route, result),
    })),
  };
}

/** The packet leaves the routing decision by `route`, one of those `found` offers. */
function takeRoute(w: Walk, route: Route, found: Extract<RouteResult, { kind: 'route' }>): Outcome | null {
  const routed = cached(routePayloads, route, found.rule, (): Payload => ({
    object: routeObject(route, found.rulesDefaulted ? null : ruleLine(found.rule)),
    detail: routeLine(route),
    evidence: routeEvidence(route, found.rule, found.rulesDefaulted),
  }));
  w.hops.push(payloadHop(w, 'route', 'ROUTED', routed));
  return applyRoute(w, route);
}

function applyRoute(w: Walk, route: Route): Outcome | null {
  const p = w.packet;
  switch (route.type) {
    case 'blackhole':
      w.hops.push(hop(w, 'drop', 'DROPPED', routeObject(route, null), 'blackhole route', [route.source]));
      return { type: 'leaf', disposition: 'dropped', reason: `blackhole route ${route.dst}` };
    case 'unreachable':
      return { type: 'leaf', disposition: 'no-route', reason: `unreachable route ${route.dst}` };
    case 'prohibit':
      w.hops.push(hop(w, 'reject', 'REJECTED', routeObject(route, null), 'prohibit route', [route.source]));
      return { type: 'leaf', disposition: 'rejected', reason: `prohibit route ${route.dst}` };
    default:
      break;
  }
  const local = route.type === 'local' || route.type === 'broadcast';
  w.route = route;
  w.toLocal = local;
  w.nextHop = local ? null : (route.gateway ?? p.dst);
  p.oif = local ? 'lo' : route.dev;
  if (w.stage === 'route-out') {
    if (p.src === null) {
      p.src = route.prefsrc ?? (route.dev ? interfaceAddress(w.node.net, route.dev, w.nextHop)?.address ?? null : null) ?? p.dst;
    }
    enterHook(w, 'output');
    return null;
  }
  if (w.stage === 'reroute') {
    enterHook(w, 'postrouting');
    return null;
  }
  if (local) {
    enterHook(w, 'input');
    return null;
  }
  if (w.node.data.sysctls['net.ipv4.ip_forward'] === '0') {
    w.hops.push(hop(w, 'drop', 'DROPPED', { type: 'text', text: 'net.ipv4.ip_forward = 0' }, 'forwarding disabled on the node'));
    return { type: 'leaf', disposition: 'dropped', reason: `net.ipv4.ip_forward is 0 on ${w.node.name}` };
  }
  enterHook(w, 'forward');
  return null;
}

// ---------------------------------------------------------------------------------------------
// Egress: bridge, veth, overlay, gateway

const interfaceObjects = new WeakMap<object, Map<string, HopObject>>();

function interfaceObject(w: Walk, name: string): HopObject {
  return cached(interfaceObjects, w.node, name, () => {
    const iface = w.node.net.interfaces.get(name);
    return {
      type: 'interface',
      name,
      ifindex: iface?.ifindex ?? null,
      kind: iface?.kind ?? null,
      address: interfaceAddress(w.node.net, name, null)?.address ?? null,
    };
  });
}

/** Payloads by their owner (a node, a veth) and a key naming what else they depend on. */
const payloads = new WeakMap<object, Map<string, Payload>>();
/** Leaf reasons shared by every path ending at the same pod. */
const reasons = new WeakMap<object, Map<string, string>>();

function deliverToVeth(w: Walk, veth: VethMatch): Outcome {
  const ctx = w.ctx;
  const p = w.packet;
  const vethPayload = cached(payloads, veth, '', (): Payload => ({
    object: { type: 'veth', hostIfname: veth.hostIfname, hostIfindex: veth.hostIfindex, netns: veth.netns, podIfname: veth.podIfname },
    detail: `${veth.hostIfname}${veth.peerIfindex !== null ? `@if${veth.peerIfindex}` : ''} → ${veth.podIfname ?? '?'} in netns ${veth.netns ?? '?'} (${veth.confidence} confidence)`,
    evidence: veth.evidence,
  }));
  w.hops.push(payloadHop(w, 'veth', 'FORWARDED', vethPayload));
  const pod = ctx.podsByIp.get(canonicalIp(p.dst));
  const namespace = veth.podNamespace ?? pod?.namespace ?? null;
  const name = veth.podName ?? pod?.name ?? null;
  if (namespace === null || name === null) {
    w.hops.push(hop(w, 'pod', 'DELIVERED', { type: 'text', text: `netns ${veth.netns ?? '?'}` }, `delivered into netns ${veth.netns ?? '?'}: no pod identified`, veth.evidence));
    return { type: 'leaf', disposition: 'delivered', reason: `delivered to ${p.dst} in netns ${veth.netns ?? '?'} (pod not identified)` };
  }
  const podPayload = cached(payloads, veth, `${p.dst} ${p.dport}`, (): Payload => ({
    object: { type: 'pod', namespace, name, address: p.dst, netns: veth.netns, hostNetwork: false },
    detail: `${namespace}/${name} (${p.dst}:${p.dport})`,
    evidence: pod ? [pod.source] : NO_EVIDENCE,
  }));
  w.hops.push(payloadHop(w, 'pod', 'DELIVERED', podPayload));
  return { type: 'leaf', disposition: 'delivered', reason: cached(reasons, veth, p.dst, () => `delivered to pod ${namespace}/${name}`) };
}

function bridgeEvidence(w: Walk, bridge: string): Hop['evidence'] {
  const n = w.node.net.neighbours.get(`${bridge}|${canonicalIp(w.packet.dst)}`);
  const out = n ? [n.source] : [];
  if (n?.lladdr) out.push(...(w.node.fdbByMaster.get(`${bridge}|${n.lladdr.toLowerCase()}`) ?? []));
  return out;
}

function podWithoutVeth(w: Walk, where: string): Outcome {
  const pod = w.ctx.podsByIp.get(canonicalIp(w.packet.dst));
  if (pod && pod.nodeName === w.node.name) {
    w.hops.push(
      hop(
        w,
        'pod',
        'DELIVERED',
        { type: 'pod', namespace: pod.namespace, name: pod.name, address: w.packet.dst, netns: null, hostNetwork: false },
        `${pod.namespace}/${pod.name}: its veth on ${where} was not identified`,
        [pod.source],
      ),
    );
    const note = `veth of ${pod.namespace}/${pod.name} not identified`;
    w.assumptions = append(w.assumptions, note);
    return { type: 'leaf', disposition: 'delivered', reason: `delivered to pod ${pod.namespace}/${pod.name} (veth not identified)` };
  }
  w.hops.push(hop(w, 'drop', 'DROPPED', interfaceObject(w, where), `no pod on ${where} has ${w.packet.dst}`));
  return { type: 'leaf', disposition: 'dropped', reason: `no pod on ${w.node.name} ${where} has ${w.packet.dst}` };
}

function egress(w: Walk): Outcome | null {
  const p = w.packet;
  const oif = p.oif ?? '';
  const iface = w.node.net.interfaces.get(oif);
  const kind = iface?.kind ?? '';
  if (kind === 'bridge') {
    const bridged = cached(payloads, w.node, `bridge ${oif} ${p.dst}`, (): Payload => ({
      object: interfaceObject(w, oif),
      detail: `${oif} bridge`,
      evidence: [...(iface ? [iface.source] : []), ...bridgeEvidence(w, oif)],
    }));
    w.hops.push(payloadHop(w, 'bridge', 'BRIDGED', bridged));
    const veth = vethForPod(w.ctx.veths, w.node.name, p.dst);
    return veth ? deliverToVeth(w, veth) : podWithoutVeth(w, oif);
  }
  if (kind === 'veth') {
    const veth = w.ctx.vethByHostIfname.get(`${w.node.name}|${oif}`);
    return veth ? deliverToVeth(w, veth) : podWithoutVeth(w, oif);
  }
  if (OVERLAY_KINDS.has(kind) || /^(flannel|vxlan|tunl|wg|cilium_)/.test(oif)) return overlay(w, oif, kind);
  const gateway = w.nextHop ?? p.dst;
  const owner = nodeForAddress(w.ctx, gateway) ?? (w.route?.gateway ? null : nodeForAddress(w.ctx, p.dst));
  if (owner && owner.node !== w.node.name) {
    w.hops.push(hop(w, 'route', 'FORWARDED', interfaceObject(w, oif), `out ${oif} to ${gateway} (node ${owner.node})`, iface ? [iface.source] : []));
    return toNode(w, owner.node, null, gateway);
  }
  const podOwner = nodeForAddress(w.ctx, p.dst);
  if (podOwner && podOwner.via === 'pod-cidr' && podOwner.node !== w.node.name) {
    w.hops.push(hop(w, 'route', 'FORWARDED', interfaceObject(w, oif), `out ${oif} via ${gateway} towards node ${podOwner.node} (pod CIDR)`, iface ? [iface.source] : []));
    return toNode(w, podOwner.node, null, null);
  }
  w.hops.push(hop(w, 'exit', 'EXITED', interfaceObject(w, oif), `out ${oif} via ${gateway}: leaves the cluster`, iface ? [iface.source] : []));
  return { type: 'leaf', disposition: 'exited-cluster', reason: `routed out of the cluster via ${gateway} dev ${oif}` };
}

/** Where a tunnel leads: the far node and the ENCAPSULATED hop's payload. */
interface TunnelEnd {
  remote: string | null;
  payload: Payload;
  /** whether the far end was found from the packet's destination (else it holds for every destination) */
  byDst: boolean;
}

/** The tunnel ends from one device towards one next hop: one for every destination when found without it, else by destination. */
interface TunnelEnds {
  anyDst: TunnelEnd | null;
  byDst: Map<string, TunnelEnd>;
}

/** Tunnel ends by node, device and next hop (a device's kind is the node's: no part of the key). */
const tunnelEnds = new WeakMap<CapturedNode, Map<string, Map<string, TunnelEnds>>>();

function tunnelEndsFrom(node: CapturedNode, dev: string, nextHop: string): TunnelEnds {
  let byDev = tunnelEnds.get(node);
  if (!byDev) {
    byDev = new Map();
    tunnelEnds.set(node, byDev);
  }
  let byNextHop = byDev.get(dev);
  if (!byNextHop) {
    byNextHop = new Map();
    byDev.set(dev, byNextHop);
  }
  let ends = byNextHop.get(nextHop);
  if (!ends) {
    ends = { anyDst: null, byDst: new Map() };
    byNextHop.set(nextHop, ends);
  }
  return ends;
}

function tunnelEnd(w: Walk, dev: string, kind: string, nextHop: string): TunnelEnd {
  const ctx = w.ctx;
  const net = w.node.net;
  const dst = w.packet.dst;
  const evidence: Hop['evidence'] = [];
  const iface = net.interfaces.get(dev);
  if (iface) evidence.push(iface.source);
  let vtepMac: string | null = null;
  let underlay: string | null = null;
  let remote: string | null = null;
  const neigh = net.neighbours.get(`${dev}|${canonicalIp(nextHop)}`);
  if (neigh?.lladdr) {
    vtepMac = neigh.lladdr.toLowerCase();
    evidence.push(neigh.source);
    const fdb = net.fdb.get(`${dev}|${vtepMac}`);
    if (fdb?.dst) {
      underlay = fdb.dst;
      evidence.push(fdb.source);
    }
  }
  if (underlay) remote = ctx.nodeByAddress.get(canonicalIp(underlay)) ?? null;
  if (!remote && vtepMac) remote = ctx.nodeByVtepMac.get(vtepMac) ?? null;
  if (!remote && kind !== 'vxlan') remote = ctx.nodeByAddress.get(canonicalIp(nextHop)) ?? null;
  const byDst = !remote;
  if (!remote) {
    const owner = nodeForAddress(ctx, dst) ?? nodeForAddress(ctx, nextHop);
    if (owner) {
      remote = owner.node;
      if (owner.source) evidence.push(owner.source);
    }
  }
  if (remote) {
    const node = ctx.clusterNodeByName.get(remote);
    if (node) evidence.push(node.source);
  }
  return {
    remote,
    byDst,
    payload: {
      object: { type: 'tunnel', device: dev, remoteNode: remote, underlayAddress: underlay, vtepMac },
      detail: `${dev} → ${remote ?? 'unknown node'}${underlay ? ` (underlay ${underlay}${vtepMac ? `, VTEP ${vtepMac}` : ''})` : ''}`,
      evidence,
    },
  };
}

function overlay(w: Walk, dev: string, kind: string): Outcome | null {
  const nextHop = w.nextHop ?? w.packet.dst;
  const ends = tunnelEndsFrom(w.node, dev, nextHop);
  let end = ends.anyDst ?? ends.byDst.get(w.packet.dst);
  if (end === undefined) {
    end = tunnelEnd(w, dev, kind, nextHop);
    if (end.byDst) ends.byDst.set(w.packet.dst, end);
    else ends.anyDst = end;
  }
  const { remote, payload } = end;
  w.hops.push(payloadHop(w, 'overlay', 'ENCAPSULATED', payload));
  if (!remote || remote === w.node.name) {
    return { type: 'leaf', disposition: 'unevaluable', reason: `cannot tell which node owns ${w.packet.dst} behind ${dev}` };
  }
  return toNode(w, remote, dev, null);
}

/** The packet crosses to another node: it continues there when captured. */
function toNode(w: Walk, target: string, tunnelDev: string | null, viaAddress: string | null): Outcome | null {
  const ctx = w.ctx;
  const next = ctx.captured.get(target);
  if (!next) {
    // Built per path, not cached: a (node, destination) pair is reached by a Service's few entry points only.
    const expectedPod = ctx.podsByIp.get(canonicalIp(w.packet.dst));
    const detail = expectedPod ? `node ${target} not captured (expected pod ${expectedPod.namespace}/${expectedPod.name})` : `node ${target} not captured`;
    const h = hop(w, 'node-not-captured', 'NOT_CAPTURED', { type: 'node', name: target }, detail);
    h.node = target;
    w.hops.push(h);
    w.nodes = append(w.nodes, target);
    return { type: 'leaf', disposition: 'node-not-captured', reason: `continues on node ${target}, not captured` };
  }
  if (w.nodes.size > MAX_NODE_HOPS) {
    return { type: 'leaf', disposition: 'loop', reason: 'more than 16 node hops' };
  }
  const ingress = ingressInterface(next, tunnelDev, viaAddress);
  w.node = next;
  w.nodes = append(w.nodes, target);
  w.locallyGenerated = false;
  w.toLocal = false;
  w.route = null;
  w.nextHop = null;
  const p = w.packet;
  p.mark = 0;
  p.ctMark = 0;
  p.iif = ingress;
  p.oif = null;
  p.conntrack = { ...p.conntrack, dnat: null, snat: null };
  const arrival = cached(payloads, next, `ingress ${ingress}`, (): Payload => ({
    object: ingress ? interfaceObject(w, ingress) : { type: 'node', name: target },
    detail: `arrives on ${target}${ingress ? ` via ${ingress}` : ''}`,
    evidence: NO_EVIDENCE,
  }));
  w.hops.push(payloadHop(w, 'ingress', 'RECEIVED', arrival));
  enterHook(w, 'prerouting');
  return null;
}

function ingressInterface(node: CapturedNode, tunnelDev: string | null, viaAddress: string | null): string | null {
  if (tunnelDev) {
    if (node.net.interfaces.has(tunnelDev)) return tunnelDev;
    return null;
  }
  if (viaAddress) return node.net.localAddresses.get(canonicalIp(viaAddress))?.ifname ?? null;
  return null;
}

function deliverLocal(w: Walk): Outcome {
  const ep = w.endpoint;
  const pod = ep?.podName && ep.podNamespace ? w.ctx.hostPods.get(`${ep.podNamespace}/${ep.podName}`) : undefined;
  const detail = pod
    ? `host process on ${w.node.name} (hostNetwork pod ${pod.namespace}/${pod.name}) at ${w.packet.dst}:${w.packet.dport}`
    : `host process on ${w.node.name} at ${w.packet.dst}:${w.packet.dport}`;
  w.hops.push(
    hop(
      w,
      'host',
      'DELIVERED',
      pod
        ? { type: 'pod', namespace: pod.namespace, name: pod.name, address: w.packet.dst, netns: null, hostNetwork: true }
        : { type: 'host', node: w.node.name, address: w.packet.dst },
      detail,
      pod ? [pod.source] : [],
    ),
  );
  return { type: 'leaf', disposition: 'delivered', reason: detail };
}
