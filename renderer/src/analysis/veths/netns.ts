import type { NamespaceCapture, NetnsEntry, NodeData, Sandbox } from '../model';

/** What one node says about its network namespaces, indexed for the correlation. */
export interface NetnsDirectory {
  /** nsid → the `ip netns list`/`list-id` entries that name it (one, unless the lists disagree) */
  entriesById: Map<number, NetnsEntry[]>;
  idByName: Map<string, number>;
  /** name → its `ip netns list` entry, when listed */
  entryByName: Map<string, NetnsEntry>;
  captures: Map<string, NamespaceCapture>;
  /** netns name → the crictl sandboxes whose netns path ends in it, ready ones first */
  sandboxesByNetns: Map<string, Sandbox[]>;
  /** every named netns, listed or captured, sorted */
  names: string[];
}

/** `/var/run/netns/cni-1234` → `cni-1234`; `/proc/42/ns/net` (no name) → null. */
function netnsNameFromPath(path: string): string | null {
  const m = /\/netns\/([^/]+)$/.exec(path);
  return m ? m[1] : null;
}

function sandboxRank(s: Sandbox): number {
  return s.state === 'SANDBOX_READY' ? 0 : 1;
}

export function netnsDirectory(node: NodeData): NetnsDirectory {
  const entriesById = new Map<number, NetnsEntry[]>();
  const idByName = new Map<string, number>();
  const entryByName = new Map<string, NetnsEntry>();
  for (const entry of node.netns) {
    if (entry.name === null) continue;
    if (!entryByName.has(entry.name)) entryByName.set(entry.name, entry);
    if (entry.nsid === null) continue;
    const named = entriesById.get(entry.nsid) ?? [];
    if (!named.some((e) => e.name === entry.name)) named.push(entry);
    entriesById.set(entry.nsid, named);
    if (!idByName.has(entry.name)) idByName.set(entry.name, entry.nsid);
  }
  const captures = new Map(node.namespaces.map((c) => [c.name, c]));
  const sandboxesByNetns = new Map<string, Sandbox[]>();
  for (const sandbox of node.sandboxes) {
    const name = sandbox.netnsPath === null ? null : netnsNameFromPath(sandbox.netnsPath);
    if (name === null) continue;
    sandboxesByNetns.set(name, [...(sandboxesByNetns.get(name) ?? []), sandbox]);
  }
  for (const list of sandboxesByNetns.values()) {
    list.sort((a, b) => sandboxRank(a) - sandboxRank(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
  const names = [...new Set([...entryByName.keys(), ...captures.keys()])].sort();
  return { entriesById, idByName, entryByName, captures, sandboxesByNetns, names };
}
