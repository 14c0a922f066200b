// Parsers for crictl's JSON: `crictl pods -o json` (the sandbox list) and `crictl inspectp <id>`
// (one sandbox, verbose: containerd's `info` carries the OCI runtime spec and so the netns path).
// Pure and total, like the kubectl parsers.

import type { ParseResult, Sandbox } from '../../renderer/src/analysis/model';
import { IssueSink, type ParseOptions } from './issues';
import { forEachItem, type Item, type ItemReader } from './kubectl';

/** Reads id, pod name, namespace, uid and state; null (after an issue) when one is missing. */
function readSandbox(r: ItemReader, value: Record<string, unknown>, path: string): Sandbox | null {
  const at = (field: string) => (path ? `${path}.${field}` : field);
  const id = r.string(value.id, at('id'));
  const metadata = r.object(value.metadata, at('metadata')) ?? {};
  const podName = r.string(metadata.name, at('metadata.name'));
  const namespace = r.string(metadata.namespace, at('metadata.namespace'));
  for (const [field, v] of [
    ['id', id],
    ['metadata.name', podName],
    ['metadata.namespace', namespace],
  ] as const) {
    if (v === null) r.missing(at(field));
  }
  if (id === null || podName === null || namespace === null) return null;
  r.label = `${r.pointer || '(root)'} (${namespace}/${podName})`;
  return {
    id,
    podName,
    namespace,
    podUid: r.string(metadata.uid, at('metadata.uid')),
    state: r.string(value.state, at('state')),
    netnsPath: null,
    ip: null,
    source: r.source(),
  };
}

/** `crictl pods -o json`: `{items: [{id, metadata: {name, uid, namespace}, state, …}]}` */
export function parseCrictlPods(text: string, opts: ParseOptions): ParseResult<Sandbox[]> {
  const sink = new IssueSink();
  const value: Sandbox[] = [];
  const complete = forEachItem(text, opts, sink, ['PodSandbox'], (item) => {
    const sandbox = readSandbox(item.reader, item.object, '');
    if (sandbox) value.push(sandbox);
  });
  return { value: complete ? value : [], issues: sink.issues };
}

/**
 * `crictl inspectp <id>`: `{status: {id, metadata, state, network: {ip, additionalIps}}, info:
 * {runtimeSpec: {linux: {namespaces: [{type: 'network', path}]}}, sandboxMetadata: {NetNSPath}}}`.
 * A host-network sandbox has no network namespace entry, so its netnsPath stays null.
 */
export function parseCrictlInspectp(text: string, opts: ParseOptions): ParseResult<Sandbox | null> {
  const sink = new IssueSink();
  let item: Item | undefined;
  const complete = forEachItem(text, opts, sink, ['PodSandboxStatus'], (read) => (item ??= read));
  if (!complete || !item) return { value: null, issues: sink.issues };
  const r = item.reader;
  const status = r.object(item.object.status, 'status');
  if (!status) {
    r.missing('status');
    return { value: null, issues: sink.issues };
  }
  const sandbox = readSandbox(r, status, 'status');
  if (!sandbox) return { value: null, issues: sink.issues };

  const network = r.object(status.network, 'status.network') ?? {};
  sandbox.ip = r.string(network.ip, 'status.network.ip') || null;

  const info = r.object(item.object.info, 'info') ?? {};
  const spec = r.object(info.runtimeSpec, 'info.runtimeSpec') ?? {};
  const linux = r.object(spec.linux, 'info.runtimeSpec.linux') ?? {};
  r.array(linux.namespaces, 'info.runtimeSpec.linux.namespaces').forEach((entry, i) => {
    const path = `info.runtimeSpec.linux.namespaces[${i}]`;
    const ns = r.object(entry, path);
    if (ns && r.string(ns.type, `${path}.type`) === 'network') {
      sandbox.netnsPath = r.string(ns.path, `${path}.path`) || null;
    }
  });
  const sandboxMetadata = r.object(info.sandboxMetadata, 'info.sandboxMetadata') ?? {};
  sandbox.netnsPath ??= r.string(sandboxMetadata.NetNSPath, 'info.sandboxMetadata.NetNSPath') || null;
  return { value: sandbox, issues: sink.issues };
}
