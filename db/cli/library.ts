import { existsSync } from 'node:fs';
import { defaultLibraryPath, openReadonly, openWritable, type ReadableDB, type WritableDB } from '../connection';
import { findSnapshot, type SnapshotSummary } from '../queries/snapshots';
import { flagValue, UsageError, type ParsedArgs } from './args';

export function libraryPath(args: ParsedArgs): string {
  return flagValue(args, 'db') ?? defaultLibraryPath();
}

export function openLibraryForWrite(args: ParsedArgs): WritableDB {
  return openWritable(libraryPath(args));
}

/** Read-only commands never create a library: a missing file is a user error. */
export function openLibraryForRead(args: ParsedArgs): ReadableDB {
  const path = libraryPath(args);
  if (!existsSync(path)) throw new UsageError(`no library at ${path}: import a bundle first (kube-netpath import BUNDLE --db ${path})`);
  // Open once writable so an older library is migrated before it is read.
  openWritable(path).close();
  return openReadonly(path);
}

export function requireSnapshot(db: ReadableDB, idOrName: string): SnapshotSummary {
  const found = findSnapshot(db, idOrName);
  if (!found) throw new UsageError(`no snapshot ${JSON.stringify(idOrName)} in the library (kube-netpath list shows them)`);
  return found;
}
