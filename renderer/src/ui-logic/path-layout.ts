// Lays a PathTree out top to bottom for the SVG diagram: one column per leaf, a segment centred
// over the columns of its leaves, forks fanning out with elbow edges. Pure geometry, no DOM.

import type { Disposition, Hop, HopKind, PathSegment, PathTree } from '../analysis/trace/types';
import { formatCounter, formatProbability, hopCaption, objectTitle } from './format';
import { countLeaves, ENTRY_ID } from './path-index';

export const BOX_W = 250;
export const BOX_H = 46;
export const COL_W = 272;
const GAP = 26;
const FORK_DROP = 46;
const PAD = 12;

export type Tone =
  | 'entry'
  | 'nft'
  | 'route'
  | 'overlay'
  | 'link'
  | 'fork'
  | Disposition;

export interface DiagramBox {
  id: string;
  type: 'entry' | 'hop' | 'fork' | 'leaf';
  x: number;
  y: number;
  w: number;
  h: number;
  caption: string;
  title: string;
  detail: string;
  tone: Tone;
}

export interface DiagramEdge {
  /** the element the edge leads to, or the branch id for fork branches */
  id: string;
  to: string;
  points: [number, number][];
  label: string | null;
  labelX: number;
  labelY: number;
  /** a branch whose probability follows kube-proxy's convention rather than the rule text */
  inferred: boolean;
  tone: Tone;
}

export interface DiagramLayout {
  boxes: DiagramBox[];
  edges: DiagramEdge[];
  width: number;
  height: number;
}

const HOP_TONES: Record<HopKind, Tone> = {
  arp: 'entry',
  ingress: 'entry',
  origin: 'entry',
  nft: 'nft',
  route: 'route',
  overlay: 'overlay',
  bridge: 'link',
  veth: 'link',
  pod: 'delivered',
  host: 'delivered',
  'node-not-captured': 'node-not-captured',
  exit: 'exited-cluster',
  drop: 'dropped',
  reject: 'rejected',
  unevaluable: 'unevaluable',
  loop: 'loop',
};

function hopBox(hop: Hop, id: string, x: number, y: number): DiagramBox {
  return {
    id,
    type: 'hop',
    x,
    y,
    w: BOX_W,
    h: BOX_H,
    caption: hopCaption(hop),
    title: objectTitle(hop.object),
    detail: hop.detail,
    tone: HOP_TONES[hop.kind],
  };
}

export function layoutPath(tree: PathTree): DiagramLayout {
  const boxes: DiagramBox[] = [];
  const edges: DiagramEdge[] = [];
  const columns = countLeaves(tree.root);
  const centre = (col0: number, span: number): number => PAD + (col0 + span / 2) * COL_W;
  let bottom = 0;

  const straight = (from: DiagramBox, to: DiagramBox, label: string | null): void => {
    const x = to.x + to.w / 2;
    edges.push({
      id: to.id,
      to: to.id,
      points: [
        [x, from.y + from.h],
        [x, to.y],
      ],
      label,
      labelX: x + 6,
      labelY: to.y - GAP / 2 + 4,
      inferred: false,
      tone: to.tone,
    });
  };

  const walk = (segment: PathSegment, segId: string, col0: number, y0: number, parent: DiagramBox | null, lead: DiagramEdge | null): void => {
    const span = countLeaves(segment);
    const cx = centre(col0, span);
    let y = y0;
    let prev = parent;
    let pendingLead = lead;
    const attach = (box: DiagramBox, counterLabel: string | null): void => {
      if (pendingLead) {
        pendingLead.points.push([cx, box.y]);
        pendingLead.label = [pendingLead.label, counterLabel].filter((t) => t !== null).join(' · ');
        pendingLead.to = box.id;
        edges.push(pendingLead);
        pendingLead = null;
      } else if (prev) {
        straight(prev, box, counterLabel);
      }
      boxes.push(box);
      prev = box;
      y = box.y + box.h + GAP;
    };
    segment.hops.forEach((hop, i) => {
      attach(hopBox(hop, `${segId}:h${i}`, cx - BOX_W / 2, y), hop.counters ? formatCounter(hop.counters) : null);
    });
    const end = segment.end;
    if (end.type === 'leaf') {
      const p = end.probability < 1 ? `p ${formatProbability(end.probability)}${end.inferred ? ' (inferred)' : ''}` : null;
      attach(
        {
          id: `${segId}:leaf`,
          type: 'leaf',
          x: cx - BOX_W / 2,
          y,
          w: BOX_W,
          h: BOX_H,
          caption: [end.disposition.toUpperCase(), p].filter((t) => t !== null).join(' · '),
          title: end.endpoint
            ? `${end.endpoint.address}${end.endpoint.port !== null ? `:${end.endpoint.port}` : ''}`
            : `${end.packet.dst}:${end.packet.dport}/${end.packet.protocol}`,
          detail: end.reason,
          tone: end.disposition,
        },
        null,
      );
      bottom = Math.max(bottom, y - GAP);
      return;
    }
    const forkBox: DiagramBox = {
      id: `${segId}:fork`,
      type: 'fork',
      x: cx - BOX_W / 2,
      y,
      w: BOX_W,
      h: BOX_H,
      caption: ['FORK', end.kind, end.node].filter((t) => t !== null).join(' · '),
      title: `${end.branches.length} branches`,
      detail: end.reason,
      tone: 'fork',
    };
    attach(forkBox, null);
    const forkBottom = forkBox.y + forkBox.h;
    const elbowY = forkBottom + FORK_DROP / 2;
    let col = col0;
    end.branches.forEach((branch, b) => {
      const childSpan = countLeaves(branch.segment);
      const childX = centre(col, childSpan);
      const probability = end.kind === 'random' ? formatProbability(branch.probability) : branch.label;
      const branchEdge: DiagramEdge = {
        id: `${segId}.${b}:branch`,
        to: '',
        points: [
          [cx, forkBottom],
          [cx, elbowY],
          [childX, elbowY],
        ],
        label: branch.inferred ? `${probability} (inferred)` : probability,
        labelX: childX + 6,
        labelY: forkBottom + FORK_DROP - 4,
        inferred: branch.inferred,
        tone: 'fork',
      };
      walk(branch.segment, `${segId}.${b}`, col, forkBottom + FORK_DROP + GAP / 2, null, branchEdge);
      col += childSpan;
    });
  };

  const entryX = centre(0, columns) - BOX_W / 2;
  const entry: DiagramBox = {
    id: ENTRY_ID,
    type: 'entry',
    x: entryX,
    y: PAD,
    w: BOX_W,
    h: BOX_H,
    caption: `ENTRY · ${tree.entry.kind}${tree.entry.node ? ` · ${tree.entry.node}` : ''}`,
    title: tree.entry.label,
    detail: `from ${tree.entry.from}`,
    tone: 'entry',
  };
  boxes.push(entry);
  walk(tree.root, 's', 0, entry.y + entry.h + GAP, entry, null);
  return { boxes, edges, width: PAD * 2 + columns * COL_W, height: bottom + PAD };
}
