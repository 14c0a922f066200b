import type Database from 'better-sqlite3';
import { update as update0010 } from './0010-initial';
import { update as update0020 } from './0020-drop-rule-statements';
import { update as update0030 } from './0030-rules-by-chain-position';
import { update as update0040 } from './0040-cheaper-import-writes';

// Schema versions only go up, in steps of 10 so a fix can slot in between (Signal Desktop's
// migrations). Each runs in its own transaction and sets user_version.
export interface SchemaVersion {
  version: number;
  update: (db: Database.Database) => void;
}

export const SCHEMA_VERSIONS: readonly SchemaVersion[] = [
  { version: 10, update: update0010 },
  { version: 20, update: update0020 },
  { version: 30, update: update0030 },
  { version: 40, update: update0040 },
];

export class DBVersionFromFutureError extends Error {
  override name = 'DBVersionFromFutureError';
  constructor(readonly found: number, readonly supported: number) {
    super(
      `the library was written by a newer kube-netpath (schema ${found}, this version knows up to ${supported}); upgrade kube-netpath or use another --db`,
    );
  }
}

export function currentVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function latestVersion(versions: readonly SchemaVersion[] = SCHEMA_VERSIONS): number {
  return versions.length ? versions[versions.length - 1].version : 0;
}

/** Brings the database up to `target` (default: the latest), refusing databases from the future. */
export function migrate(
  db: Database.Database,
  versions: readonly SchemaVersion[] = SCHEMA_VERSIONS,
  target = latestVersion(versions),
): void {
  versions.forEach((v, i) => {
    if (i > 0 && v.version <= versions[i - 1].version) {
      throw new Error(`schema versions must increase: ${versions[i - 1].version} then ${v.version}`);
    }
  });
  const found = currentVersion(db);
  if (found > latestVersion(versions)) throw new DBVersionFromFutureError(found, latestVersion(versions));
  for (const { version, update } of versions) {
    if (version <= found || version > target) continue;
    db.transaction(() => {
      update(db);
      db.pragma(`user_version = ${version}`);
    })();
  }
}
