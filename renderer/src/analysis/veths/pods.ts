// Which pod sits behind a veth (the crictl sandbox of its netns, the pod owning its address), and
// the pod-side findings: pods with no interface, hostNetwork pods, two pods claiming one IP.

import type { Finding } from '../findings';
import type { KubePod, NodeData } from '../model';
import { addAddress, conflict, normalizeIp, note, type Draft, type PodRef } from './draft';
import type { NetnsDirectory } from './netns';
import type { VethFindingCode, VethMatch } from './types';

/** A pod that has finished keeps its IP in status, and that IP may already belong to a new pod. */
function holdsItsIp(p: KubePod): boolean {
  return !p.hostNetwork && p.phase !== 'Succeeded' && p.phase !== 'Failed';
}

function podName(p: PodRef): string {
  return `${p.namespace}/${p.name}`;
}

/** Whether `ips[i]` repeats an earlier entry once normalized (a pod lists an IP once per family: this stays tiny). */
function listedBefore(ips: readonly string[], i: number, ip: string): boolean {
  for (let j = 0; j < i; j++) if (normalizeIp(ips[j]) === ip) return true;
  return false;
}

/**
 * Pods that own their IP (not hostNetwork, not finished), by IP, in the pods' order; a pod listing
 * one IP twice owns it once. A large cluster has ~10^5 pods, so each list grows in place.
 */
export function podsByIp(pods: readonly KubePod[]): Map<string, KubePod[]> {
  const byIp = new Map<string, KubePod[]>();
  for (const pod of pods) {
    if (!holdsItsIp(pod)) continue;
    const ips = pod.podIPs;
    for (let i = 0; i < ips.length; i++) {
      const ip = normalizeIp(ips[i]);
      if (listedBefore(ips, i, ip)) continue;
      const owners = byIp.get(ip);
      if (owners === undefined) byIp.set(ip, [pod]);
      else owners.push(pod);
    }
  }
  return byIp;
}

function useSandbox(d: Draft, dir: NetnsDirectory): void {
  const sandboxes = d.netns === null ? [] : (dir.sandboxesByNetns.get(d.netns) ?? []);
  const sandbox = sandboxes[0];
  if (sandbox === undefined) return;
  d.sandbox = sandbox;
  const pods = new Set(sandboxes.map((s) => `${s.namespace}/${s.podName}`));
  if (pods.size > 1) {
    conflict(d, `crictl sandboxes of several pods use ${d.netns}: ${[...pods].join(', ')}`, sandboxes.map((s) => s.source));
  }
  const unknown = d.podIface === null || d.addresses.length === 0;
  if (sandbox.ip !== null && unknown) addAddress(d, sandbox.ip, [sandbox.source]);
}

/**
 * The pod is the crictl sandbox's when the netns has one (the node's own record of which netns
 * belongs to which pod), otherwise the one pod on this node that owns the interface's address.
 */
export function identifyPod(d: Draft, dir: NetnsDirectory, byIp: Map<string, KubePod[]>): void {
  useSandbox(d, dir);
  const local = new Map<string, KubePod>();
  const remote: KubePod[] = [];
  for (const ip of d.addresses) {
    for (const pod of byIp.get(ip) ?? []) {
      if (pod.nodeName === d.node) local.set(podName(pod), pod);
      else remote.push(pod);
    }
  }
  const owners = [...local.values()];
  const { sandbox } = d;
  const owner = owners.length === 1 ? owners[0] : null;
  d.pod = sandbox !== null ? { namespace: sandbox.namespace, name: sandbox.podName } : owner;
  const addresses = d.addresses.join(', ');
  if (sandbox !== null) {
    const ip = sandbox.ip === null ? null : normalizeIp(sandbox.ip);
    const agrees = ip === null || d.addresses.includes(ip);
    const who = `crictl sandbox ${sandbox.id} (${sandbox.namespace}/${sandbox.podName})`;
    const detail = agrees
      ? `${who} runs in ${sandbox.netnsPath}`
      : `${who} runs in ${sandbox.netnsPath} with IP ${sandbox.ip}, but the pod interface has ${addresses}`;
    note(d, 'sandbox-netns', agrees, detail, [sandbox.source]);
  }
  const claimed = owners.map((p) => podName(p)).join(', ');
  if (owner !== null && d.pod !== null) {
    const agrees = podName(owner) === podName(d.pod);
    const ips = owner.podIPs.filter((ip) => d.addresses.includes(normalizeIp(ip))).join(', ');
    const detail = agrees
      ? `${ips} is pod ${claimed} on ${d.node}`
      : `${ips} is pod ${claimed} on ${d.node}, but the netns belongs to ${podName(d.pod)}`;
    note(d, 'pod-ip', agrees, detail, [owner.source]);
  } else if (owners.length > 1) {
    note(d, 'pod-ip', false, `${addresses} is claimed by several pods on ${d.node}: ${claimed}`, owners.map((p) => p.source));
  } else if (remote.length > 0) {
    const elsewhere = remote.map((p) => `${podName(p)} on ${p.nodeName ?? 'no node'}`).join(', ');
    note(d, 'pod-ip', false, `${addresses} belongs to ${elsewhere}, not to a pod on ${d.node}`, remote.map((p) => p.source));
  }
}

function podFinding(code: VethFindingCode, severity: Finding['severity'], pod: KubePod, message: string): Finding {
  return { severity, code, node: pod.nodeName, message, subject: podName(pod), evidence: [pod.source] };
}

/**
 * Pods on captured nodes: hostNetwork ones have no veth by design (info); a running one with no
 * correlated veth is a warning. Two pods holding one IP is an error when either is on a captured node.
 */
export function podFindings(
  pods: readonly KubePod[],
  nodes: readonly NodeData[],
  matches: readonly VethMatch[],
  byIp: ReadonlyMap<string, readonly KubePod[]> = podsByIp(pods),
): Finding[] {
  const captured = new Set(nodes.map((n) => n.name));
  const matched = new Set(matches.map((m) => `${m.node}\n${m.podNamespace}/${m.podName}`));
  const onCaptured = (p: KubePod): boolean => p.nodeName !== null && captured.has(p.nodeName);
  const findings: Finding[] = [];
  for (const pod of pods.filter(onCaptured)) {
    const node = pod.nodeName ?? '';
    if (pod.hostNetwork) {
      const message = `${podName(pod)} uses ${node}'s host network namespace: no veth expected`;
      findings.push(podFinding('hostnetwork-pod', 'info', pod, message));
    } else if (pod.phase === 'Running' && !matched.has(`${node}\n${podName(pod)}`)) {
      const ips = pod.podIPs.length > 0 ? pod.podIPs.join(', ') : 'no IP';
      const message = `running pod ${podName(pod)} (${ips}) has no correlated veth on ${node}`;
      findings.push(podFinding('pod-without-interface', 'warning', pod, message));
    }
  }
  for (const [ip, owners] of byIp) {
    if (owners.length < 2 || !owners.some(onCaptured)) continue;
    const nodeNames = new Set(owners.map((p) => p.nodeName));
    const list = owners.map((p) => `${podName(p)} on ${p.nodeName ?? 'no node'}`).join(', ');
    findings.push({
      severity: 'error',
      code: 'duplicate-pod-ip' satisfies VethFindingCode,
      node: nodeNames.size === 1 ? owners[0].nodeName : null,
      message: `${ip} is claimed by ${owners.length} pods: ${list}`,
      subject: ip,
      evidence: owners.map((p) => p.source),
    });
  }
  return findings;
}
