import type { Statement } from 'better-sqlite3';
import type { WritableDB } from '../connection';
import { MAX_VARIABLES, sql, sqlFragment, sqlId, sqlJoin, type SqlValue } from '../sql';

/**
 * Inserts rows into one table a batch at a time, through one multi-row INSERT. Each run of a
 * statement has a fixed cost of about what binding a whole row costs, so batches of ~80 rules
 * write the rules table about a third faster than one run per rule. Rows wait in the batch until
 * it is full or flush() is called, which must come before anything reads them or refers to them
 * (a foreign key; a batch of rows that do is given this one as its parent, and flushes it first):
 * the caller assigns ids itself rather than reading them back.
 */
export class BatchedInsert {
  private readonly pending: SqlValue[] = [];
  private readonly capacity: number;
  /**
   * The INSERT for each number of rows run so far: a parent is flushed with however many rows it
   * holds each time a batch that refers to it fills, a few thousand times in a large import.
   */
  private readonly inserts = new Map<number, Statement>();

  /** `parent`: the batch of the rows these refer to (a foreign key), written before each of these batches */
  constructor(
    private readonly db: WritableDB,
    private readonly table: string,
    private readonly columns: readonly string[],
    private readonly parent?: BatchedInsert,
  ) {
    this.capacity = Math.floor(MAX_VARIABLES / columns.length) * columns.length;
  }

  /** Queues one row, its values in the order of the columns. */
  add(row: readonly SqlValue[]): void {
    for (let i = 0; i < row.length; i++) this.pending.push(row[i]);
    if (this.pending.length === this.capacity) this.flush();
  }

  /** Writes the queued rows (and the parent's). */
  flush(): void {
    this.parent?.flush();
    if (this.pending.length === 0) return;
    this.insertOf(this.pending.length / this.columns.length).run(this.pending);
    this.pending.length = 0;
  }

  private insertOf(rows: number): Statement {
    let insert = this.inserts.get(rows);
    if (!insert) this.inserts.set(rows, (insert = this.db.prepare(insertRows(this.table, this.columns, rows))));
    return insert;
  }
}

/** `INSERT INTO table (columns…) VALUES (?, …), …` for `rows` rows; the values are bound at each run. */
function insertRows(table: string, columns: readonly string[], rows: number): string {
  const placeholders = sqlFragment`(${sqlJoin(columns.map(() => null))})`;
  const [text] = sql`INSERT INTO ${sqlId(table)} (${sqlJoin(columns.map(sqlId))}) VALUES ${sqlJoin(Array(rows).fill(placeholders))}`;
  return text;
}
