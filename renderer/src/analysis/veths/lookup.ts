// Lookups the packet-path engine uses once a trace reaches a pod IP on a node.

import { normalizeIp } from './draft';
import type { VethCorrelation, VethMatch } from './types';

/** The key of `indexVethsByPodIp`: node names cannot contain spaces (RFC 1123). */
export function vethKey(node: string, ip: string): string {
  return `${node} ${normalizeIp(ip)}`;
}

/** A correlation is never mutated after `correlateVeths` returns, so its index is built once. */
const indexes = new WeakMap<VethCorrelation, ReadonlyMap<string, VethMatch>>();

/**
 * Every pod-side address, keyed by `vethKey(node, ip)`. When two veths on a node claim one
 * address (a conflict both carry), the higher score wins, then the lower host ifindex.
 */
export function indexVethsByPodIp(correlation: VethCorrelation): ReadonlyMap<string, VethMatch> {
  const cached = indexes.get(correlation);
  if (cached !== undefined) return cached;
  const index = new Map<string, VethMatch>();
  for (const match of correlation.matches) {
    for (const ip of match.addresses) {
      const key = vethKey(match.node, ip);
      const held = index.get(key);
      if (held === undefined || match.score > held.score) index.set(key, match);
    }
  }
  indexes.set(correlation, index);
  return index;
}

/** The veth leading to the pod that owns `ip` on `node`, or null when none was correlated. */
export function vethForPod(correlation: VethCorrelation, node: string, ip: string): VethMatch | null {
  return indexVethsByPodIp(correlation).get(vethKey(node, ip)) ?? null;
}
