// Finding the pod side of a host veth. Every pod's eth0 is usually ifindex 2, so `@if2` alone
// proves nothing: the netns identity comes first, and the iflink (the pod interface's `@ifN`,
// which is the host veth's ifindex) confirms the pairing inside that netns.

import type { NamespaceCapture, NetInterface, NodeData } from '../model';
import { conflict, identify, note, type Draft } from './draft';
import type { NetnsDirectory } from './netns';

function hasLinkNetns(i: NetInterface): boolean {
  return i.linkNetnsName !== null || i.linkNetnsId !== null;
}

/**
 * The host-side veths that lead out of the host namespace, by ifindex. A pair with both ends on
 * the host (Cilium's `cilium_host`/`cilium_net`) has no netns and no pod, so it is left out.
 * `ip link` without `-d` prints no kind, so a link into another netns counts as a veth too.
 */
export function hostVeths(node: NodeData): NetInterface[] {
  const byIndex = new Map(node.interfaces.map((i) => [i.ifindex, i]));
  const isLocalPair = (i: NetInterface): boolean =>
    !hasLinkNetns(i) && i.peerIfindex !== null && byIndex.get(i.peerIfindex)?.peerIfindex === i.ifindex;
  return node.interfaces
    .filter((i) => (i.kind === 'veth' || hasLinkNetns(i)) && !isLocalPair(i))
    .sort((a, b) => a.ifindex - b.ifindex);
}

/** The interfaces of a netns capture whose iflink is the host veth (never `lo`). */
function linkedTo(capture: NamespaceCapture, host: NetInterface): NetInterface[] {
  return capture.interfaces.filter((i) => i.kind !== 'loopback' && i.peerIfindex === host.ifindex);
}

function resolveNsid(d: Draft, nsid: number, dir: NetnsDirectory): void {
  d.netnsId = nsid;
  const entries = dir.entriesById.get(nsid) ?? [];
  const refs = entries.map((e) => e.source);
  if (entries.length > 1) {
    const names = entries.map((e) => e.name).join(', ');
    note(d, 'netns-id', false, `ip netns list-id gives nsid ${nsid} several names: ${names}`, refs);
    return;
  }
  const name = entries[0]?.name ?? null;
  if (name === null) return;
  if (d.netns === null) {
    d.netns = name;
    identify(d, 'netns-id', `${d.host.name} link-netnsid ${nsid}; ip netns list-id names nsid ${nsid} ${name}`, refs);
  } else if (name === d.netns) {
    note(d, 'netns-id', true, `ip netns list-id names nsid ${nsid} ${name} too`, refs);
  } else {
    note(d, 'netns-id', false, `ip netns list-id names nsid ${nsid} ${name}, but ip link says link-netns ${d.netns}`, refs);
  }
}

function checkPeerIfindex(d: Draft, peer: NetInterface): void {
  const { host } = d;
  if (host.peerIfindex === null) return;
  const where = `${peer.name} in ${d.netns}`;
  if (host.peerIfindex === peer.ifindex) {
    const detail = `${host.name}@if${host.peerIfindex} is ${where}, whose iflink ${host.ifindex} is ${host.name}`;
    note(d, 'peer-ifindex', true, detail, [peer.source]);
  } else {
    const said = `${host.name}@if${host.peerIfindex}`;
    const detail = `${where} has iflink ${host.ifindex} but ifindex ${peer.ifindex}, while ip link says ${said}`;
    note(d, 'peer-ifindex', false, detail, [peer.source]);
  }
}

/**
 * Pass 1: the netns named by `link-netns NAME`, or by the nsid through `ip netns list-id`; in its
 * capture, the interface whose iflink is the host veth's ifindex.
 */
export function resolveByNetns(d: Draft, dir: NetnsDirectory): void {
  const { host } = d;
  if (host.linkNetnsName !== null) {
    d.netns = host.linkNetnsName;
    identify(d, 'netns-name', `${host.name} link-netns ${host.linkNetnsName}`, []);
  }
  if (host.linkNetnsId !== null) resolveNsid(d, host.linkNetnsId, dir);
  else if (d.netns !== null) d.netnsId = dir.idByName.get(d.netns) ?? null;
  if (d.netns === null) return;
  d.identity = 'netns';
  d.capture = dir.captures.get(d.netns) ?? null;
  if (d.capture === null) return;
  const linked = linkedTo(d.capture, host);
  const peer = linked.find((i) => i.ifindex === host.peerIfindex) ?? (linked.length === 1 ? linked[0] : null);
  if (peer === null) {
    if (linked.length > 1) {
      const names = linked.map((i) => i.name).join(', ');
      conflict(d, `several interfaces in ${d.netns} have iflink ${host.ifindex}: ${names}`, linked.map((i) => i.source));
    }
    return;
  }
  d.podIface = peer;
  checkPeerIfindex(d, peer);
}

export function claimKey(netns: string, ifindex: number): string {
  return `${netns}\n${ifindex}`;
}

/**
 * Pass 2, for veths with no netns name: the one interface across all captured namespaces whose
 * iflink is this veth (and whose ifindex is its `@ifN`), not claimed in pass 1 and not in a netns
 * whose known nsid differs from the veth's link-netnsid. Several candidates: no match, a conflict.
 */
export function resolveByIflink(d: Draft, dir: NetnsDirectory, claimed: Set<string>): void {
  const { host } = d;
  const candidates: { capture: NamespaceCapture; iface: NetInterface }[] = [];
  for (const name of dir.names) {
    const capture = dir.captures.get(name);
    if (capture === undefined) continue;
    const knownId = dir.idByName.get(name);
    if (host.linkNetnsId !== null && knownId !== undefined && knownId !== host.linkNetnsId) continue;
    for (const iface of linkedTo(capture, host)) {
      if (host.peerIfindex !== null && iface.ifindex !== host.peerIfindex) continue;
      if (!claimed.has(claimKey(name, iface.ifindex))) candidates.push({ capture, iface });
    }
  }
  if (candidates.length > 1) {
    const list = candidates.map((c) => `${c.iface.name} in ${c.capture.name}`).join(', ');
    conflict(d, `iflink ${host.ifindex} matches ${list}: none chosen`, candidates.map((c) => c.iface.source));
    return;
  }
  const found = candidates[0];
  if (found === undefined) return;
  const { capture, iface } = found;
  claimed.add(claimKey(capture.name, iface.ifindex));
  d.identity = 'iflink';
  d.netns = capture.name;
  d.netnsId = host.linkNetnsId ?? dir.idByName.get(capture.name) ?? null;
  d.capture = capture;
  d.podIface = iface;
  const why =
    host.linkNetnsId !== null ? `link-netnsid ${host.linkNetnsId} has no name in ip netns list-id` : 'no link-netns';
  const pair =
    host.peerIfindex !== null ? `iflink ${host.ifindex} and ifindex ${host.peerIfindex}` : `iflink ${host.ifindex}`;
  const detail = `${host.name}: ${why}; ${iface.name} in ${capture.name} is the only captured interface with ${pair}`;
  identify(d, 'peer-ifindex', detail, [iface.source]);
}
