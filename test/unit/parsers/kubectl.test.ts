import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { KubeEndpointSlice, KubePod } from '../../../renderer/src/analysis/model';
import { rootItemSpans } from '../../../db/parsers/json-text';
import {
  ENDPOINTS,
  PODS,
  readKubectl,
  parseEndpointSlices,
  parseEndpoints,
  parseEvents,
  parseNodes,
  parsePods,
  parseServices,
} from '../../../db/parsers/kubectl';

const ARTICLE = join(__dirname, '../../fixtures/bundles/article/cluster');
const read = (name: string) => readFileSync(join(ARTICLE, name), 'utf8');
const opts = (file: string) => ({ file });
/** kubectl prints a List with 4-space indentation */
const kubectlList = (items: unknown[]) =>
  JSON.stringify({ apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } }, null, 4);

describe('parseServices', () => {
  it('reads the article’s LoadBalancer Service', () => {
    const { value, issues } = parseServices(read('services.json'), opts('cluster/services.json'));
    expect(issues).toEqual([]);
    const nginx = value.find((s) => s.name === 'nginx');
    expect(nginx).toMatchObject({
      namespace: 'default',
      type: 'LoadBalancer',
      clusterIPs: ['10.43.80.28'],
      loadBalancerIPs: ['192.168.28.61'],
      ports: [{ name: null, protocol: 'TCP', port: 80, targetPort: 80, nodePort: 31236 }],
      selector: { app: 'nginx' },
      externalTrafficPolicy: 'Cluster',
      internalTrafficPolicy: 'Cluster',
      sessionAffinity: 'None',
      sessionAffinityTimeout: null,
      healthCheckNodePort: null,
      externalName: null,
    });
    expect(nginx?.source.pointer).toMatch(/^\/items\/\d$/);
    const index = Number(nginx?.source.pointer?.split('/')[2]);
    expect(read('services.json').split('\n')[(nginx?.source.line ?? 0) - 1].trim()).toBe('{');
    expect(index).toBe(value.indexOf(nginx!));
    const dns = value.find((s) => s.name === 'kube-dns');
    expect(dns?.ports.map((p) => [p.name, p.protocol, p.port])).toEqual([
      ['dns', 'UDP', 53],
      ['dns-tcp', 'TCP', 53],
      ['metrics', 'TCP', 9153],
    ]);
    expect(dns?.annotations['prometheus.io/port']).toBe('9153');
    expect(value.find((s) => s.name === 'metrics-server')?.ports[0].targetPort).toBe('https');
  });

  it('reads every Service type and optional field', () => {
    const text = kubectlList([
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'db', namespace: 'shop' },
        spec: { clusterIP: 'None', clusterIPs: ['None'], ports: [{ name: 'pg', port: 5432, protocol: 'TCP', targetPort: 5432 }], type: 'ClusterIP' },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'legacy', namespace: 'shop' },
        spec: { clusterIP: '10.43.9.9', ports: [{ port: 53, protocol: 'UDP' }] },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'ext', namespace: 'shop' },
        spec: { externalName: 'db.example.com', sessionAffinity: 'None', type: 'ExternalName' },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', namespace: 'shop', uid: 'u-1' },
        spec: {
          clusterIP: '10.43.1.2',
          clusterIPs: ['10.43.1.2', 'fd00:43::1:2'],
          externalIPs: ['203.0.113.7'],
          externalTrafficPolicy: 'Local',
          healthCheckNodePort: 32100,
          internalTrafficPolicy: 'Local',
          loadBalancerIP: '198.51.100.9',
          loadBalancerSourceRanges: ['198.51.100.0/24'],
          ports: [{ name: 'http', nodePort: 30080, port: 80, protocol: 'TCP', targetPort: 'http' }],
          sessionAffinity: 'ClientIP',
          sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
          type: 'LoadBalancer',
        },
        status: { loadBalancer: { ingress: [{ ip: '198.51.100.9', ipMode: 'VIP' }, { hostname: 'web.elb.example.com' }] } },
      },
    ]);
    const { value, issues } = parseServices(text, opts('s.json'));
    expect(issues).toEqual([]);
    expect(value.map((s) => [s.name, s.type, s.clusterIPs])).toEqual([
      ['db', 'ClusterIP', ['None']],
      ['legacy', 'ClusterIP', ['10.43.9.9']],
      ['ext', 'ExternalName', []],
      ['web', 'LoadBalancer', ['10.43.1.2', 'fd00:43::1:2']],
    ]);
    expect(value[1]).toMatchObject({
      ports: [{ name: null, protocol: 'UDP', port: 53, targetPort: null, nodePort: null }],
      externalTrafficPolicy: null,
      internalTrafficPolicy: null,
      selector: null,
    });
    expect(value[2].externalName).toBe('db.example.com');
    expect(value[3]).toMatchObject({
      uid: 'u-1',
      externalIPs: ['203.0.113.7'],
      loadBalancerIPs: ['198.51.100.9', 'web.elb.example.com'],
      loadBalancerSourceRanges: ['198.51.100.0/24'],
      externalTrafficPolicy: 'Local',
      internalTrafficPolicy: 'Local',
      sessionAffinity: 'ClientIP',
      sessionAffinityTimeout: 10800,
      healthCheckNodePort: 32100,
      ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 'http', nodePort: 30080 }],
    });
    const itemStarts = text.split('\n').flatMap((l, i) => (l === '        {' ? [i + 1] : []));
    expect(itemStarts[0]).toBe(4);
    expect(value.map((s) => s.source)).toEqual(
      itemStarts.map((line, i) => ({ file: 's.json', line, pointer: `/items/${i}` })),
    );
  });

  it('accepts a single object instead of a List', () => {
    const text = JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'a' }, spec: { clusterIP: '10.43.0.5', ports: [{ port: 1 }] } }, null, 4);
    const { value, issues } = parseServices(text, opts('one.json'));
    expect(issues).toEqual([]);
    expect(value).toHaveLength(1);
    expect(value[0]).toMatchObject({ namespace: 'default', name: 'a', type: 'ClusterIP', source: { file: 'one.json', line: 1, pointer: '' } });
  });

  it('reports malformed JSON with line and column, and returns nothing', () => {
    const cases: [string, number, number][] = [
      ['{\n    "items": [\n        {"a": 1,}\n    ]\n}', 3, 17],
      ['{\n  "items": [', 2, 13],
      ['', 1, 1],
      ['{"a": tru}', 1, 7],
      ['{"a": "x\ny"}', 1, 9],
      ['{"a": 1} trailing', 1, 10],
    ];
    for (const [text, line, col] of cases) {
      const { value, issues } = parseServices(text, opts('bad.json'));
      expect(value).toEqual([]);
      expect(issues, JSON.stringify(text)).toEqual([expect.objectContaining({ code: 'malformed-json', severity: 'error', line, col })]);
    }
  });

  it('reports wrong shapes naming the item, and keeps the rest', () => {
    const text = kubectlList([
      { kind: 'Service', metadata: { namespace: 'a' }, spec: {} },
      { kind: 'Pod', metadata: { name: 'p', namespace: 'a' } },
      'nonsense',
      {
        kind: 'Service',
        metadata: { name: 'b', namespace: 'a', labels: { ok: 'yes', bad: 7 } },
        spec: { type: 'Balanced', ports: [] },
      },
      {
        kind: 'Service',
        metadata: { name: 'c', namespace: 'a' },
        spec: { ports: [{ name: 'x' }, { port: 80, protocol: 'QUIC' }, { port: 81 }], clusterIPs: 'oops', externalTrafficPolicy: 'Global' },
      },
    ]);
    const { value, issues } = parseServices(text, opts('s.json'));
    expect(value.map((s) => s.name)).toEqual(['c']);
    expect(value[0].ports.map((p) => p.port)).toEqual([81]);
    expect(value[0].externalTrafficPolicy).toBeNull();
    expect(issues.map((i) => [i.code, i.detail])).toEqual([
      ['missing-field', '/items/0: metadata.name is missing'],
      ['unexpected-shape', '/items/1: expected kind Service, got Pod'],
      ['unexpected-shape', '/items/2: not an object'],
      ['unexpected-shape', '/items/3 (a/b): metadata.labels.bad is not a string'],
      ['unexpected-shape', '/items/3 (a/b): spec.type has unknown value "Balanced"'],
      ['unexpected-shape', '/items/4 (a/c): spec.clusterIPs is not an array'],
      ['missing-field', '/items/4 (a/c): spec.ports[0].port is missing'],
      ['unexpected-shape', '/items/4 (a/c): spec.ports[1].protocol has unknown value "QUIC"'],
      ['unexpected-shape', '/items/4 (a/c): spec.externalTrafficPolicy has unknown value "Global"'],
    ]);
    expect(issues.every((i) => i.severity === 'warning' && i.line > 0)).toBe(true);
  });

  it('reports a document that is not a List', () => {
    expect(parseServices('[1, 2]', opts('x')).issues).toEqual([expect.objectContaining({ code: 'unexpected-shape', line: 1 })]);
    expect(parseServices('{"kind": "Pod", "metadata": {"name": "p"}}', opts('x')).issues[0].detail).toBe('expected kind Service, got Pod');
    expect(parseServices('{"kind": "List", "items": null}', opts('x'))).toEqual({ value: [], issues: [] });
  });
});

