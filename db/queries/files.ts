import { all, get, type ReadableDB } from '../connection';
import { sql } from '../sql';
import type { Diagnostic, FileEntry, FileExcerpt } from '../api-types';

export type { FileEntry, FileExcerpt };


/** The raw lines around `line` of a bundle file: evidence one click away. */
export function fileExcerpt(db: ReadableDB, snapshotId: number, path: string, line: number, context = 5): FileExcerpt | null {
  const row = get<{ kind: string; command: string | null; content: Buffer }>(
    db,
    sql`SELECT f.kind, f.command, b.content FROM files f JOIN blobs b ON b.hash = f.blob_hash WHERE f.snapshot_id = ${snapshotId} AND f.path = ${path}`,
  );
  if (!row) return null;
  const all = row.content.toString('utf8').split('\n');
  const first = Math.max(1, line - context);
  const last = line <= 0 ? Math.min(all.length, 200) : Math.min(all.length, line + context);
  return { path, kind: row.kind, command: row.command, firstLine: first, lines: all.slice(first - 1, last), totalLines: all.length };
}


export function listFiles(db: ReadableDB, snapshotId: number): FileEntry[] {
  return all<{ path: string; kind: string; node: string | null; netns: string | null; size: number; command: string | null; exit_code: number | null }>(
    db,
    sql`SELECT path, kind, node, netns, size, command, exit_code FROM files WHERE snapshot_id = ${snapshotId} ORDER BY path`,
  ).map((r) => ({ path: r.path, kind: r.kind, node: r.node, netns: r.netns, size: r.size, command: r.command, exitCode: r.exit_code }));
}

export function listDiagnostics(db: ReadableDB, snapshotId: number): Diagnostic[] {
  return all<Diagnostic>(
    db,
    sql`SELECT file, line, col, severity, code, message, detail FROM diagnostics WHERE snapshot_id = ${snapshotId}
        ORDER BY CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, id`,
  );
}
