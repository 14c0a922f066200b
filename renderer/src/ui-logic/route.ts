// Where the UI is: one view plus what it has open. Search hits map onto these.

import type { SearchHit } from '../../../electron/ipc-contract';

export type Route =
  | { view: 'library' }
  | { view: 'overview' }
  | { view: 'services'; service: string | null }
  | { view: 'interfaces'; filter: string }
  | { view: 'rules'; node: string | null; find: string; target: RuleTarget | null }
  | { view: 'routes'; node: string | null; netns: string | null; select: RoutesSelection | null }
  | { view: 'trace' }
  | { view: 'sql' }
  | { view: 'compare'; compare: CompareTarget | null };

/** Two snapshots to compare (the same one twice when two of its nodes are paired), and optionally a node pair. */
export interface CompareTarget {
  a: number;
  b: number;
  /** both or neither: node of A paired with node of B */
  nodes: { a: string; b: string } | null;
}

/** A chain, or one rule of it, to scroll to and select. */
export interface RuleTarget {
  family: string;
  table: string;
  chain: string;
  position: number | null;
}

export type RoutesSelection = { kind: 'route'; table: string; dst: string } | { kind: 'interface'; name: string };

export type ViewName = Route['view'];

export const VIEWS: { view: ViewName; label: string; needsSnapshot: boolean }[] = [
  { view: 'library', label: 'Library', needsSnapshot: false },
  { view: 'overview', label: 'Overview', needsSnapshot: true },
  { view: 'services', label: 'Services', needsSnapshot: true },
  { view: 'interfaces', label: 'Interfaces & pods', needsSnapshot: true },
  { view: 'rules', label: 'Rules', needsSnapshot: true },
  { view: 'routes', label: 'Routes', needsSnapshot: true },
  { view: 'trace', label: 'Trace flow', needsSnapshot: true },
  { view: 'sql', label: 'SQL console', needsSnapshot: false },
  { view: 'compare', label: 'Compare', needsSnapshot: false },
];

export function defaultRoute(view: ViewName): Route {
  switch (view) {
    case 'services':
      return { view, service: null };
    case 'interfaces':
      return { view, filter: '' };
    case 'rules':
      return { view, node: null, find: '', target: null };
    case 'routes':
      return { view, node: null, netns: null, select: null };
    case 'compare':
      return { view, compare: null };
    default:
      return { view };
  }
}

/** Splits a hit key into `count` fields, the last one taking the rest (IPv6 contains ':'). */
function fields(key: string, count: number): string[] {
  const parts = key.split(':');
  return [...parts.slice(0, count - 1), parts.slice(count - 1).join(':')];
}

/**
 * What a palette hit opens. Keys (db/library-service.ts): service, pod `namespace/name`;
 * overview a node; rules `node:family:table:chain[:position]`; interfaces `node:netns:ifname` or
 * `node:netns`; routes `node:netns:table:dst`.
 */
export function routeForHit(hit: SearchHit): Route {
  const { view, key } = hit.target;
  switch (view) {
    case 'service':
      return { view: 'services', service: key };
    case 'pod':
      return { view: 'interfaces', filter: key };
    case 'overview':
      return { view: 'overview' };
    case 'rules': {
      const [node, family, table, rest] = fields(key, 4);
      const [chain, position] = rest.split(':');
      const target = { family, table, chain, position: position === undefined ? null : Number(position) };
      return { view: 'rules', node, find: '', target };
    }
    case 'routes': {
      const [node, netns, table, dst] = fields(key, 4);
      return { view: 'routes', node, netns: netns === '' ? null : netns, select: { kind: 'route', table, dst } };
    }
    case 'interfaces': {
      const parts = key.split(':');
      if (parts.length === 2) return { view: 'interfaces', filter: parts[1] };
      const [node, netns, name] = fields(key, 3);
      return { view: 'routes', node, netns: netns === '' ? null : netns, select: { kind: 'interface', name } };
    }
  }
}
