import { listSnapshots } from '../../queries/snapshots';
import { expectPositionals } from '../args';
import type { Command } from '../command';
import { openLibraryForRead } from '../library';
import { printJson } from '../output';
import { renderTable } from '../table';

export const listCommand: Command = {
  name: 'list',
  usage: 'kube-netpath list [--db FILE] [--json]',
  summary: 'list the snapshots in the library',
  flags: { values: ['db'], booleans: ['json'] },
  run(args, io) {
    expectPositionals(args, [], this.usage);
    const db = openLibraryForRead(args);
    try {
      const snapshots = listSnapshots(db);
      if (args.flags.has('json')) return printJson(io, snapshots);
      if (snapshots.length === 0) return io.stdout('no snapshots yet: kube-netpath import BUNDLE');
      io.stdout(
        renderTable(
          ['ID', 'NAME', 'CAPTURED', 'NODES', 'SERVICES', 'RULES', 'WARNINGS'],
          snapshots.map((s) => [String(s.id), s.name, s.createdAt ?? '-', s.nodes.join(',') || '-', String(s.services), String(s.rules), String(s.warnings + s.errors)]),
        ),
      );
    } finally {
      db.close();
    }
  },
};
