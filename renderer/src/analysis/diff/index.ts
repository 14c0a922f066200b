// Compare two snapshots: "before / after" captures of one cluster, or a working node with a
// broken one. Cluster objects (Services, endpoints, pods) are compared cluster-wide; node objects
// (veths, interfaces, routes, nftables rules and their counters) per pair of nodes (pairs.ts);
// every Service present in both has its reconstructed paths compared. Pure and deterministic:
// the output is plain sorted data. Per-snapshot indexes (chain names, rule indexes) are built
// once, so the cost grows with the size of the snapshots, not its square; what only re-tracing
// needs (the trace context, rule keys of unchanged chains) is built only if a Service is re-traced.

import { appendAll } from '../arrays';
import { sortFindings, type Finding } from '../findings';
import type { SnapshotData } from '../model';
import { clusterUnchanged, compareText, sortChanges } from './common';
import { diffCounters } from './counters';
import { diffEndpoints } from './endpoints';
import { diffInterfaces } from './interfaces';
import { comparingSentence, nodeChanges, pairNodes } from './pairs';
import { diffPaths } from './paths';
import { diffPods } from './pods';
import { diffRoutes } from './routes';
import { chainNames, indexNodeRules, type NodeRuleIndex } from './rule-index';
import { diffRules, type ChainMatch } from './rules';
import { diffServices } from './services';
import { planPaths } from './skip';
import { snapshotView } from './snapshot-view';
import { diffVeths } from './veths';
import {
  DIFF_SECTIONS,
  type Change,
  type CounterDiff,
  type DiffOptions,
  type DiffSection,
  type SectionCounts,
  type SnapshotDiff,
  type SnapshotSide,
} from './types';

export type * from './types';
export { DIFF_SECTIONS } from './types';
export { DiffInputError } from './pairs';
export { renderDiffText } from './render';

function side(s: SnapshotData): SnapshotSide {
  return { id: s.id, name: s.name, createdAt: s.createdAt, nodes: s.nodes.map((n) => n.name).sort(compareText) };
}

function count(changes: readonly Change[]): SectionCounts {
  const c: SectionCounts = { added: 0, removed: 0, changed: 0, reordered: 0 };
  for (const x of changes) c[x.kind]++;
  return c;
}

export function diffSnapshots(a: SnapshotData, b: SnapshotData, opts: DiffOptions = {}): SnapshotDiff {
  const pairing = pairNodes(a, b, opts.nodePairs);
  const viewA = snapshotView(a);
  const viewB = snapshotView(b);
  const unchanged = clusterUnchanged(a, b);
  // B's chain names are A's when its Services and slices are (they are all the names are made of)
  const names = chainNames(viewA.chainRefsOf, unchanged.services && unchanged.endpointSlices ? viewA.chainRefsOf : viewB.chainRefsOf);
  const rulesA = new Map<string, NodeRuleIndex>();
  const rulesB = new Map<string, NodeRuleIndex>();
  /** per pair, the chains present in both (RulesDiff.matches) */
  const matches: ChainMatch[][] = [];

  const sections: Record<DiffSection, Change[]> = {
    nodes: nodeChanges(pairing),
    // an unchanged list has no changes (clusterUnchanged): not compared piece by piece
    services: unchanged.services ? [] : diffServices(a, b),
    endpoints: [],
    pods: unchanged.pods ? [] : diffPods(a, b),
    veths: diffVeths(viewA.veths, viewB.veths, pairing),
    interfaces: [],
    routes: [],
    rules: [],
    paths: [],
  };
  const findings: Finding[] = [];
  const counters: CounterDiff = { rulesCompared: 0, rulesWentDown: 0, rules: [], services: [] };

  const endpoints = unchanged.endpointSlices ? { changes: [], findings: [] } : diffEndpoints(a, b);
  sections.endpoints = endpoints.changes;
  appendAll(findings, endpoints.findings);

  for (const pair of pairing.pairs) {
    const na = viewA.nodes.get(pair.a)!;
    const nb = viewB.nodes.get(pair.b)!;
    appendAll(sections.interfaces, diffInterfaces(na, nb, pair));
    appendAll(sections.routes, diffRoutes(na, nb, pair));
    const ia = indexNodeRules(na, names);
    const ib = indexNodeRules(nb, names, ia);
    rulesA.set(pair.a, ia);
    rulesB.set(pair.b, ib);
    const rules = diffRules(ia, ib, pair);
    appendAll(sections.rules, rules.changes);
    appendAll(findings, rules.findings);
    matches.push(rules.matches);
    const c = diffCounters(rules.matches, rules.newChains, pair);
    counters.rulesCompared += c.compared;
    counters.rulesWentDown += c.wentDown;
    appendAll(counters.rules, c.rules);
    appendAll(counters.services, c.services);
    appendAll(findings, c.findings);
    if (pair.crossNode) {
      findings.push({
        severity: 'info',
        code: 'cross-node-comparison',
        node: pair.a,
        subject: `${pair.a} / ${pair.b}`,
        message: `node ${pair.a} of snapshot A is compared with node ${pair.b} of snapshot B: differences may be the nodes', not time's`,
        evidence: [],
      });
    }
  }

  const traceNodesA = pairing.pairs.map((p) => p.a);
  const traceNodesB = pairing.pairs.map((p) => p.b);
  const plan = opts.exhaustivePaths
    ? { retrace: null, reason: 'exhaustive paths requested' }
    : planPaths({ view: viewA, rules: rulesA, traceNodes: traceNodesA }, { view: viewB, rules: rulesB, traceNodes: traceNodesB }, { pairing, names, matches, unchanged });
  const paths = diffPaths(
    { snapshot: a, rules: rulesA, nodeId: (n) => (pairing.byA.has(n) || !pairing.toA.has(n) ? n : `${n} (A)`), traceNodes: traceNodesA },
    { snapshot: b, rules: rulesB, nodeId: (n) => pairing.toA.get(n) ?? (pairing.byA.has(n) ? `${n} (B)` : n), traceNodes: traceNodesB },
    pairing,
    plan.retrace,
  );
  sections.paths = paths.changes;
  appendAll(findings, paths.findings);

  for (const s of DIFF_SECTIONS) sortChanges(sections[s]);
  counters.rules.sort(
    (x, y) =>
      compareText(x.node, y.node) || compareText(x.family, y.family) || compareText(x.table, y.table) || compareText(x.chain, y.chain) || x.position - y.position,
  );
  counters.services.sort((x, y) => compareText(x.node, y.node) || compareText(x.service, y.service) || compareText(x.portName ?? '', y.portName ?? ''));
  const counts = Object.fromEntries(DIFF_SECTIONS.map((s) => [s, count(sections[s])])) as Record<DiffSection, SectionCounts>;
  return {
    a: side(a),
    b: side(b),
    pairs: pairing.pairs,
    summary: {
      comparing: comparingSentence(a, b, pairing.pairs),
      crossNode: pairing.pairs.some((p) => p.crossNode),
      unpaired: { a: pairing.unpairedA, b: pairing.unpairedB },
      counts,
      newConnections: counters.services.reduce((n, s) => n + s.packets, 0),
      paths: { compared: paths.compared, traced: paths.traced, skipped: paths.compared - paths.traced, reason: plan.reason },
    },
    sections,
    counters,
    findings: sortFindings(findings),
  };
}
