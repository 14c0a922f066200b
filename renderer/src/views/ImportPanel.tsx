// Import a bundle by path, native picker (Electron), dropping the file itself (Electron) or a path
// or file URL as text (the web harness); progress from the importProgress event; afterwards the
// diagnostics, grouped by severity.

import { useEffect, useState, type DragEvent, type FormEvent } from 'react';
import type { ImportProgress, ImportResult } from '../../../db/api-types';
import type { SourceRef } from '../analysis/model';
import { EvidencePane } from '../components/EvidencePane';
import { ExpertInfo, type ExpertItem } from '../components/ExpertInfo';
import { ProgressBar } from '../components/ProgressBar';
import { ErrorNote } from '../components/Status';
import { useApp } from '../state/app-context';
import { errorMessage } from '../state/errors';
import { droppedPath } from '../ui-logic/dropped-path';
import { diagnosticItems } from './diagnostic-items';

export function ImportPanel() {
  const { bridge, api, refreshSnapshots, openSnapshot } = useApp();
  const [path, setPath] = useState('');
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<ImportProgress | null>(null);
  const [result, setResult] = useState<ImportResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const [evidence, setEvidence] = useState<SourceRef[]>([]);

  useEffect(() => bridge.on('importProgress', setProgress), [bridge]);

  const run = async (target: string): Promise<void> => {
    if (target.trim() === '' || busy) return;
    setBusy(true);
    setError(null);
    setResult(null);
    setProgress(null);
    setEvidence([]);
    try {
      const res = await api.importBundle(name.trim() === '' ? { path: target.trim() } : { path: target.trim(), name: name.trim() });
      setResult(res);
      await refreshSnapshots();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    void run(path);
  };

  const pick = async (): Promise<void> => {
    if (!bridge.pickBundle) return;
    const chosen = await bridge.pickBundle();
    if (chosen !== null) {
      setPath(chosen);
      void run(chosen);
    }
  };

  const onDrop = (e: DragEvent<HTMLFormElement>): void => {
    e.preventDefault();
    setDragging(false);
    const dropped = droppedPath(e.dataTransfer, bridge.pathForFile);
    if (dropped) {
      setPath(dropped);
      void run(dropped);
    } else {
      setError(
        bridge.pathForFile
          ? 'That drop carried no file: drop a bundle (.tar.gz, a folder or a single file) from a file manager, or type its path.'
          : 'Drop a bundle path or file URL (drag the file from a file manager), or type its path: a browser does not reveal a dropped file\'s path.',
      );
    }
  };

  const items: ExpertItem[] = result ? diagnosticItems(result.diagnostics) : [];

  return (
    <section className="import" aria-label="Import a bundle">
      <form
        className={`import-form${dragging ? ' dragging' : ''}`}
        onSubmit={submit}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <h3>Import a bundle</h3>
        <div className="import-row">
          <input
            className="grow mono"
            type="text"
            aria-label="Bundle path"
            placeholder="/path/to/bundle.tar.gz, a bundle folder or a single file (nft list ruleset …) — or drop it here"
            value={path}
            onChange={(e) => setPath(e.target.value)}
            spellCheck={false}
          />
          <input type="text" aria-label="Snapshot name" placeholder="name (optional)" value={name} onChange={(e) => setName(e.target.value)} />
          {bridge.native && bridge.pickBundle ? (
            <button type="button" className="btn" onClick={() => void pick()} disabled={busy}>
              Browse…
            </button>
          ) : null}
          <button type="submit" className="btn primary" disabled={busy || path.trim() === ''}>
            {busy ? 'Importing…' : 'Import'}
          </button>
        </div>
        {progress && (busy || progress.phase === 'done') ? <ProgressBar progress={progress} /> : null}
      </form>
      {error ? <ErrorNote error={error} /> : null}
      {result ? (
        <div className="import-result" data-testid="import-result">
          <div className="import-summary">
            <strong>
              {result.duplicate ? 'Already imported' : 'Imported'} #{result.snapshotId} {result.name}
            </strong>
            <span className="muted">
              {' '}
              · nodes {result.nodes.join(', ') || '—'} · {result.diagnostics.length} diagnostics
            </span>
            <span className="spacer" />
            <button type="button" className="btn primary" onClick={() => openSnapshot(result.snapshotId)}>
              Open snapshot
            </button>
          </div>
          <div className="import-report">
            <ExpertInfo title="Import diagnostics" items={items} onOpenSource={(s) => setEvidence([s])} empty="The importer had nothing to report." />
            {evidence.length > 0 ? <EvidencePane snapshotId={result.snapshotId} sources={evidence} /> : null}
          </div>
        </div>
      ) : null}
    </section>
  );
}