describe('parseEndpointSlices', () => {
  it('reads the article’s slices', () => {
    const { value, issues } = parseEndpointSlices(read('endpointslices.json'), opts('cluster/endpointslices.json'));
    expect(issues).toEqual([]);
    const nginx = value.find((s) => s.serviceName === 'nginx');
    expect(nginx).toMatchObject({ namespace: 'default', addressType: 'IPv4', legacy: false, ports: [{ name: null, protocol: 'TCP', port: 80 }] });
    expect(nginx?.endpoints.map((e) => [e.addresses[0], e.nodeName, e.podName, e.ready, e.serving, e.terminating])).toEqual([
      ['10.42.0.204', 'roger-nuc0', 'nginx-7c5ddbdf54-tz9qm', true, true, false],
      ['10.42.2.228', 'roger-nuc2', 'nginx-7c5ddbdf54-p2w8h', true, true, false],
      ['10.42.4.11', 'roger-nuc3', 'nginx-7c5ddbdf54-jx6lc', true, true, false],
    ]);
    expect(value.find((s) => s.serviceName === 'kubernetes')?.endpoints[0]).toMatchObject({
      addresses: ['192.168.28.10'],
      ready: true,
      serving: null,
      nodeName: null,
      podName: null,
    });
  });

  it('reads conditions, zones and non-Pod targets', () => {
    const text = kubectlList([
      {
        addressType: 'IPv6',
        apiVersion: 'discovery.k8s.io/v1',
        endpoints: [
          { addresses: ['fd00::5'], conditions: { ready: false, serving: true, terminating: true }, zone: 'z1', targetRef: { kind: 'Pod', name: 'p', namespace: 'n' } },
          { addresses: ['fd00::6'], conditions: {}, targetRef: { kind: 'Node', name: 'n1' } },
        ],
        kind: 'EndpointSlice',
        metadata: { labels: { 'kubernetes.io/service-name': 'svc' }, name: 'svc-6', namespace: 'n' },
        ports: null,
      },
      { addressType: 'IPv4', endpoints: null, kind: 'EndpointSlice', metadata: { name: 'orphan', namespace: 'n' }, ports: [{ name: '', port: 8080, protocol: 'TCP' }] },
    ]);
    const { value, issues } = parseEndpointSlices(text, opts('e.json'));
    expect(issues).toEqual([]);
    expect(value[0].endpoints).toEqual([
      { addresses: ['fd00::5'], ready: false, serving: true, terminating: true, nodeName: null, podNamespace: 'n', podName: 'p', zone: 'z1' },
      { addresses: ['fd00::6'], ready: null, serving: null, terminating: null, nodeName: null, podNamespace: null, podName: null, zone: null },
    ]);
    expect(value[0].ports).toEqual([]);
    expect(value[1]).toMatchObject({ serviceName: null, endpoints: [], ports: [{ name: null, protocol: 'TCP', port: 8080 }] });
  });

  it('reports a missing addressType and infers it', () => {
    const text = kubectlList([{ kind: 'EndpointSlice', metadata: { name: 's', namespace: 'n' }, endpoints: [{ addresses: ['fd00::1'] }] }]);
    const { value, issues } = parseEndpointSlices(text, opts('e.json'));
    expect(value[0].addressType).toBe('IPv6');
    expect(issues.map((i) => i.detail)).toEqual(['/items/0 (n/s): addressType is missing']);
  });
});

