// What the diff reads of one snapshot beyond its nodes' rule indexes. The trace context holds
// every lookup the engine needs, and building one costs as much as a large part of a diff; a diff
// whose Services need no re-tracing reads only kube-proxy's chain names and the veth correlation,
// plus the context's pod and endpoint lookups only when the cluster objects they are built from
// changed (see ClusterUnchanged). So each part is built on first use, the context included.

import { kubeProxyChainIndexOf, type KubeProxyChainRef } from '../kubeproxy-names';
import type { NodeData, SnapshotData } from '../model';
import { traceContext, type TraceContext } from '../trace/context';
import { correlateVeths, type VethCorrelation } from '../veths';

export class SnapshotView {
  readonly snapshot: SnapshotData;
  readonly nodes: ReadonlyMap<string, NodeData>;
  #context: TraceContext | undefined;
  #veths: VethCorrelation | undefined;

  constructor(snapshot: SnapshotData) {
    this.snapshot = snapshot;
    this.nodes = new Map(snapshot.nodes.map((n) => [n.name, n]));
  }

  /** the trace context: built (and cached by the engine) on first use */
  get context(): TraceContext {
    this.#context ??= traceContext(this.snapshot);
    return this.#context;
  }

  /** the context's correlation when the context was built first, else one of our own (the same function of the snapshot) */
  get veths(): VethCorrelation {
    this.#veths ??= this.#context?.veths ?? correlateVeths(this.snapshot);
    return this.#veths;
  }

  /** kube-proxy's chain names of one mode (ChainRefSource): the index the context shares, without building the context */
  readonly chainRefsOf = (mode: KubeProxyChainRef['mode']): Map<string, KubeProxyChainRef> => kubeProxyChainIndexOf(this.snapshot, mode);
}

const views = new WeakMap<SnapshotData, SnapshotView>();

/** The snapshot's view, kept while the snapshot is (snapshots are treated as immutable), so diffing it again rebuilds nothing. */
export function snapshotView(snapshot: SnapshotData): SnapshotView {
  let view = views.get(snapshot);
  if (!view) {
    view = new SnapshotView(snapshot);
    views.set(snapshot, view);
  }
  return view;
}
