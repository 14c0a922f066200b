// Routes of each compared node pair, matched by (family, table, type, destination, metric); when
// several routes share that (one fe80::/64 per interface), the device joins the key. A route whose
// device or gateway changed is therefore one change, not a remove and an add.

import type { NodeData, Route } from '../model';
import { diffKeyed, groupBy, pairScope, sortedStrings, type Fields } from './common';
import type { Change, NodePair } from './types';

function baseKey(r: Route): string {
  const table = r.table === 'main' ? '' : ` table ${r.table}`;
  const type = r.type === 'unicast' ? '' : `${r.type} `;
  const metric = r.metric === null ? '' : ` metric ${r.metric}`;
  return `${r.family === 'inet6' ? '-6 ' : ''}${type}${r.dst}${table}${metric}`;
}

function keyed(routes: readonly Route[], shared: Set<string>): Map<string, Route> {
  const out = new Map<string, Route>();
  for (const r of routes) {
    const base = baseKey(r);
    out.set(shared.has(base) ? `${base} dev ${r.dev ?? '-'}` : base, r);
  }
  return out;
}

export function diffRoutes(a: NodeData, b: NodeData, pair: NodePair): Change[] {
  const ga = groupBy(a.routes, baseKey);
  const gb = groupBy(b.routes, baseKey);
  const shared = new Set([...ga, ...gb].filter(([, list]) => list.length > 1).map(([key]) => key));
  const fields = (r: Route): Fields => ({
    gateway: r.gateway,
    dev: r.dev,
    protocol: r.protocol,
    scope: r.scope,
    ...(pair.crossNode ? {} : { prefsrc: r.prefsrc }),
    flags: sortedStrings(r.flags),
  });
  return diffKeyed(keyed(a.routes, shared), keyed(b.routes, shared), {
    subject: (key) => key,
    fields,
    source: (r) => r.source,
    scope: pairScope(pair),
  });
}
