// Parsers for `kubectl get … -o json` output (a List, or a single object). Pure and total: bad
// input yields issues, never an exception. Each record's SourceRef carries the line of the item's
// opening brace and its JSON pointer (`/items/N`; the empty pointer for a lone object). Each kind
// is a KubectlKind (what one item reads as), read whole into records by parseServices & co., or
// item by item into a consumer by readKubectl, as the importer does with large lists.

import type {
  EndpointPort,
  KubeEndpoint,
  KubeEndpointSlice,
  KubeEvent,
  KubeNode,
  KubePod,
  KubeService,
  ParseIssue,
  ParseResult,
  ServicePort,
  SourceRef,
} from '../../renderer/src/analysis/model';
import { isObject, type JsonObject } from './common';
import { IssueSink, type ParseOptions } from './issues';
import { readJsonList } from './json-list';

// ---------------------------------------------------------------------------------------------
// Typed reading with issues

/** Reads the fields of one item, reporting wrong types and missing fields against it. */
export class ItemReader {
  /** names the item in issue details: `/items/3 (default/nginx)` */
  label: string;

  constructor(
    private readonly sink: IssueSink,
    private readonly file: string,
    readonly line: number,
    readonly pointer: string,
  ) {
    this.label = pointer || '(root)';
  }

  source(): SourceRef {
    return { file: this.file, line: this.line, pointer: this.pointer };
  }

  missing(path: string): void {
    this.sink.report('missing-field', this.line, `${this.label}: ${path} is missing`);
  }

  wrong(path: string, what: string): void {
    this.sink.report('unexpected-shape', this.line, `${this.label}: ${path} ${what}`);
  }

  object(value: unknown, path: string): JsonObject | null {
    if (value === undefined || value === null) return null;
    if (isObject(value)) return value;
    this.wrong(path, 'is not an object');
    return null;
  }

  array(value: unknown, path: string): unknown[] {
    if (value === undefined || value === null) return [];
    if (Array.isArray(value)) return value;
    this.wrong(path, 'is not an array');
    return [];
  }

  string(value: unknown, path: string): string | null {
    if (value === undefined || value === null) return null;
    if (typeof value === 'string') return value;
    this.wrong(path, 'is not a string');
    return null;
  }

  integer(value: unknown, path: string): number | null {
    if (value === undefined || value === null) return null;
    if (typeof value === 'number' && Number.isInteger(value)) return value;
    this.wrong(path, 'is not an integer');
    return null;
  }

  boolean(value: unknown, path: string): boolean | null {
    if (value === undefined || value === null) return null;
    if (typeof value === 'boolean') return value;
    this.wrong(path, 'is not a boolean');
    return null;
  }

  strings(value: unknown, path: string): string[] {
    const out: string[] = [];
    this.array(value, path).forEach((v, i) => {
      const s = this.string(v, `${path}[${i}]`);
      if (s !== null) out.push(s);
    });
    return out;
  }

  stringMap(value: unknown, path: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.object(value, path) ?? {})) {
      const s = this.string(v, `${path}.${k}`);
      if (s !== null) out[k] = s;
    }
    return out;
  }

  /** A value from a closed set; a missing value gives `fallback`, an unknown one an issue and null. */
  oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[], fallback: T | null): T | null {
    const s = this.string(value, path);
    if (s === null) return fallback;
    if ((allowed as readonly string[]).includes(s)) return s as T;
    this.wrong(path, `has unknown value ${JSON.stringify(s)}`);
    return null;
  }
}

export interface Item {
  object: JsonObject;
  reader: ItemReader;
}

/**
 * Hands the items of a List, or a lone object, of one of `kinds` to `onItem` in document order.
 * Items of another kind are reported and skipped; so are items that are not objects. Returns false
 * when the text is not JSON (readJsonList): items handed over before that was found must be dropped.
 */
