// Pods, matched by namespace/name: the node they run on, their addresses and phase. A new uid
// under the same name (a StatefulSet pod recreated) is a change, not an add and a remove.

import type { KubePod, SnapshotData } from '../model';
import { diffKeyed, type Fields } from './common';
import type { Change } from './types';

function podFields(p: KubePod): Fields {
  return {
    node: p.nodeName,
    podIPs: [...p.podIPs],
    hostIP: p.hostIP,
    hostNetwork: p.hostNetwork,
    phase: p.phase,
    uid: p.uid,
  };
}

export function diffPods(a: SnapshotData, b: SnapshotData): Change[] {
  const byKey = (s: SnapshotData) => new Map(s.cluster.pods.map((p) => [`${p.namespace}/${p.name}`, p]));
  return diffKeyed(byKey(a), byKey(b), { subject: (key) => key, fields: podFields, source: (p) => p.source });
}
