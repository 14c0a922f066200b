// kube-proxy's chain names, recomputed. They are hashes of the service port (and endpoint), so
// chains can be tied to Services and endpoints even when rule comments are missing.
//
// iptables mode (pkg/proxy/iptables/proxier.go):
//   portProtoHash(spn, proto)            = base32(sha256(spn + proto))[:16]
//   KUBE-SVC-/KUBE-SVL-/KUBE-EXT-/KUBE-FW- (and the older KUBE-XLB-) + portProtoHash
//   servicePortEndpointChainName         = "KUBE-SEP-" + base32(sha256(spn + proto + "ip:port"))[:16]
// where spn is ServicePortName.String(): "ns/name" or "ns/name:portName", proto lower case.
//
// nftables mode (pkg/proxy/nftables/proxier.go), hashAndTruncate(s) = base32(sha256(s))[:8] + "-" + s:
//   servicePortChainNameBase         = hashAndTruncate("ns/name/proto/portName")
//   servicePortEndpointChainNameBase = hashAndTruncate("ns/name/proto/portName__ip/port")
//   (an IPv6 endpoint IP has its ':' replaced by '.'), prefixed by service-, local-, external-,
//   firewall-, endpoint- (chains) and affinity- (sets).

import type { KubeEndpointSlice, KubeService, SnapshotData } from './model';
import { sha256Words } from './sha256';

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 with the standard alphabet and `=` padding (Go's base32.StdEncoding). */
export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  while (out.length % 8 !== 0) out += '=';
  return out;
}

const BASE32_CODES = Array.from(BASE32_ALPHABET, (c) => c.charCodeAt(0));
/** the character codes of a name being built, its prefix then its hash (reused: a large cluster has ~10^5 names) */
const hashCodes: number[] = [];

/**
 * `prefix + base32Encode(sha256(text)).slice(0, length)`, encoding only the digest bits those
 * characters need (length ≤ 51). One flat string: `+` would make a rope, which V8 copies into a
 * flat string when the name is first compared as a map key, during the trace.
 */
function hash(text: string, length: number, prefix = ''): string {
  const digest = sha256Words(text);
  hashCodes.length = prefix.length + length;
  for (let i = 0; i < prefix.length; i++) hashCodes[i] = prefix.charCodeAt(i);
  let buffer = 0;
  let bits = 0;
  let next = 0;
  for (let i = prefix.length; i < hashCodes.length; i++) {
    if (bits < 5) {
      // the digest's next byte, read from its big-endian words
      buffer = ((buffer << 8) | ((digest[next >>> 2] >>> (24 - ((next & 3) << 3))) & 0xff)) & 0xffff;
      next++;
      bits += 8;
    }
    hashCodes[i] = BASE32_CODES[(buffer >>> (bits - 5)) & 31];
    bits -= 5;
  }
  return String.fromCharCode.apply(null, hashCodes);
}

/** ServicePortName.String(): `ns/name`, or `ns/name:portName` when the port is named. */
export function servicePortName(namespace: string, name: string, portName: string | null): string {
  return portName ? `${namespace}/${name}:${portName}` : `${namespace}/${name}`;
}

/** Go's net.JoinHostPort(ip, port): `ip:port`, or `[ip]:port` for IPv6. */
export function endpointString(ip: string, port: number): string {
  // joined rather than concatenated, for one flat string: endpoints are map keys too (see hash)
  return [ip.includes(':') ? `[${ip}]` : ip, port].join(':');
}

export type IptablesServiceChainPrefix = 'KUBE-SVC-' | 'KUBE-SVL-' | 'KUBE-EXT-' | 'KUBE-FW-' | 'KUBE-XLB-';

/** kube-proxy's portProtoHash: `base32(sha256(servicePortName + protocol))[:16]`, shared by the service's chains. */
function portProtoHash(servicePortName: string, protocol: string): string {
  return hash(servicePortName + protocol.toLowerCase(), 16);
}

