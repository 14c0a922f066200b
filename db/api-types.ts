// Plain data shapes that cross the process boundary (IPC, the web harness, the CLI's --json).
// Types only and no imports beyond the analysis model, so the renderer can see them too.
import type { Severity } from '../renderer/src/analysis/model';

export interface SnapshotSummary {
  id: number;
  name: string;
  sourceKind: string;
  sourcePath: string | null;
  createdAt: string | null;
  importedAt: string;
  sizeBytes: number;
  collector: string | null;
  nodes: string[];
  services: number;
  rules: number;
  errors: number;
  warnings: number;
}

export interface ServicePortRow {
  name: string | null;
  protocol: string;
  port: number;
  targetPort: string | null;
  nodePort: number | null;
}

export interface ServiceRow {
  namespace: string;
  name: string;
  type: string;
  clusterIPs: string[];
  externalIPs: string[];
  loadBalancerIPs: string[];
  ports: ServicePortRow[];
  externalTrafficPolicy: string | null;
  internalTrafficPolicy: string | null;
  sessionAffinity: string;
  endpoints: number;
  readyEndpoints: number;
}

export interface Diagnostic {
  file: string | null;
  line: number;
  col: number;
  severity: Severity;
  code: string;
  message: string;
  detail: string | null;
}

export interface FileExcerpt {
  path: string;
  kind: string;
  command: string | null;
  /** first line number of `lines` (1-based) */
  firstLine: number;
  lines: string[];
  totalLines: number;
}

export interface FileEntry {
  path: string;
  kind: string;
  node: string | null;
  netns: string | null;
  size: number;
  command: string | null;
  exitCode: number | null;
}

export interface QueryResult {
  columns: string[];
  rows: unknown[][];
  truncated: boolean;
}

export interface ImportProgress {
  phase: 'read' | 'parse' | 'write' | 'done';
  bytesRead: number;
  totalBytes: number;
  files: number;
  rows: number;
  currentFile: string | null;
}

export interface ImportResult {
  snapshotId: number;
  name: string;
  /** set when the same content was imported before: nothing new was written */
  duplicate: boolean;
  diagnostics: Diagnostic[];
  nodes: string[];
}
