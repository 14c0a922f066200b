// Host veth ↔ netns ↔ pod interface ↔ pod, with how each link was established and any conflict.

import { useDeferredValue, useMemo, useState } from 'react';
import type { SourceRef } from '../analysis/model';
import type { VethMatch } from '../analysis/veths/types';
import { EvidencePane } from '../components/EvidencePane';
import { ExpertInfo } from '../components/ExpertInfo';
import { FilterBar } from '../components/FilterBar';
import { ErrorNote, Loading } from '../components/Status';
import { VirtualTable, type Column } from '../components/VirtualTable';
import { useApp, useSnapshotId } from '../state/app-context';
import { useLoad } from '../state/use-load';
import { compareIp } from '../ui-logic/ip';
import { findingItems } from './diagnostic-items';

function vethKey(m: VethMatch): string {
  return `${m.node}/${m.hostIfname}`;
}

function searchText(m: VethMatch): string {
  return [m.node, m.hostIfname, m.master, m.netns, m.podIfname, m.podMac, m.hostMac, ...m.addresses, podLabel(m), m.confidence, m.sandboxId]
    .filter((t) => t)
    .join(' ')
    .toLowerCase();
}

function podLabel(m: VethMatch): string {
  return m.podName ? `${m.podNamespace ?? '?'}/${m.podName}` : '';
}

const COLUMNS: Column<VethMatch>[] = [
  { id: 'node', header: 'Node', width: '92px', render: (m) => m.node, compare: (a, b) => a.node.localeCompare(b.node) || a.hostIfindex - b.hostIfindex },
  { id: 'host', header: 'Host veth', width: '150px', render: (m) => <span className="mono">{m.hostIfindex}: {m.hostIfname}{m.peerIfindex !== null ? `@if${m.peerIfindex}` : ''}</span>, compare: (a, b) => a.hostIfname.localeCompare(b.hostIfname) },
  { id: 'master', header: 'Master', width: '60px', render: (m) => m.master ?? '—' },
  { id: 'netns', header: 'Netns', width: 'minmax(150px, 1.4fr)', render: (m) => <span className="mono" title={m.netns ?? ''}>{m.netns ?? (m.netnsId !== null ? `nsid ${m.netnsId}` : '—')}</span>, compare: (a, b) => (a.netns ?? '').localeCompare(b.netns ?? '') },
  { id: 'podif', header: 'Pod if', width: '62px', render: (m) => <span className="mono">{m.podIfname ? `${m.podIfindex ?? '?'}: ${m.podIfname}` : '—'}</span> },
  { id: 'addresses', header: 'Addresses', width: '100px', render: (m) => <span className="mono">{m.addresses.join(', ') || '—'}</span>, compare: (a, b) => compareIp(a.addresses[0] ?? '', b.addresses[0] ?? '') },
  { id: 'pod', header: 'Pod', width: 'minmax(160px, 1.4fr)', render: (m) => (m.podName ? <span title={podLabel(m)}>{podLabel(m)}</span> : <span className="muted">no pod</span>), compare: (a, b) => podLabel(a).localeCompare(podLabel(b)) },
  {
    id: 'confidence',
    header: 'Confidence',
    width: '96px',
    render: (m) => <span className={`conf conf-${m.confidence}`}>{m.confidence} {m.score.toFixed(2)}</span>,
    compare: (a, b) => a.score - b.score,
  },
  {
    id: 'methods',
    header: 'Methods',
    width: '76px',
    render: (m) => {
      const agree = m.methods.filter((r) => r.agrees).length;
      const title = m.methods.map((r) => `${r.agrees ? '✓' : '✗'} ${r.method}: ${r.detail}`).join('\n');
      return (
        <span title={title}>
          <span className="method ok">✓{agree}</span>
          {agree < m.methods.length ? <span className="method bad"> ✗{m.methods.length - agree}</span> : null}
        </span>
      );
    },
    compare: (a, b) => a.methods.filter((r) => r.agrees).length - b.methods.filter((r) => r.agrees).length,
  },
  { id: 'conflicts', header: 'Conflicts', width: 'minmax(80px, 0.8fr)', render: (m) => (m.conflicts.length ? <span className="sev-text-error" title={m.conflicts.join('\n')}>{m.conflicts.join('; ')}</span> : ''), compare: (a, b) => a.conflicts.length - b.conflicts.length },
];

export function InterfacesView({ filter }: { filter: string }) {
  const snapshotId = useSnapshotId();
  const { api, navigate } = useApp();
  const veths = useLoad(() => api.listVeths({ snapshotId }), [api, snapshotId]);
  const deferred = useDeferredValue(filter.trim().toLowerCase());
  const [selected, setSelected] = useState<string | null>(null);
  const [evidence, setEvidence] = useState<SourceRef[]>([]);
  const rows = useMemo(() => (veths.data?.matches ?? []).filter((m) => deferred === '' || searchText(m).includes(deferred)), [veths.data, deferred]);
  const findings = useMemo(() => findingItems(veths.data?.findings ?? []), [veths.data]);
  const current = veths.data?.matches.find((m) => vethKey(m) === selected) ?? null;

  if (veths.error) return <ErrorNote error={veths.error} />;
  if (!veths.data) return <Loading what="veth correlation" />;
  return (
    <div className="view view-interfaces">
      <header className="view-head">
        <h2>Interfaces &amp; pods</h2>
        <FilterBar label="Interface filter" value={filter} onChange={(text) => navigate({ view: 'interfaces', filter: text })} errors={[]} placeholder="node, veth, netns, address, pod…" status={`${rows.length} of ${veths.data.matches.length}`} />
      </header>
      <div className="interfaces-split">
        <div className="interfaces-table">
          <VirtualTable
            label="Veths"
            rows={rows}
            columns={COLUMNS}
            rowKey={vethKey}
            selectedKey={selected}
            onSelect={(m) => {
              setSelected(vethKey(m));
              setEvidence(m.evidence);
            }}
            rowClass={(m) => (m.conflicts.length > 0 ? 'conflict' : m.podName === null ? 'unmatched' : undefined)}
            empty="No host veths in this snapshot."
          />
        </div>
        <div className="interfaces-side">
          <section className="veth-detail" aria-label="Correlation detail">
            {current ? (
              <>
              <h3 className="mono">
                {current.node} {current.hostIfname}
              </h3>
              <ul className="methods">
                {current.methods.map((r) => (
                  <li key={r.method} className={r.agrees ? 'ok' : 'bad'}>
                    <strong>{r.agrees ? '✓' : '✗'} {r.method}</strong> {r.detail}
                  </li>
                ))}
              </ul>
              {current.conflicts.map((c) => (
                <div key={c} className="sev-text-error">
                  {c}
                </div>
              ))}
              </>
            ) : (
              <div className="muted pad">Select a veth to see how it was tied to its pod.</div>
            )}
          </section>
          <ExpertInfo title="Correlation findings" items={findings} onOpenSource={(s) => setEvidence([s])} empty="Every veth was tied to a pod." />
          <EvidencePane snapshotId={snapshotId} sources={evidence} />
        </div>
      </div>
    </div>
  );
}
