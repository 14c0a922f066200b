import type { SourceRef } from '../analysis/model';
import { formatSource } from '../ui-logic/format';

/** A `file:line` reference that opens the raw line in the evidence pane. */
export function SourceLink({ source, onOpen }: { source: SourceRef; onOpen: (source: SourceRef) => void }) {
  return (
    <button type="button" className="link mono" onClick={() => onOpen(source)} title="Show the raw line">
      {formatSource(source)}
    </button>
  );
}
