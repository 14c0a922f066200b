import type { Finding } from '../findings';
import type { KubePod, NamespaceCapture, NetInterface, NodeData, SourceRef } from '../model';
import { checkFdb, checkHostRoutes, checkNeighbours, collectPodAddresses, inferAddresses } from './corroborate';
import { conflict, finishDraft, newDraft, type Draft } from './draft';
import { netnsDirectory, type NetnsDirectory } from './netns';
import { claimKey, hostVeths, resolveByIflink, resolveByNetns } from './peer';
import { identifyPod } from './pods';
import type { VethCorrelation, VethFindingCode, VethMatch } from './types';

/** Cilium's health endpoint: a veth into a netns of its own that no pod owns. */
const CILIUM_HEALTH = 'lxc_health';

/** Two veths on one node claiming the same address: at most one of them is right. */
function flagSharedAddresses(drafts: Draft[]): void {
  const owners = new Map<string, Draft[]>();
  for (const d of drafts) for (const ip of d.addresses) owners.set(ip, [...(owners.get(ip) ?? []), d]);
  for (const [ip, list] of owners) {
    if (list.length < 2) continue;
    for (const d of list) {
      const others = list.filter((o) => o !== d);
      conflict(d, `${ip} is also behind ${others.map((o) => o.host.name).join(', ')}`, others.map((o) => o.host.source));
    }
  }
}

function vethFinding(m: VethMatch, code: VethFindingCode, severity: Finding['severity'], message: string): Finding {
  return { severity, code, node: m.node, message, subject: m.hostIfname, evidence: m.evidence };
}

function notCapturedMessage(m: VethMatch): string {
  if (m.netns !== null) return `${m.hostIfname} leads to netns ${m.netns}, which was not captured`;
  if (m.netnsId !== null) {
    return `${m.hostIfname} leads to nsid ${m.netnsId}, which ip netns list-id does not name and no captured netns matches`;
  }
  return `${m.hostIfname} has no link-netns and no captured netns has an interface with iflink ${m.hostIfindex}`;
}

function vethFindings(d: Draft, m: VethMatch, hostIfaces: Map<number, NetInterface>): Finding[] {
  const findings: Finding[] = [];
  if (d.capture === null) {
    findings.push(vethFinding(m, 'veth-netns-not-captured', 'warning', notCapturedMessage(m)));
  } else if (d.podIface === null) {
    const parts = [`netns ${m.netns} was captured, but no interface in it has iflink ${m.hostIfindex} (${m.hostIfname})`];
    parts.push(...describeLinks(d.capture, hostIfaces));
    const finding = vethFinding(m, 'veth-peer-not-found', 'warning', parts.join('; '));
    findings.push({ ...finding, evidence: [...finding.evidence, ...linkedSources(d.capture)] });
  }
  if (m.conflicts.length > 0) {
    findings.push(vethFinding(m, 'correlation-conflict', 'warning', `${m.hostIfname}: ${m.conflicts.join('; ')}`));
  }
  const podIpSpoke = m.methods.some((x) => x.method === 'pod-ip');
  if (m.podName === null && !podIpSpoke && (d.podIface !== null || m.addresses.length > 0)) {
    const addresses = m.addresses.length > 0 ? m.addresses.join(', ') : 'no address';
    findings.push(
      m.hostIfname === CILIUM_HEALTH
        ? vethFinding(m, 'veth-without-pod', 'info', `${m.hostIfname} is Cilium's health endpoint (${addresses}), not a pod`)
        : vethFinding(m, 'veth-without-pod', 'warning', `no pod on ${m.node} owns ${m.hostIfname}'s ${addresses}`),
    );
  }
  return findings;
}

/** `its eth0 has iflink 42, which no host interface has`, for each linked interface of a capture. */
function describeLinks(capture: NamespaceCapture | undefined, hostIfaces: Map<number, NetInterface>): string[] {
  const parts: string[] = [];
  for (const i of capture?.interfaces ?? []) {
    if (i.kind === 'loopback' || i.peerIfindex === null) continue;
    const target = hostIfaces.get(i.peerIfindex);
    const where = target !== undefined ? `which is ${target.name} on the host` : 'which no host interface has';
    parts.push(`its ${i.name} has iflink ${i.peerIfindex}, ${where}`);
  }
  return parts;
}

function linkedSources(capture: NamespaceCapture | undefined): SourceRef[] {
  return (capture?.interfaces ?? []).filter((i) => i.kind !== 'loopback' && i.peerIfindex !== null).map((i) => i.source);
}

function netnsFindings(dir: NetnsDirectory, matches: VethMatch[], node: string, hostIfaces: Map<number, NetInterface>): Finding[] {
  const reached = new Set(matches.map((m) => m.netns));
  const findings: Finding[] = [];
  for (const name of dir.names.filter((n) => !reached.has(n))) {
    const capture = dir.captures.get(name);
    const entry = dir.entryByName.get(name);
    const parts = [`no host veth leads to netns ${name}${capture === undefined ? ' (listed, not captured)' : ''}`];
    parts.push(...describeLinks(capture, hostIfaces));
    const sandbox = dir.sandboxesByNetns.get(name)?.[0];
    if (sandbox !== undefined) parts.push(`crictl sandbox ${sandbox.id} (${sandbox.namespace}/${sandbox.podName}) uses it`);
    findings.push({
      severity: 'warning',
      code: 'netns-without-veth' satisfies VethFindingCode,
      node,
      message: `${parts.join('; ')}: leaked by a failed CNI DEL, or a CNI without veths (macvlan, ipvlan)`,
      subject: name,
      evidence: [...(entry ? [entry.source] : []), ...linkedSources(capture), ...(sandbox ? [sandbox.source] : [])],
    });
  }
  return findings;
}

/** Correlates one node's host veths with its netns captures, sandboxes and pods. */
export function correlateNode(node: NodeData, byIp: Map<string, KubePod[]>): VethCorrelation {
  const dir = netnsDirectory(node);
  const drafts = hostVeths(node).map((host) => newDraft(node.name, host));
  for (const d of drafts) resolveByNetns(d, dir);
  const claimed = new Set<string>();
  for (const d of drafts) if (d.netns !== null && d.podIface !== null) claimed.add(claimKey(d.netns, d.podIface.ifindex));
  for (const d of drafts) if (d.netns === null) resolveByIflink(d, dir, claimed);
  for (const d of drafts) {
    if (d.podIface !== null) {
      collectPodAddresses(d);
      checkHostRoutes(d, node);
      checkNeighbours(d, node);
      checkFdb(d, node);
    } else {
      inferAddresses(d, node);
    }
    identifyPod(d, dir, byIp);
  }
  flagSharedAddresses(drafts);
  const matches = drafts.map(finishDraft);
  const hostIfaces = new Map(node.interfaces.map((i) => [i.ifindex, i]));
  const findings = drafts.flatMap((d, k) => vethFindings(d, matches[k], hostIfaces));
  return { matches, findings: [...findings, ...netnsFindings(dir, matches, node.name, hostIfaces)] };
}
