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

import type { KubeEndpointSlice, KubeService } from './model';
import { sha256 } from './sha256';

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

/** The first `length` base32 characters of sha256(text): only the digest bytes they need are encoded. */
function hash(text: string, length: number): string {
  return base32Encode(sha256(text).subarray(0, Math.ceil((length * 5) / 8))).slice(0, length);
}

/** ServicePortName.String(): `ns/name`, or `ns/name:portName` when the port is named. */
export function servicePortName(namespace: string, name: string, portName: string | null): string {
  return portName ? `${namespace}/${name}:${portName}` : `${namespace}/${name}`;
}

/** Go's net.JoinHostPort(ip, port): `ip:port`, or `[ip]:port` for IPv6. */
export function endpointString(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
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
  return 'KUBE-SEP-' + hash(servicePortName + protocol.toLowerCase() + endpoint, 16);
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

/**
 * Every chain name kube-proxy can generate for these Services and their endpoints, in both modes,
 * mapped to what it stands for. ExternalName and headless Services get no chains (kube-proxy
 * skips them). Endpoints use their first address, as kube-proxy does; slice ports pair with
 * service ports by name and protocol.
 */
export function buildKubeProxyChainIndex(
  services: KubeService[],
  slices: KubeEndpointSlice[],
): Map<string, KubeProxyChainRef> {
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
      const base = { serviceKey, portName: port.name, protocol };
      const serviceHash = portProtoHash(spn, protocol);
      for (const [prefix, kind] of IPTABLES_SERVICE_PREFIXES) {
        add(prefix + serviceHash, { ...base, mode: 'iptables', kind, endpoint: null });
      }
      const nftBase = nftServicePortChainNameBase(service.namespace, service.name, protocol, port.name);
      for (const [prefix, kind] of NFT_SERVICE_PREFIXES) {
        add(prefix + nftBase, { ...base, mode: 'nftables', kind, endpoint: null });
      }

      for (const slice of slicesByService.get(serviceKey) ?? []) {
        for (const slicePort of slice.ports) {
          if ((slicePort.name ?? '') !== (port.name ?? '') || slicePort.protocol !== port.protocol) continue;
          for (const endpoint of slice.endpoints) {
            const ip = endpoint.addresses[0];
            if (ip === undefined) continue;
            const ep = endpointString(ip, slicePort.port);
            add(servicePortEndpointChainName(spn, protocol, ep), {
              ...base,
              mode: 'iptables',
              kind: 'sep',
              endpoint: ep,
            });
            const nftEp = nftEndpointChainNameBase(
              service.namespace,
              service.name,
              protocol,
              port.name,
              ip,
              slicePort.port,
            );
            for (const [prefix, kind] of NFT_ENDPOINT_PREFIXES) {
              add(prefix + nftEp, { ...base, mode: 'nftables', kind, endpoint: ep });
            }
          }
        }
      }
    }
  }
  return index;
}