describe('parseEndpoints (legacy v1)', () => {
  it('converts subsets to slices, ready and not ready', () => {
    const text = kubectlList([
      {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name: 'nginx', namespace: 'default' },
        subsets: [
          {
            addresses: [{ ip: '10.42.0.204', nodeName: 'roger-nuc0', targetRef: { kind: 'Pod', name: 'nginx-a', namespace: 'default' } }],
            notReadyAddresses: [{ ip: '10.42.2.228', nodeName: 'roger-nuc2' }],
            ports: [{ port: 80, protocol: 'TCP' }],
          },
          { addresses: [{ ip: '10.42.4.11' }], ports: [{ name: 'alt', port: 8080, protocol: 'TCP' }] },
        ],
      },
      { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'empty', namespace: 'default' } },
    ]);
    const { value, issues } = parseEndpoints(text, opts('cluster/endpoints.json'));
    expect(issues).toEqual([]);
    expect(value.map((s) => [s.name, s.serviceName, s.legacy, s.addressType, s.ports])).toEqual([
      ['nginx[0]', 'nginx', true, 'IPv4', [{ name: null, protocol: 'TCP', port: 80 }]],
      ['nginx[1]', 'nginx', true, 'IPv4', [{ name: 'alt', protocol: 'TCP', port: 8080 }]],
      ['empty', 'empty', true, 'IPv4', []],
    ]);
    expect(value[0].endpoints).toEqual([
      { addresses: ['10.42.0.204'], ready: true, serving: null, terminating: null, nodeName: 'roger-nuc0', podNamespace: 'default', podName: 'nginx-a', zone: null },
      { addresses: ['10.42.2.228'], ready: false, serving: null, terminating: null, nodeName: 'roger-nuc2', podNamespace: null, podName: null, zone: null },
    ]);
    expect(value[2].endpoints).toEqual([]);
    expect(value[0].source).toEqual({ file: 'cluster/endpoints.json', line: 4, pointer: '/items/0' });
  });

  it('reports an address without an IP', () => {
    const text = kubectlList([{ kind: 'Endpoints', metadata: { name: 'x', namespace: 'n' }, subsets: [{ addresses: [{ nodeName: 'a' }] }] }]);
    expect(parseEndpoints(text, opts('e')).issues.map((i) => i.detail)).toEqual(['/items/0 (n/x): subsets[0].addresses[0].ip is missing']);
  });
});

