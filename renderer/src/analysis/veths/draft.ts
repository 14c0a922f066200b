import type { NamespaceCapture, NetInterface, Sandbox, SourceRef } from '../model';
import type { VethConfidence, VethMatch, VethMethod, VethMethodResult } from './types';

/**
 * How the veth's netns and pod interface were found: by netns identity (`link-netns NAME`, or an
 * nsid named by `ip netns list-id`), by a unique iflink across the captured namespaces, or not at all.
 */
type Identity = 'netns' | 'iflink' | 'none';

export interface PodRef {
  namespace: string;
  name: string;
}

/** A VethMatch under construction: each correlation step fills in what it learns. */
export interface Draft {
  node: string;
  host: NetInterface;
  identity: Identity;
  netns: string | null;
  netnsId: number | null;
  capture: NamespaceCapture | null;
  podIface: NetInterface | null;
  addresses: string[];
  sandbox: Sandbox | null;
  pod: PodRef | null;
  methods: VethMethodResult[];
  conflicts: string[];
  evidence: SourceRef[];
  /** corroboration: +0.1 for each agreeing check, −0.25 for each contradiction */
  adjust: number;
}

const AGREE = 0.1;
const CONTRADICT = -0.25;
/** A match that any source contradicts is at most medium, however much else agrees. */
const CONTESTED_MAX = 0.75;

export function newDraft(node: string, host: NetInterface): Draft {
  return {
    node,
    host,
    identity: 'none',
    netns: null,
    netnsId: null,
    capture: null,
    podIface: null,
    addresses: [],
    sandbox: null,
    pod: null,
    methods: [],
    conflicts: [],
    evidence: [host.source],
    adjust: 0,
  };
}

/** Records the method that identified the netns or pod interface; it does not corroborate itself. */
export function identify(d: Draft, method: VethMethod, detail: string, evidence: SourceRef[]): void {
  d.methods.push({ method, agrees: true, detail });
  d.evidence.push(...evidence);
}

/** Records a corroborating check; a disagreeing one is also a conflict. */
export function note(d: Draft, method: VethMethod, agrees: boolean, detail: string, evidence: SourceRef[]): void {
  d.methods.push({ method, agrees, detail });
  d.evidence.push(...evidence);
  if (agrees) d.adjust += AGREE;
  else {
    d.conflicts.push(`${method}: ${detail}`);
    d.adjust += CONTRADICT;
  }
}

/** A contradiction that no single method owns (ambiguity, two veths claiming one address). */
export function conflict(d: Draft, text: string, evidence: SourceRef[]): void {
  d.conflicts.push(text);
  d.evidence.push(...evidence);
  d.adjust += CONTRADICT;
}

export function normalizeIp(ip: string): string {
  return ip.toLowerCase();
}

export function addAddress(d: Draft, ip: string, evidence: SourceRef[]): void {
  const norm = normalizeIp(ip);
  if (!d.addresses.includes(norm)) d.addresses.push(norm);
  d.evidence.push(...evidence);
}

/**
 * The score before corroboration: a netns identity with its pod interface found is strong; a
 * known but uncaptured netns, a unique iflink, or only host routes / FDB are progressively weaker.
 */
function baseScore(d: Draft): number {
  if (d.identity === 'netns') return d.podIface !== null ? 0.8 : d.capture === null ? 0.4 : 0.2;
  return d.identity === 'iflink' ? 0.5 : 0.2;
}

function confidenceOf(score: number): VethConfidence {
  return score >= 0.8 ? 'high' : score >= 0.5 ? 'medium' : 'low';
}

function refKey(ref: SourceRef): string {
  return `${ref.file}\n${ref.line}\n${ref.pointer ?? ''}`;
}

function uniqueRefs(refs: SourceRef[]): SourceRef[] {
  const seen = new Set<string>();
  return refs.filter((ref) => {
    const key = refKey(ref);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function finishDraft(d: Draft): VethMatch {
  const ceiling = d.conflicts.length > 0 ? CONTESTED_MAX : 1;
  const score = Math.round(Math.min(ceiling, Math.max(0, baseScore(d) + d.adjust)) * 100) / 100;
  return {
    node: d.node,
    hostIfname: d.host.name,
    hostIfindex: d.host.ifindex,
    peerIfindex: d.host.peerIfindex,
    hostMac: d.host.mac,
    master: d.host.master,
    netns: d.netns,
    netnsId: d.netnsId,
    podIfname: d.podIface?.name ?? null,
    podIfindex: d.podIface?.ifindex ?? null,
    podMac: d.podIface?.mac ?? null,
    addresses: d.addresses,
    podNamespace: d.pod?.namespace ?? null,
    podName: d.pod?.name ?? null,
    sandboxId: d.sandbox?.id ?? null,
    methods: d.methods,
    confidence: confidenceOf(score),
    score,
    conflicts: d.conflicts,
    evidence: uniqueRefs(d.evidence),
  };
}
