// Routes, interfaces and addresses per node and per network namespace.

import { useEffect, useMemo, useState } from 'react';
import type { NodeNetwork } from '../../../electron/ipc-contract';
import type { NetInterface, Route, SourceRef } from '../analysis/model';
import { EvidencePane } from '../components/EvidencePane';
import { ErrorNote, Loading } from '../components/Status';
import { VirtualTable, type Column } from '../components/VirtualTable';
import { useApp, useSnapshotId } from '../state/app-context';
import { useLoad } from '../state/use-load';
import { compareIp } from '../ui-logic/ip';
import type { RoutesSelection } from '../ui-logic/route';
import { NodePicker } from './NodePicker';

function routeKey(r: Route): string {
  return `${r.source.file}:${r.source.line}:${r.table}:${r.dst}:${r.dev ?? ''}:${r.gateway ?? ''}:${r.metric ?? ''}`;
}

const ROUTE_COLUMNS: Column<Route>[] = [
  { id: 'table', header: 'Table', width: '70px', render: (r) => r.table, compare: (a, b) => a.table.localeCompare(b.table) },
  { id: 'type', header: 'Type', width: '76px', render: (r) => r.type, compare: (a, b) => a.type.localeCompare(b.type) },
  { id: 'dst', header: 'Destination', width: 'minmax(130px, 1fr)', render: (r) => <span className="mono">{r.dst}</span>, compare: (a, b) => compareIp(a.dst.split('/')[0], b.dst.split('/')[0]) },
  { id: 'gateway', header: 'Gateway', width: '120px', render: (r) => <span className="mono">{r.gateway ?? ''}</span>, compare: (a, b) => compareIp(a.gateway ?? '', b.gateway ?? '') },
  { id: 'dev', header: 'Dev', width: '110px', render: (r) => <span className="mono">{r.dev ?? ''}</span>, compare: (a, b) => (a.dev ?? '').localeCompare(b.dev ?? '') },
  { id: 'protocol', header: 'Proto', width: '70px', render: (r) => r.protocol ?? '' },
  { id: 'scope', header: 'Scope', width: '60px', render: (r) => r.scope ?? '' },
  { id: 'src', header: 'Src', width: '110px', render: (r) => <span className="mono">{r.prefsrc ?? ''}</span> },
  { id: 'metric', header: 'Metric', width: '60px', render: (r) => r.metric ?? '', align: 'right', compare: (a, b) => (a.metric ?? 0) - (b.metric ?? 0) },
  { id: 'flags', header: 'Flags', width: '70px', render: (r) => r.flags.join(' ') },
];

function interfaceColumns(net: NodeNetwork): Column<NetInterface>[] {
  return [
    { id: 'index', header: 'If', width: '40px', render: (i) => i.ifindex, align: 'right', compare: (a, b) => a.ifindex - b.ifindex },
    { id: 'name', header: 'Name', width: 'minmax(120px, 1fr)', render: (i) => <span className="mono">{i.name}{i.peerIfindex !== null ? `@if${i.peerIfindex}` : ''}</span>, compare: (a, b) => a.name.localeCompare(b.name) },
    { id: 'kind', header: 'Kind', width: '70px', render: (i) => i.kind, compare: (a, b) => a.kind.localeCompare(b.kind) },
    { id: 'state', header: 'State', width: '64px', render: (i) => i.state ?? '' },
    { id: 'master', header: 'Master', width: '64px', render: (i) => i.master ?? '' },
    { id: 'mtu', header: 'MTU', width: '54px', render: (i) => i.mtu ?? '', align: 'right' },
    {
      id: 'addresses',
      header: 'Addresses',
      width: 'minmax(140px, 1fr)',
      render: (i) => <span className="mono">{net.addresses.filter((a) => a.ifname === i.name).map((a) => `${a.address}/${a.prefixLen}`).join(', ')}</span>,
    },
    { id: 'mac', header: 'MAC', width: '130px', render: (i) => <span className="mono">{i.mac ?? ''}</span> },
    { id: 'link', header: 'Link netns', width: 'minmax(120px, 1fr)', render: (i) => <span className="mono">{i.linkNetnsName ?? (i.linkNetnsId !== null ? `nsid ${i.linkNetnsId}` : '')}</span> },
  ];
}

export function RoutesView({ node: routeNode, netns, select }: { node: string | null; netns: string | null; select: RoutesSelection | null }) {
  const snapshotId = useSnapshotId();
  const { api, snapshot, navigate } = useApp();
  const node = routeNode ?? snapshot?.nodes[0] ?? null;
  const network = useLoad(node === null ? null : () => api.getNetwork({ snapshotId, node }), [api, snapshotId, node]);
  const [evidence, setEvidence] = useState<SourceRef[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const current = network.data?.find((n) => n.netns === netns) ?? network.data?.[0] ?? null;
  const columns = useMemo(() => (current ? interfaceColumns(current) : []), [current]);

  useEffect(() => {
    if (!current || !select) return;
    if (select.kind === 'route') {
      const route = current.routes.find((r) => r.table === select.table && r.dst === select.dst);
      if (route) {
        setSelected(routeKey(route));
        setEvidence([route.source]);
      }
    } else {
      const itf = current.interfaces.find((i) => i.name === select.name);
      if (itf) {
        setSelected(`${itf.ifindex}:${itf.name}`);
        setEvidence([itf.source]);
      }
    }
  }, [current, select]);

  return (
    <div className="view view-routes">
      <header className="view-head">
        <h2>Routes</h2>
        <NodePicker node={node} onChange={(n) => navigate({ view: 'routes', node: n, netns: null, select: null })} />
      </header>
      {network.error ? <ErrorNote error={network.error} /> : null}
      {network.loading && !network.data ? <Loading what="network" /> : null}
      {network.data && network.data.length === 0 ? <div className="muted pad">No network data was captured on {node}.</div> : null}
      {network.data && current ? (
        <div className="routes-split">
          <ul className="netns-list" aria-label="Network namespaces">
            {network.data.map((n) => (
              <li key={n.netns ?? ''}>
                <button
                  type="button"
                  className={`nav-item${n === current ? ' active' : ''}`}
                  aria-current={n === current ? 'true' : undefined}
                  onClick={() => navigate({ view: 'routes', node, netns: n.netns, select: null })}
                >
                  <span className="mono">{n.netns ?? 'host'}</span>
                  <span className="muted">{n.routes.length}</span>
                </button>
              </li>
            ))}
          </ul>
          <div className="routes-main">
            <h3>
              Routes <span className="muted">{current.netns ?? 'host namespace'}</span>
            </h3>
            <div className="routes-table">
              <VirtualTable
                label="Routes"
                rows={current.routes}
                columns={ROUTE_COLUMNS}
                rowKey={routeKey}
                selectedKey={selected}
                scrollToKey={selected}
                onSelect={(r) => {
                  setSelected(routeKey(r));
                  setEvidence([r.source]);
                }}
                empty="No routes captured in this namespace."
              />
            </div>
            <h3>Interfaces</h3>
            <div className="ifaces-table">
              <VirtualTable
                label="Interfaces"
                rows={current.interfaces}
                columns={columns}
                rowKey={(i) => `${i.ifindex}:${i.name}`}
                selectedKey={selected}
                scrollToKey={selected}
                onSelect={(i) => {
                  setSelected(`${i.ifindex}:${i.name}`);
                  setEvidence([i.source]);
                }}
                empty="No interfaces captured in this namespace."
              />
            </div>
            <EvidencePane snapshotId={snapshotId} sources={evidence} />
          </div>
        </div>
      ) : null}
    </div>
  );
}
