import type { ServiceRow } from '../../../db/api-types';
import { PathPanel } from '../components/PathPanel';
import { ErrorNote, Loading } from '../components/Status';
import { useApp } from '../state/app-context';
import { useLoad } from '../state/use-load';

export function ServicePath({ snapshotId, service }: { snapshotId: number; service: ServiceRow }) {
  const { api } = useApp();
  const trace = useLoad(
    () => api.traceService({ snapshotId, namespace: service.namespace, name: service.name }),
    [api, snapshotId, service.namespace, service.name],
  );
  if (trace.error) return <ErrorNote error={trace.error} />;
  if (!trace.data) return <Loading what={`the path of ${service.namespace}/${service.name}`} />;
  return <PathPanel snapshotId={snapshotId} trees={trace.data.trees} notes={trace.data.notes} />;
}
