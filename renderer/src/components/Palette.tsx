// Ctrl/Cmd+K: type an IP, pod, Service, chain… and jump to it; view names work too.

import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { SearchHit } from '../../../electron/ipc-contract';
import { useApp } from '../state/app-context';
import { errorMessage } from '../state/errors';
import { routeForHit, VIEWS, type Route } from '../ui-logic/route';

interface Entry {
  key: string;
  kind: string;
  label: string;
  detail: string;
  open: () => void;
}

function hitEntry(hit: SearchHit, i: number, navigate: (route: Route) => void): Entry {
  return {
    key: `hit-${i}`,
    kind: hit.kind,
    label: hit.label,
    detail: [hit.node, hit.detail, hit.source ? `${hit.source.file}:${hit.source.line}` : null].filter((t) => t).join(' · '),
    open: () => navigate(routeForHit(hit)),
  };
}

export function Palette() {
  const { api, snapshotId, navigate, goToView, setPaletteOpen } = useApp();
  const [text, setText] = useState('');
  const [hits, setHits] = useState<SearchHit[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [active, setActive] = useState(0);
  const inputRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    inputRef.current?.focus();
  }, []);

  useEffect(() => {
    const query = text.trim();
    if (snapshotId === null || query.length < 2) {
      setHits([]);
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      api.search({ snapshotId, text: query }).then(
        (found) => {
          if (!live) return;
          setHits(found);
          setError(null);
        },
        (err: unknown) => live && setError(errorMessage(err)),
      );
    }, 120);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api, snapshotId, text]);

  const lower = text.trim().toLowerCase();
  const views: Entry[] = VIEWS.filter((v) => (snapshotId !== null || !v.needsSnapshot) && lower !== '' && v.label.toLowerCase().includes(lower)).map((v) => ({
    key: `view-${v.view}`,
    kind: 'view',
    label: `Go to ${v.label}`,
    detail: '',
    open: () => goToView(v.view),
  }));
  const entries = [...views, ...hits.map((hit, i) => hitEntry(hit, i, navigate))];
  const current = Math.min(active, entries.length - 1);

  const close = (): void => setPaletteOpen(false);
  const choose = (entry: Entry): void => {
    entry.open();
    close();
  };
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>): void => {
    if (e.key === 'Escape') close();
    else if (e.key === 'ArrowDown') setActive(Math.min(entries.length - 1, current + 1));
    else if (e.key === 'ArrowUp') setActive(Math.max(0, current - 1));
    else if (e.key === 'Enter' && entries[current]) choose(entries[current]);
    else return;
    e.preventDefault();
  };

  return (
    <div className="palette-backdrop" onMouseDown={close}>
      <div className="palette" role="dialog" aria-label="Search" onMouseDown={(e) => e.stopPropagation()}>
        <input
          ref={inputRef}
          className="palette-input"
          placeholder={snapshotId === null ? 'Go to a view… (open a snapshot to search it)' : 'IP, pod, Service, chain, interface… or a view name'}
          value={text}
          aria-label="Search text"
          aria-controls="palette-results"
          aria-activedescendant={entries[current] ? `palette-${entries[current].key}` : undefined}
          onChange={(e) => {
            setText(e.target.value);
            setActive(0);
          }}
          onKeyDown={onKeyDown}
        />
        {error ? <div className="error-note">{error}</div> : null}
        <ul className="palette-results" id="palette-results" role="listbox">
          {entries.map((entry, i) => (
            <li
              key={entry.key}
              id={`palette-${entry.key}`}
              role="option"
              aria-selected={i === current}
              className={i === current ? 'active' : undefined}
              onMouseEnter={() => setActive(i)}
              onClick={() => choose(entry)}
            >
              <span className={`kind kind-${entry.kind}`}>{entry.kind}</span>
              <span className="mono">{entry.label}</span>
              <span className="muted">{entry.detail}</span>
            </li>
          ))}
          {entries.length === 0 && lower.length >= 2 ? <li className="muted">No match</li> : null}
        </ul>
      </div>
    </div>
  );
}
