// Plain-text rendering of traces for the CLI: an indented tree, like the article's walk, one hop
// per line, forks as numbered branches with their probabilities, leaves with their disposition.

import type { Hop, PathSegment, PathTree, ServiceTrace } from './types';

function percent(p: number): string {
  const v = p * 100;
  return `${Number.isInteger(v) ? v : v.toFixed(1)}%`;
}

function hopLine(h: Hop): string {
  const where = h.node ? `[${h.node}] ` : '';
  let what: string;
  switch (h.object.type) {
    case 'nft-rule':
      what = `${h.object.family} ${h.object.table} ${h.object.chain}: ${h.object.text}`;
      break;
    case 'nft-chain':
      what = `${h.object.family} ${h.object.table} ${h.object.chain} (policy ${h.object.policy ?? 'accept'})`;
      break;
    case 'route':
      what = `${h.object.rule ? `${h.object.rule} → ` : ''}${h.object.line}`;
      break;
    default:
      what = h.detail;
  }
  const detail = h.object.type === 'nft-rule' ? `  ⇒ ${h.detail}` : '';
  const ann = h.endpoint ? `  {${h.endpoint.address}${h.endpoint.port !== null ? `:${h.endpoint.port}` : ''}}` : '';
  return `${where}${h.kind} ${h.action} ${what}${detail}${ann}`;
}

function renderSegment(seg: PathSegment, indent: string, out: string[]): void {
  for (const h of seg.hops) out.push(`${indent}${hopLine(h)}`);
  const end = seg.end;
  if (end.type === 'leaf') {
    const prob = `p=${percent(end.probability)}${end.inferred ? ' (inferred)' : ''}`;
    const assumed = end.assumptions.length > 0 ? `; assuming ${end.assumptions.join('; ')}` : '';
    out.push(`${indent}=> ${end.disposition.toUpperCase()} ${prob}: ${end.reason}${assumed}`);
    return;
  }
  out.push(`${indent}fork (${end.kind}): ${end.reason}`);
  end.branches.forEach((b, i) => {
    const prob = end.kind === 'random' ? ` ${percent(b.probability)}${b.inferred ? ' (inferred)' : ''}` : '';
    out.push(`${indent}  [${i + 1}]${prob} ${b.label}`);
    renderSegment(b.segment, `${indent}      `, out);
  });
}

export function renderTreeText(tree: PathTree): string {
  const out: string[] = [`${tree.entry.label}`];
  renderSegment(tree.root, '  ', out);
  const counts = Object.entries(tree.dispositions)
    .map(([d, n]) => `${d} ${n}`)
    .join(', ');
  out.push(`  (${tree.leafCount} path${tree.leafCount === 1 ? '' : 's'}: ${counts})`);
  return out.join('\n');
}

/** A Service trace (or a single flow's tree) as indented text. */
export function renderTraceText(trace: ServiceTrace | PathTree): string {
  if ('root' in trace) return `${renderTreeText(trace)}\n`;
  const head = [`Service ${trace.namespace}/${trace.name} (${trace.type})`, ...trace.notes.map((n) => `  note: ${n}`)];
  if (trace.trees.length === 0) head.push('  no entry points');
  return `${[...head, ...trace.trees.map(renderTreeText)].join('\n\n')}\n`;
}