describe('parsePods', () => {
  it('reads the article’s pods', () => {
    const { value, issues } = parsePods(read('pods.json'), opts('cluster/pods.json'));
    expect(issues).toEqual([]);
    expect(value.find((p) => p.podIPs[0] === '10.42.0.204')).toMatchObject({
      namespace: 'default',
      name: 'nginx-7c5ddbdf54-tz9qm',
      nodeName: 'roger-nuc0',
      hostIP: '192.168.28.10',
      hostNetwork: false,
      phase: 'Running',
      labels: { app: 'nginx', 'pod-template-hash': '7c5ddbdf54' },
      containers: ['nginx'],
    });
    expect(value.find((p) => p.name === 'speaker-q7fjl')).toMatchObject({ hostNetwork: true, podIPs: ['192.168.28.11'] });
  });

  it('falls back to status.podIP, and tolerates a pending pod', () => {
    const text = kubectlList([
      { kind: 'Pod', metadata: { name: 'old', namespace: 'n' }, spec: { containers: [{ name: 'a' }, { name: 'b' }], nodeName: 'x' }, status: { podIP: '10.1.2.3', phase: 'Running' } },
      { kind: 'Pod', metadata: { name: 'new', namespace: 'n' }, spec: { containers: [{ name: 'a' }] }, status: { phase: 'Pending' } },
    ]);
    const { value, issues } = parsePods(text, opts('p'));
    expect(issues).toEqual([]);
    expect(value.map((p) => [p.name, p.podIPs, p.nodeName, p.hostIP, p.containers])).toEqual([
      ['old', ['10.1.2.3'], 'x', null, ['a', 'b']],
      ['new', [], null, null, ['a']],
    ]);
  });
});

