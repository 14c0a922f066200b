import { describe, expect, it } from 'vitest';
import type { ServiceRow } from '../../../db/api-types';
import { matchService, parseServiceFilter } from '../../../renderer/src/ui-logic/service-filter';

function service(patch: Partial<ServiceRow>): ServiceRow {
  return {
    namespace: 'default',
    name: 'nginx',
    type: 'LoadBalancer',
    clusterIPs: ['10.43.80.28'],
    externalIPs: [],
    loadBalancerIPs: ['192.168.28.61'],
    ports: [{ name: null, protocol: 'TCP', port: 80, targetPort: '80', nodePort: 31552 }],
    externalTrafficPolicy: 'Cluster',
    internalTrafficPolicy: 'Cluster',
    sessionAffinity: 'None',
    endpoints: 3,
    readyEndpoints: 3,
    ...patch,
  };
}

const nginx = service({});
const dns = service({
  namespace: 'kube-system',
  name: 'kube-dns',
  type: 'ClusterIP',
  clusterIPs: ['10.43.0.10'],
  loadBalancerIPs: [],
  ports: [
    { name: 'dns', protocol: 'UDP', port: 53, targetPort: '53', nodePort: null },
    { name: 'metrics', protocol: 'TCP', port: 9153, targetPort: '9153', nodePort: null },
  ],
});
const v6 = service({
  namespace: 'web',
  name: 'dual',
  type: 'ClusterIP',
  clusterIPs: ['10.43.1.1', 'fd00:43::12'],
  loadBalancerIPs: [],
  ports: [{ name: 'web', protocol: 'TCP', port: 8080, targetPort: 'http', nodePort: null }],
});

function matches(filter: string): string[] {
  const parsed = parseServiceFilter(filter);
  expect(parsed.errors).toEqual([]);
  return [nginx, dns, v6].filter((s) => matchService(s, parsed.terms)).map((s) => `${s.namespace}/${s.name}`);
}

describe('service filter', () => {
  it('matches everything when empty', () => {
    expect(matches('')).toHaveLength(3);
  });

  it('matches plain text against name, namespace, type and addresses', () => {
    expect(matches('nginx')).toEqual(['default/nginx']);
    expect(matches('KUBE')).toEqual(['kube-system/kube-dns']);
    expect(matches('192.168.28')).toEqual(['default/nginx']);
    expect(matches('fd00:43::12')).toEqual(['web/dual']);
  });

  it('understands the keyed terms', () => {
    expect(matches('ns:kube-*')).toEqual(['kube-system/kube-dns']);
    expect(matches('type:lo')).toEqual(['default/nginx']);
    expect(matches('type:clusterip')).toEqual(['kube-system/kube-dns', 'web/dual']);
    expect(matches('ip:10.43.0.0/24')).toEqual(['kube-system/kube-dns']);
    expect(matches('ip:192.168.28.61')).toEqual(['default/nginx']);
    expect(matches('ip:fd00::/8')).toEqual(['web/dual']);
    expect(matches('port:53/udp')).toEqual(['kube-system/kube-dns']);
    expect(matches('port:53/tcp')).toEqual([]);
    expect(matches('port:31552')).toEqual(['default/nginx']);
    expect(matches('port:9000-9999')).toEqual(['kube-system/kube-dns']);
  });

  it('ANDs terms and negates with !', () => {
    expect(matches('type:ClusterIP !ns:web')).toEqual(['kube-system/kube-dns']);
    expect(matches('!nginx !dns')).toEqual(['web/dual']);
    expect(matches('"kube-system/kube-dns"')).toEqual(['kube-system/kube-dns']);
  });

  it('reports invalid terms with their span', () => {
    const cases: [string, RegExp][] = [
      ['foo:bar', /unknown field "foo:"/],
      ['type:x', /type: expects/],
      ['type:', /needs a value/],
      ['ip:10.1.2', /not an IP address/],
      ['ip:10.0.0.0/33', /not an IP address/],
      ['port:0', /1 to 65535/],
      ['port:90-80', /reversed/],
      ['port:80/icmp', /unknown protocol/],
      ['port:http', /port: expects/],
      ['!', /needs a term/],
      ['"open', /unterminated quote/],
      ['ns:a_b', /not a namespace/],
    ];
    for (const [text, message] of cases) {
      const { errors } = parseServiceFilter(text);
      expect(errors, text).toHaveLength(1);
      expect(errors[0].message).toMatch(message);
    }
    const { errors } = parseServiceFilter('nginx  port:x');
    expect(errors[0]).toMatchObject({ start: 7, end: 13 });
  });
});
