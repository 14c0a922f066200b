// Short human text for counters, sizes, probabilities, times and path elements.

import type { NftCounter, SourceRef } from '../analysis/model';
import type { Hop, HopObject } from '../analysis/trace/types';

export function formatCount(n: number): string {
  if (n < 10_000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 100_000 ? 1 : 0)}k`;
  if (n < 1_000_000_000) return `${(n / 1_000_000).toFixed(1)}M`;
  return `${(n / 1_000_000_000).toFixed(1)}G`;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatCounter(c: NftCounter): string {
  return `${formatCount(c.packets)} pkt / ${formatBytes(c.bytes)}`;
}

/** 1/3 → `33.3%`; exact 0 and 1 stay short. */
export function formatProbability(p: number): string {
  if (p >= 1) return '100%';
  if (p <= 0) return '0%';
  const pct = p * 100;
  return `${pct < 1 ? pct.toPrecision(2) : pct.toFixed(1)}%`;
}

export function formatTime(iso: string | null): string {
  if (iso === null) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z').replace(/:\d\dZ$/, 'Z');
}

export function formatSource(ref: SourceRef): string {
  return ref.line > 0 ? `${ref.file}:${ref.line}` : ref.pointer ? `${ref.file}#${ref.pointer}` : ref.file;
}

/** The concrete object a hop is about, in one line (the diagram's middle line). */
export function objectTitle(object: HopObject): string {
  switch (object.type) {
    case 'announcement':
      return `${object.address} → ${object.node}`;
    case 'interface':
      return object.address ? `${object.name} ${object.address}` : object.name;
    case 'nft-rule':
      return object.chain;
    case 'nft-chain':
      return object.hook ? `${object.chain} (${object.hook})` : object.chain;
    case 'route':
      return object.line;
    case 'tunnel':
      return object.remoteNode ? `${object.device} → ${object.remoteNode}` : object.device;
    case 'veth':
      return object.netns ? `${object.hostIfname} ⇄ ${object.netns}` : object.hostIfname;
    case 'pod':
      return `${object.namespace}/${object.name}`;
    case 'host':
      return `${object.node} ${object.address}`;
    case 'node':
      return object.name;
    case 'text':
      return object.text;
  }
}

/** `NFT · roger-nuc1 · MATCHED` */
export function hopCaption(hop: Hop): string {
  return [hop.kind.toUpperCase(), hop.node, hop.action].filter((p) => p !== null && p !== '').join(' · ');
}
