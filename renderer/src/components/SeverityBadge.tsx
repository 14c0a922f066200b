import type { Severity } from '../analysis/model';

export function SeverityBadge({ severity, count }: { severity: Severity; count?: number }) {
  return (
    <span className={`sev sev-${severity}`}>
      {severity}
      {count !== undefined ? ` ${count}` : ''}
    </span>
  );
}
