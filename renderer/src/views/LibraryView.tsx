// The library: every imported snapshot, and the import form with progress and diagnostics.

import { useState } from 'react';
import type { SnapshotSummary } from '../../../db/api-types';
import { ErrorNote, Loading } from '../components/Status';
import { VirtualTable, type Column } from '../components/VirtualTable';
import { useApp } from '../state/app-context';
import { errorMessage } from '../state/errors';
import { formatBytes, formatTime } from '../ui-logic/format';
import { ImportPanel } from './ImportPanel';

const COLUMNS: Column<SnapshotSummary>[] = [
  { id: 'id', header: '#', width: '44px', render: (s) => s.id, compare: (a, b) => a.id - b.id, align: 'right' },
  { id: 'name', header: 'Name', width: 'minmax(160px, 1.4fr)', render: (s) => s.name, compare: (a, b) => a.name.localeCompare(b.name) },
  { id: 'nodes', header: 'Nodes', width: 'minmax(140px, 1.2fr)', render: (s) => s.nodes.join(', ') },
  { id: 'captured', header: 'Captured', width: '150px', render: (s) => formatTime(s.createdAt), compare: (a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? '') },
  { id: 'imported', header: 'Imported', width: '150px', render: (s) => formatTime(s.importedAt), compare: (a, b) => a.importedAt.localeCompare(b.importedAt) },
  { id: 'size', header: 'Size', width: '80px', render: (s) => formatBytes(s.sizeBytes), compare: (a, b) => a.sizeBytes - b.sizeBytes, align: 'right' },
  { id: 'services', header: 'Services', width: '70px', render: (s) => s.services, compare: (a, b) => a.services - b.services, align: 'right' },
  { id: 'rules', header: 'Rules', width: '70px', render: (s) => s.rules, compare: (a, b) => a.rules - b.rules, align: 'right' },
  {
    id: 'issues',
    header: 'Errors / warnings',
    width: '120px',
    render: (s) => (
      <span>
        <span className={s.errors ? 'sev-text-error' : 'muted'}>{s.errors}</span> / <span className={s.warnings ? 'sev-text-warning' : 'muted'}>{s.warnings}</span>
      </span>
    ),
    compare: (a, b) => a.errors - b.errors || a.warnings - b.warnings,
    align: 'right',
  },
  { id: 'source', header: 'Source', width: 'minmax(120px, 1fr)', render: (s) => <span className="mono" title={s.sourcePath ?? ''}>{s.sourceKind}{s.sourcePath ? ` ${s.sourcePath}` : ''}</span> },
];

export function LibraryView() {
  const { api, snapshots, snapshotsError, refreshSnapshots, openSnapshot } = useApp();
  const [selected, setSelected] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const current = snapshots?.find((s) => s.id === selected) ?? null;

  const remove = async (snapshot: SnapshotSummary): Promise<void> => {
    if (!confirm(`Delete snapshot #${snapshot.id} ${snapshot.name}? This cannot be undone.`)) return;
    try {
      await api.deleteSnapshot({ snapshotId: snapshot.id });
      setSelected(null);
      await refreshSnapshots();
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  return (
    <div className="view view-library">
      <header className="view-head">
        <h2>Library</h2>
        <span className="muted">{snapshots ? `${snapshots.length} snapshots` : ''}</span>
        <span className="spacer" />
        <button type="button" className="btn primary" disabled={!current} onClick={() => current && openSnapshot(current.id)}>
          Open
        </button>
        <button type="button" className="btn danger" disabled={!current} onClick={() => current && void remove(current)}>
          Delete
        </button>
      </header>
      {snapshotsError ? <ErrorNote error={snapshotsError} /> : null}
      {error ? <ErrorNote error={error} /> : null}
      <div className="library-table">
        {snapshots === null ? (
          <Loading what="snapshots" />
        ) : (
          <VirtualTable
            label="Snapshots"
            rows={snapshots}
            columns={COLUMNS}
            rowKey={(s) => String(s.id)}
            selectedKey={selected === null ? null : String(selected)}
            onSelect={(s) => setSelected(s.id)}
            onActivate={(s) => openSnapshot(s.id)}
            initialSort={{ column: 'id', descending: true }}
            empty="No snapshots yet: import a bundle below."
          />
        )}
      </div>
      <ImportPanel />
    </div>
  );
}
