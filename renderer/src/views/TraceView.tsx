// Trace any flow: from an address (or an external client) to address:port/proto, on a node.

import { useState, type FormEvent } from 'react';
import type { PathTree, Protocol } from '../analysis/trace/types';
import { PathPanel } from '../components/PathPanel';
import { ErrorNote, Loading } from '../components/Status';
import { useApp, useSnapshotId } from '../state/app-context';
import { errorMessage } from '../state/errors';
import { parseFlowForm, type FlowForm } from '../ui-logic/flow-form';

export function TraceView() {
  const snapshotId = useSnapshotId();
  const { api, snapshot } = useApp();
  const [form, setForm] = useState<FlowForm>({ from: 'external', to: '', protocol: 'tcp', node: '' });
  const [tree, setTree] = useState<PathTree | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const parsed = parseFlowForm(form);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (!parsed.ok) return;
    setBusy(true);
    setError(null);
    try {
      setTree(await api.traceFlow({ snapshotId, flow: parsed.flow }));
    } catch (err) {
      setTree(null);
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const set = (patch: Partial<FlowForm>): void => setForm((f) => ({ ...f, ...patch }));

  return (
    <div className="view view-trace">
      <header className="view-head">
        <h2>Trace a flow</h2>
      </header>
      <form className="trace-form" onSubmit={(e) => void submit(e)}>
        <label className="inline-field">
          <span className="muted">From</span>
          <input className="mono" aria-label="Source address" value={form.from} onChange={(e) => set({ from: e.target.value })} placeholder="external or an IP" />
        </label>
        <label className="inline-field">
          <span className="muted">To</span>
          <input className="mono" aria-label="Destination address and port" value={form.to} onChange={(e) => set({ to: e.target.value })} placeholder="192.168.28.61:80" aria-invalid={form.to !== '' && !parsed.ok} />
        </label>
        <label className="inline-field">
          <span className="muted">Protocol</span>
          <select aria-label="Protocol" value={form.protocol} onChange={(e) => set({ protocol: e.target.value as Protocol })}>
            <option value="tcp">tcp</option>
            <option value="udp">udp</option>
            <option value="sctp">sctp</option>
          </select>
        </label>
        <label className="inline-field">
          <span className="muted">Entry node</span>
          <select aria-label="Entry node" value={form.node} onChange={(e) => set({ node: e.target.value })}>
            <option value="">infer from the addresses</option>
            {(snapshot?.nodes ?? []).map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="btn primary" disabled={!parsed.ok || busy}>
          Trace
        </button>
        <span className={parsed.ok || form.to === '' ? 'muted' : 'sev-text-error'} role="status">
          {parsed.ok ? `${parsed.flow.from ?? 'external'} → ${parsed.flow.to}:${parsed.flow.port}/${parsed.flow.protocol ?? 'tcp'}` : form.to === '' ? '' : parsed.error}
        </span>
      </form>
      {error ? <ErrorNote error={error} /> : null}
      {busy ? <Loading what="trace" /> : null}
      <div className="trace-result">{tree ? <PathPanel snapshotId={snapshotId} trees={[tree]} notes={[]} /> : null}</div>
    </div>
  );
}
