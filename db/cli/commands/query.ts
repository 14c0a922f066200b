import { runReadOnlyQuery } from '../../queries/console';
import { expectPositionals } from '../args';
import type { Command } from '../command';
import { openLibraryForRead, requireSnapshot } from '../library';
import { printJson } from '../output';
import { renderTable } from '../table';

export const queryCommand: Command = {
  name: 'query',
  usage: 'kube-netpath query SNAPSHOT "SELECT …" [--db FILE] [--json]',
  summary: 'run a read-only SQL query against the library (the snapshot is checked to exist)',
  flags: { values: ['db'], booleans: ['json'] },
  run(args, io) {
    const [snapshot, text] = expectPositionals(args, ['SNAPSHOT', 'SQL'], this.usage);
    const db = openLibraryForRead(args);
    try {
      requireSnapshot(db, snapshot);
      const result = runReadOnlyQuery(db, text);
      if (args.flags.has('json')) return printJson(io, result);
      io.stdout(renderTable(result.columns, result.rows.map((r) => r.map((v) => (v === null ? 'NULL' : String(v))))));
      if (result.truncated) io.stderr(`(only the first ${result.rows.length} rows are shown)`);
    } finally {
      db.close();
    }
  },
};
