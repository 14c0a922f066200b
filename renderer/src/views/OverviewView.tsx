// One snapshot at a glance: nodes (captured or not), counts, findings and import diagnostics.

import { useMemo, useState } from 'react';
import type { NodeOverview } from '../../../electron/ipc-contract';
import type { SourceRef } from '../analysis/model';
import { EvidencePane } from '../components/EvidencePane';
import { ExpertInfo } from '../components/ExpertInfo';
import { ErrorNote, Loading } from '../components/Status';
import { VirtualTable, type Column } from '../components/VirtualTable';
import { useApp, useSnapshotId } from '../state/app-context';
import { useLoad } from '../state/use-load';
import { formatBytes, formatTime } from '../ui-logic/format';
import { diagnosticItems, findingItems } from './diagnostic-items';

const NODE_COLUMNS: Column<NodeOverview>[] = [
  { id: 'name', header: 'Node', width: 'minmax(130px, 1fr)', render: (n) => n.name, compare: (a, b) => a.name.localeCompare(b.name) },
  {
    id: 'captured',
    header: 'Captured',
    width: '90px',
    render: (n) => (n.captured ? <span className="ok">captured</span> : <span className="chip tone-node-not-captured">not captured</span>),
    compare: (a, b) => Number(b.captured) - Number(a.captured),
  },
  { id: 'interfaces', header: 'Ifaces', width: '60px', render: (n) => n.interfaces, align: 'right', compare: (a, b) => a.interfaces - b.interfaces },
  { id: 'routes', header: 'Routes', width: '60px', render: (n) => n.routes, align: 'right', compare: (a, b) => a.routes - b.routes },
  { id: 'rules', header: 'Rules', width: '70px', render: (n) => n.rules, align: 'right', compare: (a, b) => a.rules - b.rules },
  { id: 'netns', header: 'Netns', width: '60px', render: (n) => n.netns, align: 'right', compare: (a, b) => a.netns - b.netns },
];

export function OverviewView() {
  const snapshotId = useSnapshotId();
  const { api, navigate } = useApp();
  const overview = useLoad(() => api.getOverview({ snapshotId }), [api, snapshotId]);
  const [evidence, setEvidence] = useState<SourceRef[]>([]);
  const findings = useMemo(() => findingItems(overview.data?.findings ?? []), [overview.data]);
  const diagnostics = useMemo(() => diagnosticItems(overview.data?.diagnostics ?? []), [overview.data]);

  if (overview.error) return <ErrorNote error={overview.error} />;
  if (!overview.data) return <Loading what="overview" />;
  const { snapshot, nodes, counts } = overview.data;
  return (
    <div className="view view-overview">
      <header className="view-head">
        <h2>{snapshot.name}</h2>
        <span className="muted">
          captured {formatTime(snapshot.createdAt)} · imported {formatTime(snapshot.importedAt)} · {formatBytes(snapshot.sizeBytes)}
          {snapshot.collector ? ` · ${snapshot.collector}` : ''}
        </span>
      </header>
      <div className="overview-grid">
        <div className="overview-left">
          <dl className="counts">
            {(
              [
                ['Services', counts.services, () => navigate({ view: 'services', service: null })],
                ['Endpoints', counts.endpoints, null],
                ['Pods', counts.pods, () => navigate({ view: 'interfaces', filter: '' })],
                ['Veths', counts.veths, () => navigate({ view: 'interfaces', filter: '' })],
                ['Rules', counts.rules, () => navigate({ view: 'rules', node: null, find: '', target: null })],
              ] as const
            ).map(([label, value, go]) => (
              <div key={label} className="count">
                <dt>{label}</dt>
                <dd>
                  {go ? (
                    <button type="button" className="link" onClick={go}>
                      {value}
                    </button>
                  ) : (
                    value
                  )}
                </dd>
              </div>
            ))}
          </dl>
          <div className="nodes-table">
            <VirtualTable
              label="Nodes"
              rows={nodes}
              columns={NODE_COLUMNS}
              rowKey={(n) => n.name}
              onActivate={(n) => n.captured && navigate({ view: 'routes', node: n.name, netns: null, select: null })}
              rowClass={(n) => (n.captured ? undefined : 'not-captured')}
            />
          </div>
        </div>
        <div className="overview-right">
          <ExpertInfo title="Findings" items={findings} onOpenSource={(s) => setEvidence([s])} empty="No findings." />
          <ExpertInfo title="Import diagnostics" items={diagnostics} onOpenSource={(s) => setEvidence([s])} empty="The importer had nothing to report." />
        </div>
      </div>
      <div className="overview-evidence">
        <EvidencePane snapshotId={snapshotId} sources={evidence} />
      </div>
    </div>
  );
}
