import { importBundle } from '../../import';
import { formatDiagnostic } from '../../import/diagnostics';
import { expectPositionals, flagValue } from '../args';
import type { Command } from '../command';
import { openLibraryForWrite } from '../library';
import { importProgressBar } from '../progress';

export const importCommand: Command = {
  name: 'import',
  usage: 'kube-netpath import BUNDLE [--db FILE] [--name NAME] [--node NAME] [--keep-going]',
  summary: 'import a bundle (.tar.gz, folder or loose file) as a new snapshot; prints its id last',
  flags: { values: ['db', 'name', 'node'], booleans: ['keep-going'] },
  async run(args, io) {
    const [bundle] = expectPositionals(args, ['BUNDLE'], this.usage);
    const db = openLibraryForWrite(args);
    const bar = importProgressBar(io);
    try {
      const result = await importBundle(db, bundle, {
        name: flagValue(args, 'name'),
        looseNode: flagValue(args, 'node'),
        keepGoing: args.flags.has('keep-going'),
        onProgress: bar.update,
      });
      bar.finish();
      if (result.duplicate) {
        io.stderr(`warning: ${bundle} was already imported as snapshot ${result.snapshotId} (${JSON.stringify(result.name)}); nothing new was written`);
      } else {
        const counts = { error: 0, warning: 0, info: 0 };
        for (const d of result.diagnostics) counts[d.severity]++;
        for (const d of result.diagnostics.filter((d) => d.severity !== 'info').slice(0, 20)) io.stderr(formatDiagnostic(d));
        const more = counts.error + counts.warning - 20;
        if (more > 0) io.stderr(`… and ${more} more (kube-netpath query ${result.snapshotId} "SELECT * FROM diagnostics WHERE snapshot_id = ${result.snapshotId}")`);
        io.stderr(
          `imported ${JSON.stringify(result.name)}: ${result.nodes.length} node(s) [${result.nodes.join(', ')}], ${counts.error} error(s), ${counts.warning} warning(s)`,
        );
      }
      io.stdout(String(result.snapshotId));
    } finally {
      bar.finish();
      db.close();
    }
  },
};
