import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  base32Encode,
  buildKubeProxyChainIndex,
  endpointString,
  nftEndpointChainNameBase,
  nftServicePortChainNameBase,
  servicePortChainName,
  servicePortEndpointChainName,
  servicePortName,
} from '../../../renderer/src/analysis/kubeproxy-names';
import type { KubeEndpointSlice, KubeService } from '../../../renderer/src/analysis/model';
import { sha256, sha256Words, utf8Encode } from '../../../renderer/src/analysis/sha256';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('sha256', () => {
  it.each([
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    // 56 bytes: the length no longer fits in the first block
    ['abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'],
    // 112 bytes: two full blocks of message
    [
      'abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu',
      'cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1',
    ],
  ])('FIPS 180-2 vector %#', (input, digest) => {
    expect(hex(sha256(input))).toBe(digest);
  });

  it('hashes a million bytes', () => {
    expect(hex(sha256(new Uint8Array(1_000_000).fill(0x61)))).toBe(
      'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0',
    );
  });

  it('agrees with node:crypto on every length around the block boundaries', () => {
    for (let n = 0; n <= 200; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 0xff);
      expect(hex(sha256(bytes)), `length ${n}`).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
  });

  it('agrees with node:crypto on ASCII strings (packed without a byte buffer) of every length around the boundaries', () => {
    for (let n = 0; n <= 200; n++) {
      const text = Array.from({ length: n }, (_, i) => String.fromCharCode(32 + ((i * 7 + n) % 95))).join('');
      expect(hex(sha256(text)), `length ${n}`).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
    }
  });

  it('falls back to UTF-8 bytes when a non-ASCII character comes late, and reused buffers leak nothing', () => {
    const short = 'ns/svc:httptcp10.0.0.1:80';
    const first = hex(sha256(short));
    for (const text of ['x'.repeat(54) + 'é', 'x'.repeat(55) + '€', 'x'.repeat(63) + '😀', 'ns/naïve:p80tcp', 'a\udc00'.repeat(40)]) {
      expect(hex(sha256(text)), text).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
    }
    sha256('k'.repeat(300));
    expect(hex(sha256(short))).toBe(first);
    expect(first).toBe(createHash('sha256').update(short).digest('hex'));
  });

  it('gives the same digest as big-endian words', () => {
    for (const input of ['', 'abc', 'x'.repeat(55), 'x'.repeat(56), 'é'.repeat(40), new Uint8Array(64).fill(7)]) {
      const words = Array.from(sha256Words(input), (w) => (w >>> 0).toString(16).padStart(8, '0')).join('');
      expect(words).toBe(hex(sha256(input)));
    }
  });

  it('encodes strings as UTF-8', () => {
    const text = 'héllo ✓ 😀 \ud800';
    expect(Buffer.from(utf8Encode(text))).toEqual(Buffer.from(text, 'utf8'));
    expect(hex(sha256(text))).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
  });
});

describe('base32Encode (RFC 4648 section 10)', () => {
  it.each([
    ['', ''],
    ['f', 'MY======'],
    ['fo', 'MZXQ===='],
    ['foo', 'MZXW6==='],
    ['foob', 'MZXW6YQ='],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI======'],
  ])('%j → %j', (input, encoded) => {
    expect(base32Encode(utf8Encode(input))).toBe(encoded);
  });

  it('encodes a SHA-256 digest to 56 characters with padding', () => {
    expect(base32Encode(sha256('x'))).toMatch(/^[A-Z2-7]{52}====$/);
  });
});

describe('iptables-mode chain names', () => {
  const nginx = servicePortName('default', 'nginx', null);

  it('reproduces the article', () => {
    expect(nginx).toBe('default/nginx');
    expect(servicePortChainName('KUBE-SVC-', nginx, 'tcp')).toBe('KUBE-SVC-2CMXP7HKUVJN7L6M');
    expect(servicePortChainName('KUBE-EXT-', nginx, 'TCP')).toBe('KUBE-EXT-2CMXP7HKUVJN7L6M');
    expect(servicePortEndpointChainName(nginx, 'tcp', '10.42.0.204:80')).toBe('KUBE-SEP-T3JGICIP4GFFPRGP');
    expect(servicePortEndpointChainName(nginx, 'tcp', '10.42.2.228:80')).toBe('KUBE-SEP-UPTBB2U3B55FJQPW');
    expect(servicePortEndpointChainName(nginx, 'tcp', '10.42.4.11:80')).toBe('KUBE-SEP-4NAVMHD34SAGR7OJ');
  });

  it('reproduces the well-known kube-dns and kubernetes chains (named ports)', () => {
    expect(servicePortChainName('KUBE-SVC-', servicePortName('default', 'kubernetes', 'https'), 'tcp')).toBe(
      'KUBE-SVC-NPX46M4PTMTKRN6Y',
    );
    expect(servicePortChainName('KUBE-SVC-', 'kube-system/kube-dns:dns', 'udp')).toBe('KUBE-SVC-TCOU7JCQXEZGVUNU');
    expect(servicePortChainName('KUBE-SVC-', 'kube-system/kube-dns:dns-tcp', 'tcp')).toBe('KUBE-SVC-ERIFXISQEP7F7OF4');
    expect(servicePortChainName('KUBE-SVC-', 'kube-system/kube-dns:metrics', 'tcp')).toBe('KUBE-SVC-JD5MR3NA4I4DYORP');
  });

  it('shares the service hash across KUBE-SVC/SVL/EXT/FW/XLB', () => {
    const names = (['KUBE-SVC-', 'KUBE-SVL-', 'KUBE-EXT-', 'KUBE-FW-', 'KUBE-XLB-'] as const).map((p) =>
      servicePortChainName(p, nginx, 'tcp'),
    );
    expect(names.map((n) => n.slice(-16))).toEqual(Array(5).fill('2CMXP7HKUVJN7L6M'));
  });

  it('joins endpoints as Go net.JoinHostPort does', () => {
    expect(endpointString('10.42.0.204', 80)).toBe('10.42.0.204:80');
    expect(endpointString('fd00:10:244::5', 8080)).toBe('[fd00:10:244::5]:8080');
  });
});

