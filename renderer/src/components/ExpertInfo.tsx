// Findings and diagnostics grouped by severity, then by code, like Wireshark's Expert Info.

import type { ReactNode } from 'react';
import type { Severity, SourceRef } from '../analysis/model';
import { groupBySeverity } from '../ui-logic/group-findings';
import { SeverityBadge } from './SeverityBadge';
import { SourceLink } from './SourceLink';

export interface ExpertItem {
  severity: Severity;
  code: string;
  message: string;
  /** node, subject, … shown before the message */
  context: string;
  sources: SourceRef[];
}

interface Props {
  title: string;
  items: readonly ExpertItem[];
  onOpenSource: (source: SourceRef) => void;
  empty: ReactNode;
}

export function ExpertInfo({ title, items, onOpenSource, empty }: Props) {
  const groups = groupBySeverity(items);
  return (
    <section className="expert" aria-label={title}>
      <h3>
        {title} <span className="muted">({items.length})</span>
      </h3>
      {groups.length === 0 ? <div className="muted pad">{empty}</div> : null}
      {groups.map((group) => (
        <details key={group.severity} open={group.severity !== 'info' || groups.length === 1} className={`expert-sev sev-group-${group.severity}`}>
          <summary>
            <SeverityBadge severity={group.severity} count={group.count} />
          </summary>
          {group.codes.map((code) => (
            <details key={code.code} open={code.items.length <= 8} className="expert-code">
              <summary>
                <span className="mono">{code.code}</span> <span className="muted">×{code.items.length}</span>
              </summary>
              <ul>
                {code.items.map((item, i) => (
                  <li key={`${item.context}-${i}`} className={`expert-item${item.context ? '' : ' no-context'}`}>
                    {item.context ? (
                      <span className="expert-context mono" title={item.context}>
                        {item.context}
                      </span>
                    ) : null}
                    <span>{item.message}</span>
                    <span className="expert-sources">
                      {item.sources.map((s, j) => (
                        <SourceLink key={j} source={s} onOpen={onOpenSource} />
                      ))}
                    </span>
                  </li>
                ))}
              </ul>
            </details>
          ))}
        </details>
      ))}
    </section>
  );
}