export function forEachItem(text: string, opts: ParseOptions, sink: IssueSink, kinds: readonly string[], onItem: (item: Item) => void): boolean {
  const accepts = (o: JsonObject) => o.kind === undefined || kinds.includes(o.kind as string);
  return readJsonList(text, sink, {
    root: (root, line) => {
      if (!isObject(root)) {
        sink.report('unexpected-shape', line, `expected a ${kinds[0]} List or a ${kinds[0]} object`);
        return false;
      }
      if (!('items' in root)) {
        if (typeof root.kind === 'string' && root.kind.endsWith('List')) return false;
        if (accepts(root)) onItem({ object: root, reader: new ItemReader(sink, opts.file, line, '') });
        else sink.report('unexpected-shape', line, `expected kind ${kinds.join(' or ')}, got ${String(root.kind)}`);
        return false;
      }
      if (root.items === null) return false;
      if (!Array.isArray(root.items)) {
        sink.report('unexpected-shape', line, 'items is not an array');
        return false;
      }
      return true;
    },
    item: (object, i, line) => {
      const pointer = `/items/${i}`;
      if (!isObject(object)) {
        sink.report('unexpected-shape', line, `${pointer}: not an object`);
      } else if (!accepts(object)) {
        sink.report('unexpected-shape', line, `${pointer}: expected kind ${kinds.join(' or ')}, got ${String(object.kind)}`);
      } else {
        onItem({ object, reader: new ItemReader(sink, opts.file, line, pointer) });
      }
    },
  });
}

