import type { ImportProgress } from '../../../db/api-types';
import { formatBytes, formatCount } from '../ui-logic/format';

export function ProgressBar({ progress }: { progress: ImportProgress }) {
  const ratio = progress.phase === 'done' ? 1 : progress.totalBytes > 0 ? Math.min(1, progress.bytesRead / progress.totalBytes) : 0;
  return (
    <div className="progress">
      <div
        className="progress-track"
        role="progressbar"
        aria-label="Import progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(ratio * 100)}
      >
        <div className="progress-fill" style={{ width: `${ratio * 100}%` }} />
      </div>
      <div className="progress-text">
        <span className="progress-phase">{progress.phase}</span> {formatBytes(progress.bytesRead)} of {formatBytes(progress.totalBytes)} ·{' '}
        {formatCount(progress.files)} files · {formatCount(progress.rows)} rows
        {progress.currentFile ? <span className="muted mono"> · {progress.currentFile}</span> : null}
      </div>
    </div>
  );
}
