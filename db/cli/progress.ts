import type { ImportProgress } from '../import';
import type { CliIO } from './output';

const BAR = 30;

function mib(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}

/** Draws import progress on one redrawn stderr line, only on a terminal; returns the callback and a finisher. */
export function importProgressBar(io: CliIO): { update: (p: ImportProgress) => void; finish: () => void } {
  if (!io.interactive) return { update: () => {}, finish: () => {} };
  let last = 0;
  let drawn = false;
  const update = (p: ImportProgress) => {
    const now = Date.now();
    if (now - last < 80 && p.phase !== 'done') return;
    last = now;
    const fraction = p.phase === 'read' && p.totalBytes > 0 ? Math.min(1, p.bytesRead / p.totalBytes) : p.phase === 'read' ? 0 : 1;
    const filled = Math.round(fraction * BAR);
    // Rows are written from the parse on: each ruleset's rules as it is read.
    const detail =
      p.phase === 'read' ? `${mib(p.bytesRead)}${p.totalBytes ? `/${mib(p.totalBytes)}` : ''} MiB, ${p.files} files` : p.rows > 0 ? `${p.rows} rows written` : '';
    process.stderr.write(`\r\x1b[2K${p.phase.padEnd(5)} [${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ${detail}`);
    drawn = true;
  };
  return { update, finish: () => drawn && process.stderr.write('\r\x1b[2K') };
}