interface Meta {
  name: string;
  namespace: string;
  uid: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** Reads metadata; null (after a 'missing-field' issue) when the object has no name. */
function readMeta(item: Item, namespaced: boolean): Meta | null {
  const r = item.reader;
  const meta = r.object(item.object.metadata, 'metadata') ?? {};
  const name = r.string(meta.name, 'metadata.name');
  const namespace = namespaced ? (r.string(meta.namespace, 'metadata.namespace') ?? 'default') : '';
  if (name === null) {
    r.missing('metadata.name');
    return null;
  }
  r.label = `${r.pointer || '(root)'} (${namespaced ? `${namespace}/` : ''}${name})`;
  return {
    name,
    namespace,
    uid: r.string(meta.uid, 'metadata.uid'),
    labels: r.stringMap(meta.labels, 'metadata.labels'),
    annotations: r.stringMap(meta.annotations, 'metadata.annotations'),
  };
}

/** One kind of kubectl object: the `kind`s its items may have, and what one item reads as (null: nothing, after an issue). */
export interface KubectlKind<T> {
  kinds: readonly string[];
  read(item: Item): T | null;
}

/**
 * Reads a kubectl list one item at a time, handing each item's record to `onRecord` as soon as
 * it is read, so that a list of tens of MB never lives in memory whole. `complete` is false when
 * the text turned out not to be JSON: the records handed over must then be dropped (the issues
 * hold the error alone, as when nothing was read).
 */
export function readKubectl<T>(
  kind: KubectlKind<T>,
  text: string,
  opts: ParseOptions,
  onRecord: (record: T) => void,
): { issues: ParseIssue[]; complete: boolean } {
  const sink = new IssueSink();
  const complete = forEachItem(text, opts, sink, kind.kinds, (item) => {
    const record = kind.read(item);
    if (record !== null) onRecord(record);
  });
  return { issues: sink.issues, complete };
}

function collect<T>(kind: KubectlKind<T>, text: string, opts: ParseOptions): ParseResult<T[]> {
  const value: T[] = [];
  const { issues, complete } = readKubectl(kind, text, opts, (record) => value.push(record));
  return { value: complete ? value : [], issues };
}

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;

// ---------------------------------------------------------------------------------------------
// Services

const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'] as const;
const TRAFFIC_POLICIES = ['Cluster', 'Local'] as const;

/** `kubectl get services -A -o json` */
export const SERVICES: KubectlKind<KubeService> = {
  kinds: ['Service'],
  read: (item) => {
    const meta = readMeta(item, true);
    if (!meta) return null;
    const r = item.reader;
    const spec = r.object(item.object.spec, 'spec') ?? {};
    const status = r.object(item.object.status, 'status') ?? {};
    const type = r.oneOf(spec.type, 'spec.type', SERVICE_TYPES, 'ClusterIP');
    if (type === null) return null;

    let clusterIPs = r.strings(spec.clusterIPs, 'spec.clusterIPs');
    const clusterIP = r.string(spec.clusterIP, 'spec.clusterIP');
    if (clusterIPs.length === 0 && clusterIP) clusterIPs = [clusterIP];

    const lb = r.object(status.loadBalancer, 'status.loadBalancer') ?? {};
    const loadBalancerIPs: string[] = [];
    r.array(lb.ingress, 'status.loadBalancer.ingress').forEach((entry, i) => {
      const ingress = r.object(entry, `status.loadBalancer.ingress[${i}]`) ?? {};
      for (const key of ['ip', 'hostname']) {
        const v = r.string(ingress[key], `status.loadBalancer.ingress[${i}].${key}`);
        if (v && !loadBalancerIPs.includes(v)) loadBalancerIPs.push(v);
      }
    });
    const requested = r.string(spec.loadBalancerIP, 'spec.loadBalancerIP');
    if (requested && !loadBalancerIPs.includes(requested)) loadBalancerIPs.push(requested);

    const ports: ServicePort[] = [];
    r.array(spec.ports, 'spec.ports').forEach((entry, i) => {
      const path = `spec.ports[${i}]`;
      const p = r.object(entry, path);
      if (!p) return;
      const port = r.integer(p.port, `${path}.port`);
      const protocol = r.oneOf(p.protocol, `${path}.protocol`, PROTOCOLS, 'TCP');
      if (port === null) r.missing(`${path}.port`);
      if (port === null || protocol === null) return;
      const targetPort =
        typeof p.targetPort === 'number' ? r.integer(p.targetPort, `${path}.targetPort`) : r.string(p.targetPort, `${path}.targetPort`);
      ports.push({
        name: r.string(p.name, `${path}.name`) || null,
        protocol,
        port,
        targetPort,
        nodePort: r.integer(p.nodePort, `${path}.nodePort`) || null,
      });
    });

    const affinityConfig = r.object(spec.sessionAffinityConfig, 'spec.sessionAffinityConfig') ?? {};
    const clientIP = r.object(affinityConfig.clientIP, 'spec.sessionAffinityConfig.clientIP') ?? {};
    const selector = r.object(spec.selector, 'spec.selector');
    return {
      namespace: meta.namespace,
      name: meta.name,
      uid: meta.uid,
      type,
      clusterIPs,
      externalIPs: r.strings(spec.externalIPs, 'spec.externalIPs'),
      loadBalancerIPs,
      loadBalancerSourceRanges: r.strings(spec.loadBalancerSourceRanges, 'spec.loadBalancerSourceRanges'),
      ports,
      selector: selector ? r.stringMap(selector, 'spec.selector') : null,
      externalTrafficPolicy: r.oneOf(spec.externalTrafficPolicy, 'spec.externalTrafficPolicy', TRAFFIC_POLICIES, null),
      internalTrafficPolicy: r.oneOf(spec.internalTrafficPolicy, 'spec.internalTrafficPolicy', TRAFFIC_POLICIES, null),
      sessionAffinity: r.oneOf(spec.sessionAffinity, 'spec.sessionAffinity', ['None', 'ClientIP'], 'None') ?? 'None',
      sessionAffinityTimeout: r.integer(clientIP.timeoutSeconds, 'spec.sessionAffinityConfig.clientIP.timeoutSeconds'),
      healthCheckNodePort: r.integer(spec.healthCheckNodePort, 'spec.healthCheckNodePort') || null,
      externalName: r.string(spec.externalName, 'spec.externalName'),
      annotations: meta.annotations,
      source: r.source(),
    };
  },
};

export function parseServices(text: string, opts: ParseOptions): ParseResult<KubeService[]> {
  return collect(SERVICES, text, opts);
}

// ---------------------------------------------------------------------------------------------
// EndpointSlices and legacy Endpoints

function addressTypeOf(address: string | undefined): string {
  return address?.includes(':') ? 'IPv6' : 'IPv4';
}

/** Reads `ports[]` of an EndpointSlice or an Endpoints subset. */
function readEndpointPorts(r: ItemReader, value: unknown, path: string): EndpointPort[] {
  const ports: EndpointPort[] = [];
  r.array(value, path).forEach((entry, i) => {
    const p = r.object(entry, `${path}[${i}]`);
    if (!p) return;
    const port = r.integer(p.port, `${path}[${i}].port`);
    const protocol = r.oneOf(p.protocol, `${path}[${i}].protocol`, PROTOCOLS, 'TCP');
    if (port === null) r.missing(`${path}[${i}].port`);
    if (port === null || protocol === null) return;
    ports.push({ name: r.string(p.name, `${path}[${i}].name`) || null, protocol, port });
  });
  return ports;
}

/** The pod a `targetRef` names, when it names a Pod. */
function readTargetPod(r: ItemReader, value: unknown, path: string): { podNamespace: string | null; podName: string | null } {
  const ref = r.object(value, path);
  if (!ref || r.string(ref.kind, `${path}.kind`) !== 'Pod') return { podNamespace: null, podName: null };
  return { podNamespace: r.string(ref.namespace, `${path}.namespace`), podName: r.string(ref.name, `${path}.name`) };
}

/** `kubectl get endpointslices.discovery.k8s.io -A -o json` */
export const ENDPOINT_SLICES: KubectlKind<KubeEndpointSlice> = {
  kinds: ['EndpointSlice'],
  read: (item) => {
    const meta = readMeta(item, true);
    if (!meta) return null;
    const r = item.reader;
    const endpoints: KubeEndpoint[] = [];
    r.array(item.object.endpoints, 'endpoints').forEach((entry, i) => {
      const path = `endpoints[${i}]`;
      const e = r.object(entry, path);
      if (!e) return;
      const conditions = r.object(e.conditions, `${path}.conditions`) ?? {};
      endpoints.push({
        addresses: r.strings(e.addresses, `${path}.addresses`),
        ready: r.boolean(conditions.ready, `${path}.conditions.ready`),
        serving: r.boolean(conditions.serving, `${path}.conditions.serving`),
        terminating: r.boolean(conditions.terminating, `${path}.conditions.terminating`),
        nodeName: r.string(e.nodeName, `${path}.nodeName`),
        ...readTargetPod(r, e.targetRef, `${path}.targetRef`),
        zone: r.string(e.zone, `${path}.zone`),
      });
    });
    let addressType = r.string(item.object.addressType, 'addressType');
    if (addressType === null) {
      r.missing('addressType');
      addressType = addressTypeOf(endpoints[0]?.addresses[0]);
    }
    return {
      namespace: meta.namespace,
      name: meta.name,
      serviceName: meta.labels['kubernetes.io/service-name'] ?? null,
      addressType,
      ports: readEndpointPorts(r, item.object.ports, 'ports'),
      endpoints,
      legacy: false,
      source: r.source(),
    };
  },
};

export function parseEndpointSlices(text: string, opts: ParseOptions): ParseResult<KubeEndpointSlice[]> {
  return collect(ENDPOINT_SLICES, text, opts);
}

/**
 * `kubectl get endpoints -A -o json` (legacy core/v1), as slices with `legacy: true`: one slice
 * per subset (named `name`, or `name[i]` when there are several), `addresses` ready and
 * `notReadyAddresses` not ready. An object with no subsets gives one empty slice, so the Service
 * is still known to have no endpoints.
 */
export const ENDPOINTS: KubectlKind<KubeEndpointSlice[]> = {
  kinds: ['Endpoints'],
  read: (item) => {
    const meta = readMeta(item, true);
    if (!meta) return null;
    const r = item.reader;
    const subsets = r.array(item.object.subsets, 'subsets');
    return (subsets.length > 0 ? subsets : [{}]).map((entry, i) => {
      const path = `subsets[${i}]`;
      const subset = r.object(entry, path) ?? {};
      const endpoints: KubeEndpoint[] = [];
      for (const [key, ready] of [
        ['addresses', true],
        ['notReadyAddresses', false],
      ] as const) {
        r.array(subset[key], `${path}.${key}`).forEach((a, j) => {
          const address = r.object(a, `${path}.${key}[${j}]`);
          const ip = address && r.string(address.ip, `${path}.${key}[${j}].ip`);
          if (!address || !ip) {
            if (address) r.missing(`${path}.${key}[${j}].ip`);
            return;
          }
          endpoints.push({
            addresses: [ip],
            ready,
            serving: null,
            terminating: null,
            nodeName: r.string(address.nodeName, `${path}.${key}[${j}].nodeName`),
            ...readTargetPod(r, address.targetRef, `${path}.${key}[${j}].targetRef`),
            zone: null,
          });
        });
      }
      return {
        namespace: meta.namespace,
        name: subsets.length > 1 ? `${meta.name}[${i}]` : meta.name,
        serviceName: meta.name,
        addressType: addressTypeOf(endpoints[0]?.addresses[0]),
        ports: readEndpointPorts(r, subset.ports, `${path}.ports`),
        endpoints,
        legacy: true,
        source: r.source(),
      };
    });
  },
};

export function parseEndpoints(text: string, opts: ParseOptions): ParseResult<KubeEndpointSlice[]> {
  const { value, issues } = collect(ENDPOINTS, text, opts);
  return { value: value.flat(), issues };
}

// ---------------------------------------------------------------------------------------------
// Pods, Nodes, Events

/** `kubectl get pods -A -o json` */
export const PODS: KubectlKind<KubePod> = {
  kinds: ['Pod'],
  read: (item) => {
    const meta = readMeta(item, true);
    if (!meta) return null;
    const r = item.reader;
    const spec = r.object(item.object.spec, 'spec') ?? {};
    const status = r.object(item.object.status, 'status') ?? {};
    const podIPs: string[] = [];
    r.array(status.podIPs, 'status.podIPs').forEach((entry, i) => {
      const ip = r.string(r.object(entry, `status.podIPs[${i}]`)?.ip, `status.podIPs[${i}].ip`);
      if (ip) podIPs.push(ip);
    });
    const podIP = r.string(status.podIP, 'status.podIP');
    if (podIPs.length === 0 && podIP) podIPs.push(podIP);
    const containers: string[] = [];
    r.array(spec.containers, 'spec.containers').forEach((entry, i) => {
      const name = r.string(r.object(entry, `spec.containers[${i}]`)?.name, `spec.containers[${i}].name`);
      if (name) containers.push(name);
    });
    return {
      namespace: meta.namespace,
      name: meta.name,
      uid: meta.uid,
      nodeName: r.string(spec.nodeName, 'spec.nodeName'),
      podIPs,
      hostIP: r.string(status.hostIP, 'status.hostIP'),
      hostNetwork: r.boolean(spec.hostNetwork, 'spec.hostNetwork') ?? false,
      phase: r.string(status.phase, 'status.phase'),
      labels: meta.labels,
      containers,
      source: r.source(),
    };
  },
};

export function parsePods(text: string, opts: ParseOptions): ParseResult<KubePod[]> {
  return collect(PODS, text, opts);
}

/** `kubectl get nodes -o json` */
export const NODES: KubectlKind<KubeNode> = {
  kinds: ['Node'],
  read: (item) => {
    const meta = readMeta(item, false);
    if (!meta) return null;
    const r = item.reader;
    const spec = r.object(item.object.spec, 'spec') ?? {};
    const status = r.object(item.object.status, 'status') ?? {};
    const addresses: KubeNode['addresses'] = [];
    r.array(status.addresses, 'status.addresses').forEach((entry, i) => {
      const a = r.object(entry, `status.addresses[${i}]`);
      const type = a && r.string(a.type, `status.addresses[${i}].type`);
      const address = a && r.string(a.address, `status.addresses[${i}].address`);
      if (type && address) addresses.push({ type, address });
    });
    let podCIDRs = r.strings(spec.podCIDRs, 'spec.podCIDRs');
    const podCIDR = r.string(spec.podCIDR, 'spec.podCIDR');
    if (podCIDRs.length === 0 && podCIDR) podCIDRs = [podCIDR];
    return {
      name: meta.name,
      addresses,
      podCIDRs,
      annotations: meta.annotations,
      labels: meta.labels,
      source: r.source(),
    };
  },
};

export function parseNodes(text: string, opts: ParseOptions): ParseResult<KubeNode[]> {
  return collect(NODES, text, opts);
}

/** `kubectl get events -A -o json`: core/v1 Events or events.k8s.io/v1 Events. */
export const EVENTS: KubectlKind<KubeEvent> = {
  kinds: ['Event'],
  read: (item) => {
    const r = item.reader;
    const o = item.object;
    const meta = r.object(o.metadata, 'metadata') ?? {};
    const involvedPath = o.regarding !== undefined ? 'regarding' : 'involvedObject';
    const involved = r.object(o[involvedPath], involvedPath) ?? {};
    const involvedNamespace = r.string(involved.namespace, `${involvedPath}.namespace`);
    const series = r.object(o.series, 'series') ?? {};
    const source = r.object(o.source, 'source') ?? {};
    const first = <T>(...values: (T | null)[]): T | null => values.find((v) => v !== null && v !== '') ?? null;
    return {
      namespace: r.string(meta.namespace, 'metadata.namespace') ?? involvedNamespace ?? 'default',
      involvedKind: r.string(involved.kind, `${involvedPath}.kind`),
      involvedNamespace,
      involvedName: r.string(involved.name, `${involvedPath}.name`),
      type: r.string(o.type, 'type'),
      reason: r.string(o.reason, 'reason'),
      message: first(r.string(o.message, 'message'), r.string(o.note, 'note')),
      component: first(
        r.string(source.component, 'source.component'),
        r.string(o.reportingController, 'reportingController'),
        r.string(o.reportingComponent, 'reportingComponent'),
      ),
      count: first(
        r.integer(o.count, 'count'),
        r.integer(o.deprecatedCount, 'deprecatedCount'),
        r.integer(series.count, 'series.count'),
      ),
      lastTimestamp: first(
        r.string(o.lastTimestamp, 'lastTimestamp'),
        r.string(o.deprecatedLastTimestamp, 'deprecatedLastTimestamp'),
        r.string(series.lastObservedTime, 'series.lastObservedTime'),
        r.string(o.eventTime, 'eventTime'),
      ),
      source: r.source(),
    };
  },
};

export function parseEvents(text: string, opts: ParseOptions): ParseResult<KubeEvent[]> {
  return collect(EVENTS, text, opts);
}
