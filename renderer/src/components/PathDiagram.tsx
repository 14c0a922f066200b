// The packet path as an SVG diagram: boxes for hops, forks and dispositions, edges carrying the
// rule counters and the branch probabilities (dashed when inferred from kube-proxy's convention).

import { useEffect, useRef, type KeyboardEvent } from 'react';
import type { DiagramBox, DiagramEdge, DiagramLayout } from '../ui-logic/path-layout';
import { revealRect } from './scroll';

const CHAR_W = 6.4;

function clip(text: string, width: number): string {
  const max = Math.floor((width - 14) / CHAR_W);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

interface Props {
  layout: DiagramLayout;
  selectedId: string | null;
  onSelect: (id: string) => void;
  onStep: (delta: number) => void;
  label: string;
  /** scale the whole path into the pane instead of scrolling at 1:1 */
  fit: boolean;
  onToggleFit: () => void;
}

export function PathDiagram({ layout, selectedId, onSelect, onStep, label, fit, onToggleFit }: Props) {
  const wrapRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const box = layout.boxes.find((b) => b.id === selectedId);
    if (box && wrapRef.current && !fit) revealRect(wrapRef.current, box);
  }, [layout, selectedId, fit]);
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>): void => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowRight') onStep(1);
    else if (e.key === 'ArrowUp' || e.key === 'ArrowLeft') onStep(-1);
    else if (e.key === 'f') onToggleFit();
    else return;
    e.preventDefault();
  };
  return (
    <div className={`diagram${fit ? ' fit' : ''}`} ref={wrapRef} tabIndex={0} onKeyDown={onKeyDown} aria-label={label} role="tree">
      <svg
        width={fit ? '100%' : layout.width}
        height={fit ? '100%' : layout.height}
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        preserveAspectRatio="xMidYMin meet"
        data-testid="path-diagram"
      >
        <defs>
          <marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto">
            <path d="M0,0 L8,4 L0,8 z" className="arrowhead" />
          </marker>
        </defs>
        {layout.edges.map((edge) => (
          <Edge key={edge.id} edge={edge} selected={edge.id === selectedId} onSelect={onSelect} />
        ))}
        {layout.boxes.map((box) => (
          <Box key={box.id} box={box} selected={box.id === selectedId} onSelect={onSelect} />
        ))}
      </svg>
    </div>
  );
}

function Edge({ edge, selected, onSelect }: { edge: DiagramEdge; selected: boolean; onSelect: (id: string) => void }) {
  const d = edge.points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x},${y}`).join(' ');
  const clickable = edge.id.endsWith(':branch');
  return (
    <g
      className={`edge tone-${edge.tone}${edge.inferred ? ' inferred' : ''}${selected ? ' selected' : ''}`}
      data-selected={selected}
      onClick={clickable ? () => onSelect(edge.id) : undefined}
    >
      <path d={d} markerEnd="url(#arrow)" />
      {edge.label ? (
        <text x={edge.labelX} y={edge.labelY} className="edge-label">
          {edge.label}
        </text>
      ) : null}
    </g>
  );
}

function Box({ box, selected, onSelect }: { box: DiagramBox; selected: boolean; onSelect: (id: string) => void }) {
  return (
    <g
      className={`box box-${box.type} tone-${box.tone}${selected ? ' selected' : ''}`}
      data-selected={selected}
      data-id={box.id}
      role="treeitem"
      aria-selected={selected}
      onClick={() => onSelect(box.id)}
    >
      <title>{`${box.caption}\n${box.title}\n${box.detail}`}</title>
      <rect x={box.x} y={box.y} width={box.w} height={box.h} rx={box.type === 'leaf' || box.type === 'entry' ? 10 : 3} />
      <text x={box.x + 7} y={box.y + 13} className="box-caption">
        {clip(box.caption, box.w)}
      </text>
      <text x={box.x + 7} y={box.y + 27} className="box-title">
        {clip(box.title, box.w)}
      </text>
      <text x={box.x + 7} y={box.y + 40} className="box-detail">
        {clip(box.detail, box.w)}
      </text>
    </g>
  );
}
