// Read-only SQL over the library; results in a virtualised grid. Ctrl+Enter runs.

import { useMemo, useState, type KeyboardEvent } from 'react';
import type { QueryResult } from '../../../db/api-types';
import { ErrorNote } from '../components/Status';
import { VirtualTable, type Column } from '../components/VirtualTable';
import { useApp } from '../state/app-context';
import { errorMessage } from '../state/errors';
import { useStoredState } from '../state/use-stored-state';

interface Row {
  index: number;
  cells: unknown[];
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function compareCells(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return cell(a).localeCompare(cell(b));
}

export function SqlView() {
  const { api, snapshotId } = useApp();
  const [sql, setSql] = useStoredState('knp.sql', snapshotId === null ? 'SELECT id, name, created_at FROM snapshots' : `SELECT namespace, name, type FROM services WHERE snapshot_id = ${snapshotId} ORDER BY namespace, name`);
  const [result, setResult] = useState<QueryResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [elapsed, setElapsed] = useState(0);

  const run = async (): Promise<void> => {
    if (sql.trim() === '' || busy) return;
    setBusy(true);
    setError(null);
    const started = performance.now();
    try {
      setResult(await api.runQuery({ sql }));
    } catch (err) {
      setResult(null);
      setError(errorMessage(err));
    } finally {
      setElapsed(performance.now() - started);
      setBusy(false);
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>): void => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void run();
    }
  };

  const rows = useMemo<Row[]>(() => (result ? result.rows.map((cells, index) => ({ index, cells })) : []), [result]);
  const columns = useMemo<Column<Row>[]>(
    () => [
      { id: '#', header: '#', width: '52px', render: (r) => r.index + 1, align: 'right', compare: (a, b) => a.index - b.index },
      ...(result?.columns ?? []).map((name, i) => ({
        id: `${i}:${name}`,
        header: name,
        width: 'minmax(90px, 1fr)',
        render: (r: Row) => <span className={r.cells[i] === null ? 'muted mono' : 'mono'}>{cell(r.cells[i])}</span>,
        compare: (a: Row, b: Row) => compareCells(a.cells[i], b.cells[i]),
      })),
    ],
    [result],
  );

  return (
    <div className="view view-sql">
      <header className="view-head">
        <h2>SQL console</h2>
        <span className="muted">read-only · Ctrl+Enter runs</span>
        <span className="spacer" />
        <button type="button" className="btn primary" onClick={() => void run()} disabled={busy}>
          {busy ? 'Running…' : 'Run'}
        </button>
      </header>
      <textarea className="sql-editor mono" aria-label="SQL" spellCheck={false} value={sql} onChange={(e) => setSql(e.target.value)} onKeyDown={onKeyDown} rows={5} />
      {error ? <ErrorNote error={error} /> : null}
      {result ? (
        <div className="sql-status muted" role="status">
          {result.rows.length} {result.rows.length === 1 ? 'row' : 'rows'}{result.truncated ? ' (truncated)' : ''} · {elapsed.toFixed(0)} ms
        </div>
      ) : null}
      <div className="sql-result">{result ? <VirtualTable label="Query result" rows={rows} columns={columns} rowKey={(r) => String(r.index)} empty="The query returned no rows." /> : null}</div>
    </div>
  );
}
