import { basename } from 'node:path';
import type { WritableDB } from '../connection';
import { readBundleSource, type ArchiveLimits } from './archive';
import { ClusterParser, defaultClusterWorker } from './cluster-parse';
import { attachStaging, detachStaging } from './cluster-staging';
import { ImportError } from './errors';
import { isClusterFile, openBundle, parseNodeFiles, type ParseBundleOptions } from './parse-bundle';
import { RowCount } from './row-count';
import { RulesetWriter } from './ruleset-writer';
import { writeSnapshot, type BundleRows } from './write-snapshot';

export { ImportError } from './errors';
export type { Diagnostic } from './diagnostics';
import type { ImportProgress, ImportResult } from '../api-types';
export type { ImportProgress, ImportResult };


export interface ImportOptions {
  name?: string;
  keepGoing?: boolean;
  looseNode?: string;
  limits?: Partial<ArchiveLimits>;
  onProgress?: (progress: ImportProgress) => void;
  /**
   * The built cluster-parsing worker (cluster-worker.js); null parses everything on this thread.
   * By default, the one built next to this code, if any.
   */
  clusterWorker?: string | null;
}


/** SQLite page cache during an import, in KiB when negative (PRAGMA cache_size). */
const IMPORT_CACHE_SIZE = -65536;

/** Default snapshot name: the file name without its archive extension. */
export function defaultSnapshotName(path: string): string {
  return basename(path.replace(/[\\/]+$/, '')).replace(/\.(tar\.gz|tgz|tar|gz|txt|json)$/i, '') || 'snapshot';
}

/**
 * Imports a bundle (archive, folder or loose file) as one snapshot in one transaction: a failed
 * import leaves the library exactly as it was. The same content imported twice is detected by
 * hash and reported, not duplicated.
 */
export async function importBundle(db: WritableDB, path: string, opts: ImportOptions = {}): Promise<ImportResult> {
  const clusterParser = new ClusterParser(opts.clusterWorker === undefined ? defaultClusterWorker() : opts.clusterWorker);
  try {
    return await importWith(db, path, opts, clusterParser);
  } finally {
    await clusterParser.close();
  }
}

async function importWith(db: WritableDB, path: string, opts: ImportOptions, clusterParser: ClusterParser): Promise<ImportResult> {
  const progress: ImportProgress = { phase: 'read', bytesRead: 0, totalBytes: 0, files: 0, rows: 0, currentFile: null };
  const report = (patch: Partial<ImportProgress>) => {
    Object.assign(progress, patch);
    opts.onProgress?.({ ...progress });
  };
  const source = await readBundleSource(path, {
    limits: opts.limits,
    onProgress: (p) => report({ phase: 'read', ...p }),
  });

  const existing = db.prepare('SELECT id, name FROM snapshots WHERE content_hash = ?').get(source.contentHash) as
    | { id: number; name: string }
    | undefined;
  if (existing) {
    report({ phase: 'done' });
    return { snapshotId: existing.id, name: existing.name, duplicate: true, diagnostics: [], nodes: [] };
  }

  const name = opts.name ?? uniqueName(db, defaultSnapshotName(path));
  if (opts.name && db.prepare('SELECT 1 FROM snapshots WHERE name = ?').get(opts.name)) {
    throw new ImportError(`a snapshot named ${JSON.stringify(opts.name)} already exists; choose another --name`, 'name-taken');
  }

  report({ phase: 'parse', currentFile: null });
  const parseOpts: ParseBundleOptions = { keepGoing: opts.keepGoing, looseNode: opts.looseNode };
  const bundle = openBundle(source, parseOpts);
  // The cluster files parse into table rows in the cluster worker (into its staging file) while
  // this thread parses the nodes' files (the rulesets, the bulk of the work), writing their rules
  // as it goes.
  const cluster = clusterParser.parse(bundle.files.filter(isClusterFile), parseOpts);
  // one count for all the import's writes: the rulesets' during the parse, the rest's after
  const written = new RowCount((rows) => report({ rows }));
  const result = await withStaging(db, cluster.staging, () =>
    inImportTransaction(db, async () => {
      const nodes = parseNodeFiles(bundle, parseOpts, new RulesetWriter(db, written));
      const { rows, diagnostics } = await cluster.answer;
      report({ phase: 'write' });
      const parsed: BundleRows = { ...bundle, ...nodes, cluster: rows, diagnostics: [...bundle.diagnostics, ...diagnostics, ...nodes.diagnostics] };
      const snapshotId = writeSnapshot(db, parsed, name, written);
      return { snapshotId, diagnostics: parsed.diagnostics, nodes: parsed.nodes.map((n) => n.name) };
    }),
  );
  report({ phase: 'done' });
  return { ...result, name, duplicate: false };
}

/** Runs `use` with the cluster worker's staging file, if any, attached (SQLite attaches only outside a transaction). */
async function withStaging<T>(db: WritableDB, staging: string | null, use: () => Promise<T>): Promise<T> {
  if (staging === null) return use();
  attachStaging(db, staging);
  try {
    return await use();
  } finally {
    detachStaging(db);
  }
}

/**
 * Runs `write` in the import's one transaction: a failed import leaves the library exactly as it
 * was. The transaction spans an await (for the cluster worker's rows), so nothing else may use
 * the connection meanwhile: LibraryService runs its writes one at a time.
 *
 * Foreign keys are not enforced meanwhile. The importer assigns every id itself and writes each
 * row after the row it refers to; checking that again for each of several hundred thousand rows
 * was a twentieth of a large import (the tests check the library with PRAGMA foreign_key_check
 * after their imports). The one delete of an import (a ruleset rendering read for nothing)
 * deletes its children itself (RulesetWriter).
 */
async function inImportTransaction<T>(db: WritableDB, write: () => Promise<T>): Promise<T> {
  // A large import touches far more index pages than SQLite's default 2 MB cache holds; a bigger
  // cache for the length of the transaction keeps them from spilling to the WAL mid-import.
  const cacheSize = db.pragma('cache_size', { simple: true }) as number;
  const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number;
  db.pragma(`cache_size = ${IMPORT_CACHE_SIZE}`);
  db.pragma('foreign_keys = OFF');
  try {
    db.exec('BEGIN');
    try {
      const result = await write();
      db.exec('COMMIT');
      return result;
    } catch (error) {
      // (SQLite rolls back by itself after some errors, such as a full disk)
      if (db.inTransaction) db.exec('ROLLBACK');
      throw error;
    }
  } finally {
    db.pragma(`cache_size = ${cacheSize}`);
    db.pragma(`foreign_keys = ${foreignKeys}`);
  }
}

function uniqueName(db: WritableDB, base: string): string {
  const taken = db.prepare('SELECT 1 FROM snapshots WHERE name = ?');
  if (!taken.get(base)) return base;
  for (let i = 2; ; i++) {
    const candidate = `${base} (${i})`;
    if (!taken.get(candidate)) return candidate;
  }
}