describe('parseNodes', () => {
  it('reads addresses, pod CIDRs and flannel annotations', () => {
    const { value, issues } = parseNodes(read('nodes.json'), opts('cluster/nodes.json'));
    expect(issues).toEqual([]);
    expect(value.map((n) => [n.name, n.podCIDRs])).toEqual([
      ['roger-nuc0', ['10.42.0.0/24']],
      ['roger-nuc1', ['10.42.1.0/24']],
      ['roger-nuc2', ['10.42.2.0/24']],
      ['roger-nuc3', ['10.42.4.0/24']],
    ]);
    const nuc1 = value[1];
    expect(nuc1.addresses).toEqual([
      { type: 'InternalIP', address: '192.168.28.11' },
      { type: 'Hostname', address: 'roger-nuc1' },
    ]);
    expect(JSON.parse(nuc1.annotations['flannel.alpha.coreos.com/backend-data'])).toEqual({ VNI: 1, VtepMAC: '12:b4:7f:1e:c2:05' });
    expect(nuc1.annotations['flannel.alpha.coreos.com/public-ip']).toBe('192.168.28.11');
    expect(nuc1.labels['kubernetes.io/hostname']).toBe('roger-nuc1');
  });

  it('falls back to spec.podCIDR', () => {
    const text = JSON.stringify({ kind: 'Node', metadata: { name: 'n' }, spec: { podCIDR: '10.244.3.0/24' } });
    expect(parseNodes(text, opts('n')).value[0].podCIDRs).toEqual(['10.244.3.0/24']);
  });
});

