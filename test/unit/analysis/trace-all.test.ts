// traceAllServices against traceService, one Service at a time: the engine caches per snapshot
// (indexes, kube-proxy chain names, hop payloads, forks, routing decisions) and shares immutable
// parts between paths, so the whole-cluster walk must give exactly what separate walks give, in
// any order and on a snapshot whose caches are cold.

import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseBundle, parseBundleFolder, toSnapshotData } from '../../../db/import/parse-bundle';
import type { SnapshotData } from '../../../renderer/src/analysis/model';
import { forEachServiceTrace, leavesOf, traceAllServices, traceService, type ServiceTrace } from '../../../renderer/src/analysis/trace';
import { generateClusterBundle, type ProxyMode } from '../../fixtures/generate-cluster';

/** A deep copy: new objects, so no cache keyed on the original's objects applies to it. */
function fresh(snapshot: SnapshotData): SnapshotData {
  return structuredClone(snapshot);
}

function oneByOne(snapshot: SnapshotData, order: 'forward' | 'reverse'): ServiceTrace[] {
  const services = [...snapshot.cluster.services].sort((a, b) =>
    a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  const visit = order === 'forward' ? services : [...services].reverse();
  const traces = visit.map((s) => traceService(snapshot, { namespace: s.namespace, name: s.name }));
  return order === 'forward' ? traces : traces.reverse();
}

function syntheticSnapshot(mode: ProxyMode): SnapshotData {
  const files = generateClusterBundle({ services: 40, endpointsPerService: 4, nodes: 2, clusterNodes: 4, mode, seed: 5 });
  const entries = new Map<string, Buffer>();
  for (const [path, content] of files) entries.set(path, Buffer.isBuffer(content) ? content : Buffer.from(content));
  const parsed = parseBundle({ kind: 'folder', path: `synthetic-${mode}`, entries, contentHash: mode, sizeBytes: 0 });
  return toSnapshotData(parsed, 1, `synthetic-${mode}`);
}

function expectSameAsOneByOne(snapshot: SnapshotData): ServiceTrace[] {
  const all = traceAllServices(snapshot);
  expect(all.map((t) => `${t.namespace}/${t.name}`)).toEqual(oneByOne(fresh(snapshot), 'forward').map((t) => `${t.namespace}/${t.name}`));
  expect(all).toEqual(oneByOne(fresh(snapshot), 'forward'));
  expect(all).toEqual(oneByOne(fresh(snapshot), 'reverse'));
  expect(traceAllServices(snapshot)).toEqual(all);
  // The whole-cluster walk forgets each Service's chain facts: one Service at a time builds them again.
  expect(oneByOne(snapshot, 'reverse')).toEqual(all);
  const streamed: ServiceTrace[] = [];
  forEachServiceTrace(fresh(snapshot), (t) => streamed.push(t));
  expect(streamed).toEqual(all);
  return all;
}

describe('traceAllServices on the article bundle', () => {
  let snapshot: SnapshotData;
  beforeAll(async () => {
    ({ snapshot } = await parseBundleFolder(join(__dirname, '../../fixtures/bundles/article')));
  });

  it('equals traceService for every Service, in either order, on cold caches', () => {
    const all = expectSameAsOneByOne(snapshot);
    expect(all.some((t) => t.trees.length > 0)).toBe(true);
  });

  it('survives a JSON round trip unchanged (shared parts are plain data)', () => {
    const all = traceAllServices(snapshot);
    expect(JSON.parse(JSON.stringify(all))).toEqual(all);
  });
});

describe.each<ProxyMode>(['iptables-nft', 'nftables'])('traceAllServices on a synthetic %s cluster', (mode) => {
  let snapshot: SnapshotData;
  beforeAll(() => {
    snapshot = syntheticSnapshot(mode);
  });

  it('equals traceService for every Service, in either order, on cold caches', () => {
    const all = expectSameAsOneByOne(snapshot);
    const leaves = all.flatMap((t) => t.trees.flatMap((tree) => leavesOf(tree)));
    expect(leaves.filter((l) => l.disposition === 'delivered').length).toBeGreaterThan(0);
    expect(leaves.every((l) => l.endpoint !== null || l.disposition !== 'delivered')).toBe(true);
  });

  it('gives each leaf its own packet and arrays', () => {
    const leaves = traceAllServices(snapshot).flatMap((t) => t.trees.flatMap((tree) => leavesOf(tree)));
    expect(new Set(leaves.map((l) => l.packet)).size).toBe(leaves.length);
    expect(new Set(leaves.map((l) => l.chains)).size).toBe(leaves.length);
    expect(new Set(leaves.map((l) => l.nodes)).size).toBe(leaves.length);
  });
});
