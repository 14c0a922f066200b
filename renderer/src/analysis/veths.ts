// veth ↔ netns ↔ pod correlation: for each captured node, every host veth is tied to its network
// namespace (by name or nsid), to the interface inside whose iflink is the veth, to that
// interface's addresses and to the pod (crictl sandbox, pod IP). Host routes, the neighbour table
// and the bridge FDB corroborate; disagreements and everything left unmatched become findings.

import { sortFindings, type Finding } from './findings';
import type { SnapshotData } from './model';
import { correlateNode } from './veths/node';
import { podFindings, podsByIp } from './veths/pods';
import type { VethCorrelation, VethMatch } from './veths/types';

export type { VethConfidence, VethCorrelation, VethFindingCode, VethMatch, VethMethod, VethMethodResult } from './veths/types';
export { indexVethsByPodIp, vethForPod, vethKey } from './veths/lookup';

export function correlateVeths(snapshot: SnapshotData): VethCorrelation {
  const byIp = podsByIp(snapshot.cluster.pods);
  const matches: VethMatch[] = [];
  const findings: Finding[] = [];
  const nodes = [...snapshot.nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const node of nodes) {
    const result = correlateNode(node, byIp);
    matches.push(...result.matches);
    findings.push(...result.findings);
  }
  findings.push(...podFindings(snapshot.cluster.pods, snapshot.nodes, matches, byIp));
  return { matches, findings: sortFindings(findings) };
}