describe('nftables-mode chain names', () => {
  it('reproduces the examples in pkg/proxy/nftables/proxier.go', () => {
    expect(nftServicePortChainNameBase('ns1', 'svc1', 'tcp', 'p80')).toBe('ULMVA6XW-ns1/svc1/tcp/p80');
    expect(nftEndpointChainNameBase('ns1', 'svc1', 'TCP', 'p80', '10.180.0.1', 80)).toBe(
      '5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80',
    );
  });

  it('hashes the text it prints, with an empty port name and IPv6 colons as dots', () => {
    const base = nftServicePortChainNameBase('default', 'nginx', 'tcp', null);
    expect(base).toBe(`${base32Encode(sha256('default/nginx/tcp/')).slice(0, 8)}-default/nginx/tcp/`);
    const ep = nftEndpointChainNameBase('ns', 'svc', 'udp', 'dns', 'fd00::5', 53);
    expect(ep).toMatch(/^[A-Z2-7]{8}-ns\/svc\/udp\/dns__fd00\.\.5\/53$/);
  });

  it('truncates over-long names to 240 characters', () => {
    const long = 'a'.repeat(63);
    const name = nftEndpointChainNameBase(long, long, 'sctp', long, 'fd00:1111:2222:3333:4444:5555:6666:7777', 65535);
    expect(name).toHaveLength(240);
    expect(name.endsWith('...')).toBe(true);
  });
});

describe('buildKubeProxyChainIndex', () => {
  const src = { file: 'x', line: 0 };
  const service = (over: Partial<KubeService>): KubeService => ({
    namespace: 'default',
    name: 'nginx',
    uid: null,
    type: 'LoadBalancer',
    clusterIPs: ['10.43.80.28'],
    externalIPs: [],
    loadBalancerIPs: ['192.168.28.61'],
    loadBalancerSourceRanges: [],
    ports: [{ name: null, protocol: 'TCP', port: 80, targetPort: 80, nodePort: 31236 }],
    selector: { app: 'nginx' },
    externalTrafficPolicy: 'Cluster',
    internalTrafficPolicy: 'Cluster',
    sessionAffinity: 'None',
    sessionAffinityTimeout: null,
    healthCheckNodePort: null,
    externalName: null,
    annotations: {},
    source: src,
    ...over,
  });
  const slice: KubeEndpointSlice = {
    namespace: 'default',
    name: 'nginx-abcde',
    serviceName: 'nginx',
    addressType: 'IPv4',
    ports: [
      { name: null, protocol: 'TCP', port: 80 },
      { name: 'other', protocol: 'TCP', port: 81 },
    ],
    endpoints: ['10.42.0.204', '10.42.2.228', '10.42.4.11'].map((ip) => ({
      addresses: [ip],
      ready: true,
      serving: true,
      terminating: false,
      nodeName: null,
      podNamespace: null,
      podName: null,
      zone: null,
    })),
    legacy: false,
    source: src,
  };

  it('maps both modes’ chain names back to the service port and endpoint', () => {
    const index = buildKubeProxyChainIndex([service({})], [slice]);
    const ref = { serviceKey: 'default/nginx', portName: null, protocol: 'tcp' };
    expect(index.get('KUBE-SVC-2CMXP7HKUVJN7L6M')).toEqual({ ...ref, mode: 'iptables', kind: 'svc', endpoint: null });
    expect(index.get('KUBE-EXT-2CMXP7HKUVJN7L6M')).toMatchObject({ kind: 'ext' });
    expect(index.get('KUBE-FW-2CMXP7HKUVJN7L6M')).toMatchObject({ kind: 'fw' });
    expect(index.get('KUBE-SVL-2CMXP7HKUVJN7L6M')).toMatchObject({ kind: 'svl' });
    expect(index.get('KUBE-SEP-UPTBB2U3B55FJQPW')).toEqual({ ...ref, mode: 'iptables', kind: 'sep', endpoint: '10.42.2.228:80' });
    const base = nftServicePortChainNameBase('default', 'nginx', 'tcp', null);
    expect(index.get(`service-${base}`)).toEqual({ ...ref, mode: 'nftables', kind: 'svc', endpoint: null });
    expect(index.get(`external-${base}`)).toMatchObject({ kind: 'ext' });
    const ep = nftEndpointChainNameBase('default', 'nginx', 'tcp', null, '10.42.4.11', 80);
    expect(index.get(`endpoint-${ep}`)).toEqual({ ...ref, mode: 'nftables', kind: 'sep', endpoint: '10.42.4.11:80' });
    expect(index.get(`affinity-${ep}`)).toMatchObject({ kind: 'affinity' });
    // the slice's port 81 is named "other": no service port of that name, so no chain
    expect([...index.values()].some((r) => r.endpoint?.endsWith(':81'))).toBe(false);
    expect(index.size).toBe(5 + 4 + 3 + 3 * 2);
  });

  it('gives ExternalName and headless services no chains', () => {
    const index = buildKubeProxyChainIndex(
      [service({ type: 'ExternalName', clusterIPs: [] }), service({ name: 'headless', clusterIPs: ['None'] })],
      [slice],
    );
    expect(index.size).toBe(0);
  });
});
