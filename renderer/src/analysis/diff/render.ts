// The diff as text for people (`kube-netpath diff` without --json): the summary, the
// new-connection sentences, then each section's changes with their fields, then the findings.

import type { Change, FieldValue, SnapshotDiff } from './types';
import { DIFF_SECTIONS } from './types';

const SYMBOL: Record<Change['kind'], string> = { added: '+', removed: '-', changed: '~', reordered: '⇅' };

function value(v: FieldValue): string {
  if (v === null) return '-';
  if (Array.isArray(v)) return v.length === 0 ? '(none)' : v.join(', ');
  return String(v);
}

function where(node: string | undefined, nodeB: string | undefined): string {
  if (node === undefined) return '';
  return nodeB === undefined ? `[${node}] ` : `[${node} / ${nodeB}] `;
}

function changeLines(c: Change): string[] {
  const lines = [`  ${SYMBOL[c.kind]} ${where(c.node, c.nodeB)}${c.subject}`];
  for (const f of c.fields) {
    if (c.kind === 'added') lines.push(`      ${f.field}: ${value(f.after)}`);
    else if (c.kind === 'removed') lines.push(`      ${f.field}: ${value(f.before)}`);
    else lines.push(`      ${f.field}: ${value(f.before)} → ${value(f.after)}`);
  }
  if (c.note) lines.push(`      note: ${c.note}`);
  return lines;
}

export function renderDiffText(diff: SnapshotDiff): string {
  const out: string[] = [diff.summary.comparing];
  if (diff.pairs.length > 0) out.push(`nodes compared: ${diff.pairs.map((p) => (p.crossNode ? `${p.a} (A) ↔ ${p.b} (B)` : p.a)).join(', ')}`);
  else out.push('nodes compared: none (no captured node in common; pair them with --node-a and --node-b)');
  const { a, b } = diff.summary.unpaired;
  if (a.length > 0) out.push(`only in A: ${a.join(', ')}`);
  if (b.length > 0) out.push(`only in B: ${b.join(', ')}`);
  const counts = DIFF_SECTIONS.map((s) => {
    const c = diff.summary.counts[s];
    const parts = [c.added && `+${c.added}`, c.removed && `-${c.removed}`, c.changed && `~${c.changed}`, c.reordered && `⇅${c.reordered}`].filter(Boolean);
    return `${s} ${parts.length ? parts.join(' ') : '='}`;
  });
  out.push(counts.join(' · '));
  const p = diff.summary.paths;
  if (p.compared > 0 && p.traced < p.compared) {
    out.push(`paths: ${p.traced.toLocaleString('en-US')} of ${p.compared.toLocaleString('en-US')} Services re-traced (the rest had identical inputs)`);
  }

  const sentences = diff.counters.services.map((s) => `  ${where(s.node, s.nodeB)}${s.sentence}`);
  out.push(
    '',
    `counters (${diff.counters.rulesCompared} rules in both, ${diff.counters.rules.length} moved, ${diff.counters.rulesWentDown} went down)`,
    ...(sentences.length ? sentences : ['  no new connections to any Service']),
  );
  for (const s of DIFF_SECTIONS) {
    const changes = diff.sections[s];
    if (changes.length === 0) continue;
    out.push('', `${s} (${changes.length})`, ...changes.flatMap(changeLines));
  }
  if (diff.findings.length > 0) {
    out.push('', 'findings', ...diff.findings.map((f) => `  ${f.severity}: ${f.node ? `${f.node}: ` : ''}${f.message}`));
  }
  return out.join('\n');
}
