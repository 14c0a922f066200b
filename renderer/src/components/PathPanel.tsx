// Linked panes for one or more path trees: diagram ↔ detail tree ↔ raw evidence.

import { useEffect, useMemo, useState } from 'react';
import type { EntryKind, PathTree } from '../analysis/trace/types';
import { elementEvidence, ENTRY_ID, flattenPath } from '../ui-logic/path-index';
import { layoutPath } from '../ui-logic/path-layout';
import { EvidencePane } from './EvidencePane';
import { PathDiagram } from './PathDiagram';
import { PathOutline } from './PathOutline';

interface Props {
  snapshotId: number;
  trees: readonly PathTree[];
  notes: readonly string[];
}

/** Open the most external entry first: it walks the whole path (ARP → … → pod), as the article does. */
const ENTRY_PREFERENCE: EntryKind[] = ['load-balancer', 'external-ip', 'node-port', 'cluster-ip', 'flow'];

function preferredTree(trees: readonly PathTree[]): number {
  for (const kind of ENTRY_PREFERENCE) {
    const index = trees.findIndex((t) => t.entry.kind === kind);
    if (index >= 0) return index;
  }
  return 0;
}

export function PathPanel({ snapshotId, trees, notes }: Props) {
  const [treeIndex, setTreeIndex] = useState(() => preferredTree(trees));
  const [selectedId, setSelectedId] = useState<string>(ENTRY_ID);
  const [fit, setFit] = useState(false);
  useEffect(() => {
    setTreeIndex(preferredTree(trees));
    setSelectedId(ENTRY_ID);
  }, [trees]);
  const tree = trees[Math.min(treeIndex, trees.length - 1)] ?? null;
  const elements = useMemo(() => (tree ? flattenPath(tree) : []), [tree]);
  const layout = useMemo(() => (tree ? layoutPath(tree) : null), [tree]);
  const selected = elements.find((e) => e.id === selectedId) ?? null;
  const evidence = useMemo(() => (selected ? elementEvidence(selected) : []), [selected]);

  const step = (delta: number): void => {
    const index = elements.findIndex((e) => e.id === selectedId);
    const next = elements[Math.max(0, Math.min(elements.length - 1, index + delta))];
    if (next) setSelectedId(next.id);
  };

  if (!tree || !layout) {
    return (
      <div className="pathpanel-empty">
        <p>No path to draw.</p>
        {notes.map((n) => (
          <p key={n} className="note">
            {n}
          </p>
        ))}
      </div>
    );
  }

  return (
    <div className="pathpanel">
      <div className="pathpanel-main">
        <div className="pathpanel-bar">
          <label className="inline-field entry-pick">
            <span className="muted">Entry {trees.length > 1 ? `(${trees.length})` : ''}</span>
            <select
              aria-label="Entry point"
              value={treeIndex}
              onChange={(e) => {
                setTreeIndex(Number(e.target.value));
                setSelectedId(ENTRY_ID);
              }}
            >
              {trees.map((t, i) => (
                <option key={`${t.entry.label}-${i}`} value={i}>
                  {t.entry.label}
                </option>
              ))}
            </select>
          </label>
          <span className="dispositions">
            {Object.entries(tree.dispositions).map(([d, n]) => (
              <span key={d} className={`chip tone-${d}`}>
                {d} {n}
              </span>
            ))}
            <span className="muted">{tree.leafCount} leaves</span>
            <button type="button" className="btn small" aria-pressed={fit} onClick={() => setFit((f) => !f)} title="Fit the whole path in the pane (f)">
              {fit ? '1:1' : 'Fit'}
            </button>
          </span>
        </div>
        {notes.length > 0 ? <div className="notes">{notes.join(' · ')}</div> : null}
        <PathDiagram layout={layout} selectedId={selectedId} onSelect={setSelectedId} onStep={step} label={`Path diagram: ${tree.entry.label}`} fit={fit} onToggleFit={() => setFit((f) => !f)} />
        <Legend />
      </div>
      <div className="pathpanel-side">
        <PathOutline elements={elements} selectedId={selectedId} onSelect={setSelectedId} onStep={step} />
        <EvidencePane snapshotId={snapshotId} sources={evidence} />
      </div>
    </div>
  );
}

function Legend() {
  return (
    <div className="legend">
      <span className="chip tone-nft">netfilter</span>
      <span className="chip tone-route">route</span>
      <span className="chip tone-overlay">overlay</span>
      <span className="chip tone-link">bridge / veth</span>
      <span className="chip tone-delivered">delivered</span>
      <span className="chip tone-node-not-captured">node not captured</span>
      <span className="chip tone-dropped">dropped / rejected</span>
      <span className="chip tone-unevaluable">unevaluable</span>
      <span className="muted" title="Edge labels are the rule counters; fork branches carry their probability, dashed and marked (inferred) when it comes from kube-proxy's convention rather than the rule text">
        edges: counters · branches: probability, dashed = inferred
      </span>
    </div>
  );
}
