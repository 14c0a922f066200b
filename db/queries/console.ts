import type { ReadableDB } from '../connection';
import type { QueryResult } from '../api-types';

export type { QueryResult };


/**
 * The power users' SQL console. Safety comes from the connection (opened read-only, query_only),
 * not from inspecting the text: SQLite itself refuses any write.
 */
export function runReadOnlyQuery(db: ReadableDB, text: string, maxRows = 10_000): QueryResult {
  const statement = db.prepare(text);
  if (!statement.reader) {
    throw new Error('only statements that return rows (SELECT, WITH, PRAGMA …) can run in the read-only console');
  }
  const columns = statement.columns().map((c) => c.name);
  const rows: unknown[][] = [];
  let truncated = false;
  for (const row of statement.raw(true).iterate() as IterableIterator<unknown[]>) {
    if (rows.length >= maxRows) {
      truncated = true;
      break;
    }
    rows.push(row.map((v) => (Buffer.isBuffer(v) ? `<blob ${v.length} bytes>` : typeof v === 'bigint' ? v.toString() : v)));
  }
  return { columns, rows, truncated };
}
