import type { SnapshotData } from '../../renderer/src/analysis/model';
import { loadSnapshot } from '../queries/snapshot-data';
import type { ParsedArgs } from './args';
import { openLibraryForRead, requireSnapshot } from './library';

/** Opens the library read-only and loads one snapshot's normalised data for the analysis commands. */
export function loadSnapshotArg(args: ParsedArgs, idOrName: string): SnapshotData {
  const db = openLibraryForRead(args);
  try {
    return loadSnapshot(db, requireSnapshot(db, idOrName).id)!;
  } finally {
    db.close();
  }
}
