// Every Service in a filterable, sortable list; the selected one's packet path below it.

import { useDeferredValue, useEffect, useMemo, useRef } from 'react';
import type { ServiceRow } from '../../../db/api-types';
import { FilterBar } from '../components/FilterBar';
import { ErrorNote, Loading } from '../components/Status';
import { VirtualTable, type Column } from '../components/VirtualTable';
import { useApp, useSnapshotId } from '../state/app-context';
import { useLoad } from '../state/use-load';
import { useStoredState } from '../state/use-stored-state';
import { compareIp } from '../ui-logic/ip';
import { matchService, parseServiceFilter } from '../ui-logic/service-filter';
import { ServicePath } from './ServicePath';

function serviceKey(s: ServiceRow): string {
  return `${s.namespace}/${s.name}`;
}

function ports(s: ServiceRow): string {
  return s.ports
    .map((p) => `${p.port}/${p.protocol}${p.targetPort !== null && p.targetPort !== String(p.port) ? `→${p.targetPort}` : ''}${p.nodePort !== null ? ` :${p.nodePort}` : ''}`)
    .join(', ');
}

const COLUMNS: Column<ServiceRow>[] = [
  { id: 'namespace', header: 'Namespace', width: 'minmax(110px, 0.8fr)', render: (s) => s.namespace, compare: (a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name) },
  { id: 'name', header: 'Name', width: 'minmax(150px, 1.2fr)', render: (s) => s.name, compare: (a, b) => a.name.localeCompare(b.name) },
  { id: 'type', header: 'Type', width: '96px', render: (s) => s.type, compare: (a, b) => a.type.localeCompare(b.type) },
  { id: 'cluster', header: 'Cluster IP', width: '120px', render: (s) => <span className="mono">{s.clusterIPs.join(', ') || '—'}</span>, compare: (a, b) => compareIp(a.clusterIPs[0] ?? '', b.clusterIPs[0] ?? '') },
  {
    id: 'external',
    header: 'External / LB IP',
    width: '130px',
    render: (s) => <span className="mono">{[...s.loadBalancerIPs, ...s.externalIPs].join(', ')}</span>,
    compare: (a, b) => compareIp(a.loadBalancerIPs[0] ?? a.externalIPs[0] ?? '', b.loadBalancerIPs[0] ?? b.externalIPs[0] ?? ''),
  },
  { id: 'ports', header: 'Ports', width: 'minmax(140px, 1fr)', render: (s) => <span className="mono">{ports(s)}</span>, compare: (a, b) => (a.ports[0]?.port ?? 0) - (b.ports[0]?.port ?? 0) },
  {
    id: 'endpoints',
    header: 'Endpoints',
    width: '80px',
    render: (s) => <span className={s.endpoints === 0 && s.type !== 'ExternalName' ? 'sev-text-warning' : undefined}>{s.readyEndpoints}/{s.endpoints}</span>,
    compare: (a, b) => a.readyEndpoints - b.readyEndpoints || a.endpoints - b.endpoints,
    align: 'right',
  },
  { id: 'policy', header: 'ETP', width: '62px', render: (s) => s.externalTrafficPolicy ?? '', compare: (a, b) => (a.externalTrafficPolicy ?? '').localeCompare(b.externalTrafficPolicy ?? '') },
];

export function ServicesView({ selected }: { selected: string | null }) {
  const snapshotId = useSnapshotId();
  const { api, navigate } = useApp();
  const services = useLoad(() => api.listServices({ snapshotId }), [api, snapshotId]);
  const [filter, setFilter] = useStoredState('knp.services.filter', '');
  const deferred = useDeferredValue(filter);
  const parsed = useMemo(() => parseServiceFilter(deferred), [deferred]);
  const live = useMemo(() => parseServiceFilter(filter), [filter]);
  const inputRef = useRef<HTMLInputElement>(null);
  const pathRef = useRef<HTMLDivElement>(null);
  const rows = useMemo(() => {
    const all = services.data ?? [];
    return parsed.errors.length > 0 ? all : all.filter((s) => matchService(s, parsed.terms));
  }, [services.data, parsed]);
  const current = services.data?.find((s) => serviceKey(s) === selected) ?? null;

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement || e.target instanceof HTMLSelectElement;
      if ((e.key === '/' && !typing) || ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'f')) {
        e.preventDefault();
        inputRef.current?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div className="view view-services">
      <header className="view-head">
        <h2>Services</h2>
        <FilterBar
          ref={inputRef}
          label="Service filter"
          value={filter}
          onChange={setFilter}
          errors={live.errors}
          placeholder="filter (/): text  ns:kube-*  type:LoadBalancer  ip:10.43.0.0/16  port:80/tcp  !ns:kube-system"
          status={services.data ? `${rows.length} of ${services.data.length}` : ''}
        />
      </header>
      {services.error ? <ErrorNote error={services.error} /> : null}
      <div className="services-split">
        <div className="services-table">
          {services.data ? (
            <VirtualTable
              label="Services"
              rows={rows}
              columns={COLUMNS}
              rowKey={serviceKey}
              selectedKey={selected}
              scrollToKey={selected}
              onSelect={(s) => navigate({ view: 'services', service: serviceKey(s) })}
              onActivate={() => pathRef.current?.querySelector<HTMLElement>('.diagram')?.focus()}
              empty={parsed.terms.length > 0 ? 'No Service matches the filter.' : 'This snapshot has no Services.'}
            />
          ) : (
            <Loading what="Services" />
          )}
        </div>
        <div className="services-path" ref={pathRef}>
          {current ? <ServicePath snapshotId={snapshotId} service={current} /> : <div className="muted pad">Select a Service to see its packet path.</div>}
        </div>
      </div>
    </div>
  );
}