/** iptables mode: `prefix + base32(sha256(servicePortName + protocol))[:16]`. */
export function servicePortChainName(
  prefix: IptablesServiceChainPrefix,
  servicePortName: string,
  protocol: string,
): string {
  return prefix + portProtoHash(servicePortName, protocol);
}

/** iptables mode: `KUBE-SEP-` + base32(sha256(servicePortName + protocol + endpoint))[:16]; endpoint is `ip:port`. */
export function servicePortEndpointChainName(servicePortName: string, protocol: string, endpoint: string): string {
  return hash(servicePortName + protocol.toLowerCase() + endpoint, 16, 'KUBE-SEP-');
}

/** knftables.NameLengthMax (256) minus kube-proxy's longest chain prefix allowance (16). */
const NFT_CHAIN_NAME_BASE_MAX = 240;

function hashAndTruncate(name: string): string {
  const full = `${hash(name, 8)}-${name}`;
  return full.length > NFT_CHAIN_NAME_BASE_MAX ? full.slice(0, NFT_CHAIN_NAME_BASE_MAX - 3) + '...' : full;
}

/** nftables mode: e.g. `ULMVA6XW-ns1/svc1/tcp/p80` (prefix with `service-`, `external-`, …). */
export function nftServicePortChainNameBase(
  namespace: string,
  name: string,
  protocol: string,
  portName: string | null,
): string {
  return hashAndTruncate(`${namespace}/${name}/${protocol.toLowerCase()}/${portName ?? ''}`);
}

/** nftables mode: e.g. `5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80` (prefix with `endpoint-` or `affinity-`). */
export function nftEndpointChainNameBase(
  namespace: string,
  name: string,
  protocol: string,
  portName: string | null,
  endpointIp: string,
  endpointPort: number,
): string {
  const ip = endpointIp.replaceAll(':', '.');
  return hashAndTruncate(
    `${namespace}/${name}/${protocol.toLowerCase()}/${portName ?? ''}__${ip}/${endpointPort}`,
  );
}

/** What a kube-proxy chain (or, for `affinity`, nftables set) implements. */
export type KubeProxyChainKind = 'svc' | 'svl' | 'ext' | 'fw' | 'xlb' | 'sep' | 'affinity';

export interface KubeProxyChainRef {
  mode: 'iptables' | 'nftables';
  kind: KubeProxyChainKind;
  /** `ns/name` */
  serviceKey: string;
  portName: string | null;
  protocol: 'tcp' | 'udp' | 'sctp';
  /** `ip:port` (`[ip]:port` for IPv6) for endpoint chains, else null */
  endpoint: string | null;
}

const IPTABLES_SERVICE_PREFIXES: [IptablesServiceChainPrefix, KubeProxyChainKind][] = [
  ['KUBE-SVC-', 'svc'],
  ['KUBE-SVL-', 'svl'],
  ['KUBE-EXT-', 'ext'],
  ['KUBE-FW-', 'fw'],
  ['KUBE-XLB-', 'xlb'],
];

const NFT_SERVICE_PREFIXES: [string, KubeProxyChainKind][] = [
  ['service-', 'svc'],
  ['local-', 'svl'],
  ['external-', 'ext'],
  ['firewall-', 'fw'],
];

const NFT_ENDPOINT_PREFIXES: [string, KubeProxyChainKind][] = [
  ['endpoint-', 'sep'],
  ['affinity-', 'affinity'],
];

const IPTABLES_PREFIXES = ['KUBE-SEP-', ...IPTABLES_SERVICE_PREFIXES.map(([prefix]) => prefix)];
const NFT_PREFIXES = [...NFT_SERVICE_PREFIXES, ...NFT_ENDPOINT_PREFIXES].map(([prefix]) => prefix);

/** The mode whose names `chain` has the shape of (only those can be in that mode's index), or null. */
export function kubeProxyChainMode(chain: string): KubeProxyChainRef['mode'] | null {
  if (IPTABLES_PREFIXES.some((prefix) => chain.startsWith(prefix))) return 'iptables';
  if (NFT_PREFIXES.some((prefix) => chain.startsWith(prefix))) return 'nftables';
  return null;
}

