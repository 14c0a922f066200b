import type { ChangeKind } from '../analysis/diff/types';

const MARK: Record<ChangeKind, string> = { added: '+', removed: '−', changed: '~', reordered: '↕' };

/** `+ added`, `− removed`, `~ changed`, `↕ reordered`; `label` replaces the word (paths say appeared / disappeared). */
export function KindBadge({ kind, label }: { kind: ChangeKind; label?: string }) {
  return (
    <span className={`chg-badge chg-${kind}`}>
      {MARK[kind]} {label ?? kind}
    </span>
  );
}