describe('parseEvents', () => {
  it('reads the MetalLB events (core/v1)', () => {
    const { value, issues } = parseEvents(read('events.json'), opts('cluster/events.json'));
    expect(issues).toEqual([]);
    expect(value.find((e) => e.reason === 'nodeAssigned')).toMatchObject({
      namespace: 'default',
      involvedKind: 'Service',
      involvedNamespace: 'default',
      involvedName: 'nginx',
      type: 'Normal',
      message: 'announcing from node "roger-nuc1" with protocol "layer2"',
      component: 'metallb-speaker',
      count: 3,
      lastTimestamp: '2023-04-18T10:05:00Z',
    });
  });

  it('reads events.k8s.io/v1 events', () => {
    const text = JSON.stringify(
      {
        apiVersion: 'events.k8s.io/v1',
        items: [
          {
            action: 'Announcing',
            apiVersion: 'events.k8s.io/v1',
            eventTime: '2024-05-01T10:00:00.000000Z',
            kind: 'Event',
            metadata: { name: 'web.1', namespace: 'shop' },
            note: 'announcing from node "n2" with protocol "layer2"',
            reason: 'nodeAssigned',
            regarding: { kind: 'Service', name: 'web', namespace: 'shop' },
            reportingController: 'metallb-speaker',
            reportingInstance: 'n2',
            series: { count: 4, lastObservedTime: '2024-05-01T11:00:00.000000Z' },
            type: 'Normal',
          },
          {
            apiVersion: 'events.k8s.io/v1',
            deprecatedCount: 2,
            deprecatedLastTimestamp: '2024-05-01T09:00:00Z',
            deprecatedSource: { component: 'kubelet' },
            eventTime: null,
            kind: 'Event',
            metadata: { name: 'p.2', namespace: 'shop' },
            reason: 'Pulled',
            regarding: { kind: 'Pod', name: 'p', namespace: 'shop' },
            reportingController: 'kubelet',
            type: 'Normal',
          },
        ],
        kind: 'EventList',
        metadata: {},
      },
      null,
      2,
    );
    const { value, issues } = parseEvents(text, opts('ev'));
    expect(issues).toEqual([]);
    expect(value[0]).toMatchObject({
      involvedKind: 'Service',
      involvedName: 'web',
      message: 'announcing from node "n2" with protocol "layer2"',
      component: 'metallb-speaker',
      count: 4,
      lastTimestamp: '2024-05-01T11:00:00.000000Z',
    });
    expect(value[1]).toMatchObject({ component: 'kubelet', count: 2, lastTimestamp: '2024-05-01T09:00:00Z', message: null });
  });
});

