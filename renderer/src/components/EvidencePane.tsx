// The raw evidence: the original line from the bundle file, highlighted, with the lines around it.

import { useEffect, useRef, useState } from 'react';
import type { SourceRef } from '../analysis/model';
import { useApp } from '../state/app-context';
import { useLoad } from '../state/use-load';
import { formatSource } from '../ui-logic/format';
import { ErrorNote, Loading } from './Status';

interface Props {
  snapshotId: number;
  sources: readonly SourceRef[];
  /** the pane's heading and accessible name; `Raw evidence` by default (compare: one pane per snapshot) */
  title?: string;
  /** what the pane says with no source */
  empty?: string;
}

export function EvidencePane({ snapshotId, sources, title = 'Raw evidence', empty = 'Select a hop, rule or finding to see the line it came from.' }: Props) {
  const [active, setActive] = useState(0);
  useEffect(() => {
    setActive(0);
  }, [sources]);
  const source = sources[Math.min(active, sources.length - 1)] ?? null;
  return (
    <section className="evidence" aria-label={title}>
      <header className="pane-head">
        <span className="evidence-title">{title}</span>
        {sources.length > 1 ? (
          <span className="evidence-tabs" role="tablist">
            {sources.map((s, i) => (
              <button key={`${formatSource(s)}-${i}`} type="button" role="tab" aria-selected={i === active} className="tab" onClick={() => setActive(i)}>
                {formatSource(s)}
              </button>
            ))}
          </span>
        ) : null}
      </header>
      {source ? <Excerpt snapshotId={snapshotId} source={source} /> : <div className="muted pad">{empty}</div>}
    </section>
  );
}

function Excerpt({ snapshotId, source }: { snapshotId: number; source: SourceRef }) {
  const { api } = useApp();
  const excerpt = useLoad(() => api.fileExcerpt({ snapshotId, path: source.file, line: Math.max(1, source.line) }), [api, snapshotId, source.file, source.line]);
  const markRef = useRef<HTMLDivElement>(null);
  const linesRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const mark = markRef.current;
    const lines = linesRef.current;
    if (mark && lines) lines.scrollTop += mark.getBoundingClientRect().top - lines.getBoundingClientRect().top - lines.clientHeight / 2;
  }, [excerpt.data]);
  if (excerpt.error) return <ErrorNote error={excerpt.error} />;
  if (!excerpt.data) return excerpt.loading ? <Loading what="excerpt" /> : <div className="muted pad">{source.file} is not in this snapshot.</div>;
  const { path, command, firstLine, lines, totalLines } = excerpt.data;
  return (
    <div className="excerpt">
      <div className="excerpt-meta mono" data-testid="evidence-file">
        {path}
        {source.line > 0 ? `:${source.line}` : ''}
        {source.pointer ? ` ${source.pointer}` : ''} <span className="muted">({totalLines} lines{command ? ` · ${command}` : ''})</span>
      </div>
      <div className="excerpt-lines mono" ref={linesRef}>
        {lines.map((text, i) => {
          const n = firstLine + i;
          const hit = n === source.line;
          return (
            <div key={n} ref={hit ? markRef : undefined} className={`excerpt-line${hit ? ' hit' : ''}`} data-line={n}>
              <span className="lineno">{n}</span>
              <span className="linetext">{text === '' ? ' ' : text}</span>
            </div>
          );
        })}
      </div>
    </div>
  );
}
