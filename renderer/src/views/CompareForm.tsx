// Which two snapshots to compare (base A, changed B) and, optionally, which node of A to compare
// with which node of B: the same snapshot twice with two of its nodes is allowed.

import { useEffect, useState, type FormEvent } from 'react';
import type { SnapshotSummary } from '../../../db/api-types';
import { useApp } from '../state/app-context';
import { defaultPair } from '../ui-logic/compare';
import type { CompareTarget } from '../ui-logic/route';

interface Props {
  target: CompareTarget | null;
  busy: boolean;
  onCompare: (target: CompareTarget) => void;
}

function SnapshotSelect({ label, value, snapshots, onChange }: { label: string; value: number | null; snapshots: readonly SnapshotSummary[]; onChange: (id: number) => void }) {
  return (
    <label className="inline-field">
      <span className="muted">{label}</span>
      <select aria-label={label} value={value ?? ''} onChange={(e) => onChange(Number(e.target.value))}>
        {value === null ? <option value="">—</option> : null}
        {snapshots.map((s) => (
          <option key={s.id} value={s.id}>
            #{s.id} {s.name}
          </option>
        ))}
      </select>
    </label>
  );
}

function NodeSelect({ label, value, nodes, onChange }: { label: string; value: string; nodes: readonly string[]; onChange: (node: string) => void }) {
  return (
    <select aria-label={label} value={value} onChange={(e) => onChange(e.target.value)}>
      {nodes.map((n) => (
        <option key={n} value={n}>
          {n}
        </option>
      ))}
    </select>
  );
}

export function CompareForm({ target, busy, onCompare }: Props) {
  const { snapshots, snapshotId } = useApp();
  const list = snapshots ?? [];
  const [a, setA] = useState<number | null>(target?.a ?? null);
  const [b, setB] = useState<number | null>(target?.b ?? null);
  const [pairNodes, setPairNodes] = useState(target?.nodes != null);
  const [nodeA, setNodeA] = useState(target?.nodes?.a ?? '');
  const [nodeB, setNodeB] = useState(target?.nodes?.b ?? '');

  // defaults once the library is known: the open snapshot against the newest other one
  useEffect(() => {
    if (a !== null || b !== null || !snapshots) return;
    const pair = defaultPair(snapshots, snapshotId);
    if (pair) {
      setA(pair.a);
      setB(pair.b);
    } else if (snapshots.length === 1) {
      setA(snapshots[0].id);
      setB(snapshots[0].id);
    }
  }, [snapshots, snapshotId, a, b]);

  const nodesA = list.find((s) => s.id === a)?.nodes ?? [];
  const nodesB = list.find((s) => s.id === b)?.nodes ?? [];
  // keep the node choices valid when the snapshots change: A's first node, and for B another node when A and B are one snapshot
  useEffect(() => {
    if (!nodesA.includes(nodeA) && nodesA.length > 0) setNodeA(nodesA[0]);
  }, [nodesA, nodeA]);
  useEffect(() => {
    if (nodesB.includes(nodeB) || nodesB.length === 0) return;
    setNodeB(a === b ? (nodesB.find((n) => n !== nodeA) ?? nodesB[0]) : nodesB[0]);
  }, [nodesB, nodeB, a, b, nodeA]);

  const problem =
    a === null || b === null
      ? list.length < 2
        ? 'Import two snapshots (or pair two nodes of one) to compare them.'
        : 'Pick a base (A) and a changed (B) snapshot.'
      : pairNodes
        ? nodeA === '' || nodeB === ''
          ? 'Both snapshots need a captured node to pair.'
          : a === b && nodeA === nodeB
            ? 'That is the same node of the same snapshot: pick two different nodes.'
            : null
        : a === b
          ? 'A and B are the same snapshot: pick another, or pair two of its nodes.'
          : null;

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (problem !== null || a === null || b === null) return;
    onCompare({ a, b, nodes: pairNodes ? { a: nodeA, b: nodeB } : null });
  };

  const swap = (): void => {
    setA(b);
    setB(a);
    setNodeA(nodeB);
    setNodeB(nodeA);
  };

  return (
    <form className="compare-form" onSubmit={submit} aria-label="Snapshots to compare">
      <SnapshotSelect label="Base (A)" value={a} snapshots={list} onChange={setA} />
      <button type="button" className="btn small" onClick={swap} title="Swap A and B" aria-label="Swap A and B">
        ⇄
      </button>
      <SnapshotSelect label="Changed (B)" value={b} snapshots={list} onChange={setB} />
      <label className="inline-field" title="Compare one node of A with another node of B (e.g. a working node with a broken one)">
        <input type="checkbox" checked={pairNodes} onChange={(e) => setPairNodes(e.target.checked)} />
        <span>Pair nodes</span>
      </label>
      {pairNodes ? (
        <span className="inline-field">
          <NodeSelect label="Node of A" value={nodeA} nodes={nodesA} onChange={setNodeA} />
          <span className="muted">with</span>
          <NodeSelect label="Node of B" value={nodeB} nodes={nodesB} onChange={setNodeB} />
        </span>
      ) : null}
      <button type="submit" className="btn primary" disabled={problem !== null || busy}>
        {busy ? 'Comparing…' : 'Compare'}
      </button>
      {problem && list.length > 0 ? <span className="muted">{problem}</span> : null}
    </form>
  );
}
