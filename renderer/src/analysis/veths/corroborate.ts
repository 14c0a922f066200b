// The pod side's addresses, and the host-side evidence that agrees or disagrees with the pairing:
// per-pod host routes (Calico `cali…`, Cilium `lxc…`), the neighbour table, the bridge FDB.
// When the pod's netns was not captured, the same evidence is the only way to its addresses.

import type { FdbEntry, NetAddress, Neighbour, NodeData, Route } from '../model';
import { addAddress, note, normalizeIp, type Draft } from './draft';

function hostPrefix(ip: string): string {
  return ip.includes(':') ? `${ip}/128` : `${ip}/32`;
}

function isHostRoute(r: Route): boolean {
  return r.type === 'unicast' && r.dev !== null && (r.dst.endsWith('/32') || r.dst.endsWith('/128'));
}

function sameMac(a: string | null, b: string | null): boolean {
  return a !== null && b !== null && a.toLowerCase() === b.toLowerCase();
}

/** Global addresses only: link-local (fe80::, scope link) and loopback say nothing about the pod. */
function isPodAddress(a: NetAddress): boolean {
  return a.scope !== 'link' && a.scope !== 'host' && !a.address.toLowerCase().startsWith('fe80:');
}

/** A MAC the bridge learned from traffic, not one of its own ports' (permanent/static) addresses. */
function isLearned(e: FdbEntry): boolean {
  const fixed = ['permanent', 'static', 'self'];
  return e.master !== null && !fixed.includes(e.state ?? '') && !e.flags.some((f) => fixed.includes(f));
}

function isUsable(n: Neighbour): boolean {
  return n.lladdr !== null && !n.state.includes('FAILED') && !n.state.includes('INCOMPLETE');
}

/** The neighbour entries the host keeps for pods behind this veth: on the veth or on its bridge. */
function neighboursBehind(d: Draft, node: NodeData): Neighbour[] {
  return node.neighbours.filter((n) => isUsable(n) && (n.dev === d.host.name || n.dev === d.host.master));
}

export function collectPodAddresses(d: Draft): void {
  const { capture, podIface } = d;
  if (capture === null || podIface === null) return;
  for (const a of capture.addresses) {
    const onIface = a.ifindex !== null ? a.ifindex === podIface.ifindex : a.ifname === podIface.name;
    if (onIface && isPodAddress(a)) addAddress(d, a.address, [a.source]);
  }
}

/** `POD_IP/32 dev VETH` on the host agrees; the same /32 through another device contradicts. */
export function checkHostRoutes(d: Draft, node: NodeData): void {
  for (const ip of d.addresses) {
    for (const r of node.routes) {
      if (!isHostRoute(r) || normalizeIp(r.dst) !== hostPrefix(ip)) continue;
      const agrees = r.dev === d.host.name;
      const detail = agrees
        ? `host route ${r.dst} dev ${r.dev}`
        : `host route ${r.dst} dev ${r.dev} sends the pod's address away from ${d.host.name}`;
      note(d, 'host-route', agrees, detail, [r.source]);
    }
  }
}

/** The host's neighbour entry for the pod IP must carry the pod interface's MAC. */
export function checkNeighbours(d: Draft, node: NodeData): void {
  const podMac = d.podIface?.mac ?? null;
  if (podMac === null) return;
  for (const n of neighboursBehind(d, node)) {
    if (!d.addresses.includes(normalizeIp(n.dst))) continue;
    const agrees = sameMac(n.lladdr, podMac);
    const detail = agrees
      ? `neighbour ${n.dst} lladdr ${n.lladdr} dev ${n.dev} is ${d.podIface?.name}'s MAC`
      : `neighbour ${n.dst} dev ${n.dev} has lladdr ${n.lladdr}, but ${d.podIface?.name} has ${podMac}`;
    note(d, 'mac', agrees, detail, [n.source]);
  }
}

/** On a bridge, the pod interface's MAC must have been learned on this veth's port. */
export function checkFdb(d: Draft, node: NodeData): void {
  const podMac = d.podIface?.mac ?? null;
  const bridge = d.host.master;
  if (podMac === null || bridge === null) return;
  const entries = node.fdb.filter((e) => sameMac(e.mac, podMac) && (e.master === bridge || e.dev === d.host.name));
  if (entries.length === 0) return;
  const here = entries.filter((e) => e.dev === d.host.name);
  if (here.length > 0) {
    note(d, 'fdb', true, `bridge ${bridge} learned ${podMac} on ${d.host.name}`, here.map((e) => e.source));
  } else {
    const ports = entries.map((e) => e.dev).join(', ');
    note(d, 'fdb', false, `bridge ${bridge} learned ${podMac} on ${ports}, not on ${d.host.name}`, entries.map((e) => e.source));
  }
}

/**
 * Without the pod interface, its addresses come from the host: `IP/32 dev VETH` routes, and on a
 * bridge the MACs learned on this veth's port looked up in the neighbour table.
 */
export function inferAddresses(d: Draft, node: NodeData): void {
  for (const r of node.routes) {
    if (!isHostRoute(r) || r.dev !== d.host.name) continue;
    const ip = r.dst.slice(0, r.dst.lastIndexOf('/'));
    note(d, 'host-route', true, `host route ${r.dst} dev ${r.dev}: ${ip} is behind ${d.host.name}`, [r.source]);
    addAddress(d, ip, []);
  }
  const bridge = d.host.master;
  if (bridge === null) return;
  const behind = neighboursBehind(d, node);
  for (const e of node.fdb) {
    if (e.dev !== d.host.name || !isLearned(e) || sameMac(e.mac, d.host.mac)) continue;
    for (const n of behind.filter((n) => sameMac(n.lladdr, e.mac))) {
      const detail = `bridge ${bridge} learned ${e.mac} on ${d.host.name}; neighbour ${n.dst} dev ${n.dev} has that MAC`;
      note(d, 'fdb', true, detail, [e.source, n.source]);
      addAddress(d, n.dst, []);
    }
  }
}