describe('readKubectl, item by item', () => {
  const pod = (name: string, extra: Record<string, unknown> = {}) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'n' },
    spec: { containers: [{ name: 'c' }], nodeName: 'node-1' },
    status: { phase: 'Running', podIP: '10.1.0.1' },
    ...extra,
  });
  /** lines of the items' opening braces in a kubectlList */
  const itemLines = (text: string) => text.split('\n').flatMap((l, i) => (l === '        {' ? [i + 1] : []));
  const readPods = (text: string) => {
    const records: KubePod[] = [];
    const result = readKubectl(PODS, text, opts('pods.json'), (p) => records.push(p));
    return { ...result, records };
  };

  it('hands the records over in document order, each with its line and pointer', () => {
    const text = kubectlList([pod('a'), pod('b'), pod('c')]);
    expect(rootItemSpans(text, 512)).not.toBeNull();
    const lines = itemLines(text);
    expect(lines).toHaveLength(3);
    const { records, issues, complete } = readPods(text);
    expect(complete).toBe(true);
    expect(issues).toEqual([]);
    expect(records.map((p) => [p.name, p.source])).toEqual([
      ['a', { file: 'pods.json', line: lines[0], pointer: '/items/0' }],
      ['b', { file: 'pods.json', line: lines[1], pointer: '/items/1' }],
      ['c', { file: 'pods.json', line: lines[2], pointer: '/items/2' }],
    ]);
    expect(parsePods(text, opts('pods.json'))).toEqual({ value: records, issues: [] });
  });

  it('reads a lone object after blank lines with its line and the empty pointer', () => {
    const { records, complete } = readPods(`\n\n${JSON.stringify(pod('solo'), null, 4)}`);
    expect(complete).toBe(true);
    expect(records.map((p) => [p.name, p.source])).toEqual([['solo', { file: 'pods.json', line: 3, pointer: '' }]]);
  });

  it('is not complete when the third item is broken, and keeps only the syntax error', () => {
    // the first two items each earn a warning, handed over before the broken item is met
    const good = kubectlList([
      pod('a', { spec: { hostNetwork: 'yes' } }),
      pod('b', { spec: { nodeName: 7 } }),
      pod('c', { status: { phase: 'BROKEN' } }),
      pod('d'),
    ]);
    expect(parsePods(good, opts('pods.json')).issues).toHaveLength(2);
    const text = good.replace('"BROKEN"', 'BROKEN');
    expect(rootItemSpans(text, 512)).not.toBeNull();
    const lines = text.split('\n');
    const line = lines.findIndex((l) => l.includes('BROKEN')) + 1;
    const col = lines[line - 1].indexOf('BROKEN') + 1;
    const malformed = { code: 'malformed-json', severity: 'error', line, col, length: 1, detail: 'unexpected character "B"' };

    const { records, issues, complete } = readPods(text);
    expect(complete).toBe(false);
    expect(records.map((p) => p.name)).toEqual(['a', 'b']);
    expect(issues).toEqual([malformed]);
    expect(parsePods(text, opts('pods.json'))).toEqual({ value: [], issues: [malformed] });
  });

  it('hands over one array of slices per Endpoints item, which parseEndpoints flattens', () => {
    const text = kubectlList([
      {
        kind: 'Endpoints',
        metadata: { name: 'two', namespace: 'n' },
        subsets: [{ addresses: [{ ip: '10.1.0.1' }] }, { addresses: [{ ip: 'fd00::1' }] }],
      },
      { kind: 'Endpoints', metadata: { name: 'none', namespace: 'n' } },
      { kind: 'Endpoints', metadata: { name: 'one', namespace: 'n' }, subsets: [{ notReadyAddresses: [{ ip: '10.1.0.2' }] }] },
    ]);
    expect(rootItemSpans(text, 512)).not.toBeNull();
    const lines = itemLines(text);
    const handed: KubeEndpointSlice[][] = [];
    const { complete, issues } = readKubectl(ENDPOINTS, text, opts('ep.json'), (slices) => handed.push(slices));
    expect(complete).toBe(true);
    expect(issues).toEqual([]);
    expect(handed.map((slices) => slices.map((s) => [s.name, s.addressType, s.source.line]))).toEqual([
      [
        ['two[0]', 'IPv4', lines[0]],
        ['two[1]', 'IPv6', lines[0]],
      ],
      [['none', 'IPv4', lines[1]]],
      [['one', 'IPv4', lines[2]]],
    ]);
    const { value } = parseEndpoints(text, opts('ep.json'));
    expect(value).toEqual(handed.flat());
    expect(value.map((s) => s.source.pointer)).toEqual(['/items/0', '/items/0', '/items/1', '/items/2']);
  });

  it('reads a list rootItemSpans refuses into the same records, lines and issues', () => {
    const items = [pod('a'), pod('b', { spec: { hostNetwork: 'no' } }), { kind: 'Service', metadata: { name: 's' } }, pod('c')];
    const cut = kubectlList(items);
    // an empty first `items` array on the first line: JSON.parse keeps the second, lines stay put
    const whole = cut.replace(/^\{/, '{"items": [],');
    expect(rootItemSpans(cut, 512)).not.toBeNull();
    expect(rootItemSpans(whole, 512)).toBeNull();
    const a = parsePods(cut, opts('pods.json'));
    const b = parsePods(whole, opts('pods.json'));
    expect(a.value.map((p) => p.name)).toEqual(['a', 'b', 'c']);
    const lines = itemLines(cut);
    expect(a.value.map((p) => p.source.line)).toEqual([lines[0], lines[1], lines[3]]);
    expect(a.issues.map((i) => [i.line, i.detail])).toEqual([
      [lines[1], '/items/1 (n/b): spec.hostNetwork is not a boolean'],
      [lines[2], '/items/2: expected kind Pod, got Service'],
    ]);
    expect(b).toEqual(a);
  });

  it('reports a broken item the same on both paths', () => {
    const cut = kubectlList([pod('a'), pod('b'), pod('c')]).replace('"b"', '"b",');
    const whole = cut.replace(/^\{/, '{"items": [],');
    expect(rootItemSpans(cut, 512)).not.toBeNull();
    expect(rootItemSpans(whole, 512)).toBeNull();
    const a = readPods(cut);
    const b = readPods(whole);
    expect(a.complete).toBe(false);
    expect(b.complete).toBe(false);
    expect(a.issues).toHaveLength(1);
    expect(b.issues).toEqual(a.issues);
    expect(parsePods(cut, opts('p'))).toEqual(parsePods(whole, opts('p')));
  });
});
