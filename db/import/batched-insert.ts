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
 *
 * A column that is NULL in every row of a batch is written as a NULL literal rather than bound
 * row by row: binding costs about as much for a NULL as for a number, and most chains have no
 * hook, type, priority or policy, and most rules no handle or comment.
 */
export class BatchedInsert {
  private readonly pending: SqlValue[] = [];
  private readonly capacity: number;
  /**
   * The INSERT for each number of rows and set of NULL columns run so far: a parent is flushed
   * with however many rows it holds each time a batch that refers to it fills, a few thousand
   * times in a large import.
   */
  private readonly inserts = new Map<number, Statement>();

  /** `parent`: the batch of the rows these refer to (a foreign key), written before each of these batches */
  constructor(
    private readonly db: WritableDB,
    private readonly table: string,
    private readonly columns: readonly string[],
    private readonly parent?: BatchedInsert,
  ) {
    if (columns.length > MAX_COLUMNS) throw new Error(`BatchedInsert takes at most ${MAX_COLUMNS} columns, not ${columns.length}`);
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
    const pending = this.pending;
    if (pending.length === 0) return;
    const width = this.columns.length;
    const rows = pending.length / width;
    const nulls = nullColumns(pending, width);
    this.insertOf(rows, nulls).run(nulls === 0 ? pending : withoutColumns(pending, width, nulls));
    pending.length = 0;
  }

  private insertOf(rows: number, nulls: number): Statement {
    const key = nulls * (MAX_VARIABLES + 1) + rows;
    let insert = this.inserts.get(key);
    if (!insert) this.inserts.set(key, (insert = this.db.prepare(insertRows(this.table, this.columns, rows, nulls))));
    return insert;
  }
}

/** Columns a batch can have: each is a bit of its NULL-column mask. */
const MAX_COLUMNS = 30;

/** The columns (bit i: column i) that are NULL in every row of `values`, `width` values a row. */
function nullColumns(values: readonly SqlValue[], width: number): number {
  let mask = 0;
  for (let column = 0; column < width; column++) {
    let allNull = true;
    for (let i = column; i < values.length && allNull; i += width) allNull = values[i] === null;
    if (allNull) mask |= 1 << column;
  }
  return mask;
}

/** `values` without the columns in `mask`. */
function withoutColumns(values: readonly SqlValue[], width: number, mask: number): SqlValue[] {
  const out: SqlValue[] = [];
  for (let i = 0; i < values.length; i++) if ((mask & (1 << i % width)) === 0) out.push(values[i]);
  return out;
}

/** `INSERT INTO table (columns…) VALUES (?, NULL, …), …` for `rows` rows, NULL for the columns in `nulls`; the rest are bound at each run. */
function insertRows(table: string, columns: readonly string[], rows: number, nulls: number): string {
  const placeholders = sqlFragment`(${sqlJoin(columns.map((_, i) => ((nulls & (1 << i)) === 0 ? null : sqlFragment`NULL`)))})`;
  const [text] = sql`INSERT INTO ${sqlId(table)} (${sqlJoin(columns.map(sqlId))}) VALUES ${sqlJoin(Array(rows).fill(placeholders))}`;
  return text;
}