const indexesByMode = new WeakMap<SnapshotData, Map<KubeProxyChainRef['mode'], Map<string, KubeProxyChainRef>>>();

/**
 * buildKubeProxyChainIndex of a snapshot's Services in one mode, built once per snapshot
 * (snapshots are treated as immutable): the trace context and the diff share it.
 */
export function kubeProxyChainIndexOf(snapshot: SnapshotData, mode: KubeProxyChainRef['mode']): Map<string, KubeProxyChainRef> {
  let byMode = indexesByMode.get(snapshot);
  if (!byMode) indexesByMode.set(snapshot, (byMode = new Map()));
  let index = byMode.get(mode);
  if (!index) byMode.set(mode, (index = buildKubeProxyChainIndex(snapshot.cluster.services, snapshot.cluster.endpointSlices, mode)));
  return index;
}

/**
 * Every chain name kube-proxy can generate for these Services and their endpoints, in both modes
 * (or in `mode` only), mapped to what it stands for. ExternalName and headless Services get no
 * chains (kube-proxy skips them). Endpoints use their first address, as kube-proxy does; slice
 * ports pair with service ports by name and protocol.
 */
export function buildKubeProxyChainIndex(
  services: KubeService[],
  slices: KubeEndpointSlice[],
  mode?: KubeProxyChainRef['mode'],
): Map<string, KubeProxyChainRef> {
  const iptables = mode !== 'nftables';
  const nftables = mode !== 'iptables';
  const index = new Map<string, KubeProxyChainRef>();
  const add = (chain: string, ref: KubeProxyChainRef) => {
    if (!index.has(chain)) index.set(chain, ref);
  };
  const slicesByService = new Map<string, KubeEndpointSlice[]>();
  for (const slice of slices) {
    if (slice.serviceName === null) continue;
    const key = `${slice.namespace}/${slice.serviceName}`;
    const list = slicesByService.get(key);
    if (list) list.push(slice);
    else slicesByService.set(key, [slice]);
  }

  for (const service of services) {
    if (service.type === 'ExternalName' || service.clusterIPs.includes('None')) continue;
    const serviceKey = `${service.namespace}/${service.name}`;
    for (const port of service.ports) {
      const protocol = port.protocol.toLowerCase() as KubeProxyChainRef['protocol'];
      const spn = servicePortName(service.namespace, service.name, port.name);
      const ref = (refMode: KubeProxyChainRef['mode'], kind: KubeProxyChainKind, endpoint: string | null): KubeProxyChainRef => ({
        serviceKey,
        portName: port.name,
        protocol,
        mode: refMode,
        kind,
        endpoint,
      });
      if (iptables) {
        const serviceHash = portProtoHash(spn, protocol);
        for (const [prefix, kind] of IPTABLES_SERVICE_PREFIXES) add(prefix + serviceHash, ref('iptables', kind, null));
      }
      if (nftables) {
        const nftBase = nftServicePortChainNameBase(service.namespace, service.name, protocol, port.name);
        for (const [prefix, kind] of NFT_SERVICE_PREFIXES) add(prefix + nftBase, ref('nftables', kind, null));
      }

      for (const slice of slicesByService.get(serviceKey) ?? []) {
        for (const slicePort of slice.ports) {
          if ((slicePort.name ?? '') !== (port.name ?? '') || slicePort.protocol !== port.protocol) continue;
          for (const endpoint of slice.endpoints) {
            const ip = endpoint.addresses[0];
            if (ip === undefined) continue;
            const ep = endpointString(ip, slicePort.port);
            if (iptables) add(servicePortEndpointChainName(spn, protocol, ep), ref('iptables', 'sep', ep));
            if (nftables) {
              const nftEp = nftEndpointChainNameBase(service.namespace, service.name, protocol, port.name, ip, slicePort.port);
              for (const [prefix, kind] of NFT_ENDPOINT_PREFIXES) add(prefix + nftEp, ref('nftables', kind, ep));
            }
          }
        }
      }
    }
  }
  return index;
}
