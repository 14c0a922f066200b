// Findings: what an analysis wants a person to look at, in one shape for every analysis (veth
// correlation, packet paths, diffs), so the UI can group them by severity like Wireshark's Expert
// Info and link each one to the raw lines behind it.

import type { Severity, SourceRef } from './model';

export interface Finding {
  severity: Severity;
  /** stable machine-readable kind, e.g. `veth-netns-not-captured`, `duplicate-pod-ip` */
  code: string;
  /** the node the finding is about; null for cluster-wide findings */
  node: string | null;
  message: string;
  /** the object the finding is about: an interface name, a netns, `namespace/pod`, an IP */
  subject: string;
  evidence: SourceRef[];
}

const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    compareText(a.node ?? '', b.node ?? '') ||
    compareText(a.code, b.code) ||
    compareText(a.subject, b.subject) ||
    compareText(a.message, b.message)
  );
}

/** Errors first, then warnings, then info; within a severity by node, code, subject, message. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(compareFindings);
}
