import Database from 'better-sqlite3';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrate } from './migrations';
import type { SqlValue } from './sql';

// Branded handles: query functions say whether they read or write, and the compiler stops a
// write through a read-only handle (Signal Desktop's ReadableDB/WritableDB).
declare const readableBrand: unique symbol;
declare const writableBrand: unique symbol;
export type ReadableDB = Database.Database & { readonly [readableBrand]: true };
export type WritableDB = ReadableDB & { readonly [writableBrand]: true };

/** The library file the desktop app and the CLI share: `<appData>/kube-netpath/library.sqlite`. */
export function defaultLibraryPath(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.KUBE_NETPATH_DB) return env.KUBE_NETPATH_DB;
  const home = homedir();
  const appData =
    platform === 'win32'
      ? (env.APPDATA ?? join(home, 'AppData', 'Roaming'))
      : platform === 'darwin'
        ? join(home, 'Library', 'Application Support')
        : (env.XDG_CONFIG_HOME ?? join(home, '.config'));
  return join(appData, 'kube-netpath', 'library.sqlite');
}

/** Page size of a new library file (PRAGMA page_size). */
export const PAGE_SIZE = 16384;

function configure(db: Database.Database): void {
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
}

/** Opens (creating and migrating if needed) the library for writing. */
export function openWritable(file: string): WritableDB {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  // Only a new library takes this (an existing one keeps the page size it was created with).
  // Imports write ~200-byte rule rows by the hundred thousand into a WITHOUT ROWID table and
  // tens of MB of raw files: 16 KiB pages make that write about a tenth cheaper than 4 KiB ones.
  db.pragma(`page_size = ${PAGE_SIZE}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  configure(db);
  migrate(db);
  return db as WritableDB;
}

/**
 * Opens an existing library read-only: SQLite itself refuses writes on this connection, which
 * is what makes the SQL console safe (no string checks).
 */
export function openReadonly(file: string): ReadableDB {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  configure(db);
  db.pragma('query_only = ON');
  return db as ReadableDB;
}

export function all<T>(db: ReadableDB, [query, params]: [string, SqlValue[]]): T[] {
  return db.prepare(query).all(...params) as T[];
}

export function get<T>(db: ReadableDB, [query, params]: [string, SqlValue[]]): T | undefined {
  return db.prepare(query).get(...params) as T | undefined;
}

export function run(db: WritableDB, [query, params]: [string, SqlValue[]]): Database.RunResult {
  return db.prepare(query).run(...params);
}
