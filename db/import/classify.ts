// Which bundle file is which: bundle format v1 fixes the paths (DESIGN.md). A loose file (a
// pasted `nft list ruleset`, say) has no path to go by, so its content is sniffed instead.

export type FileKind =
  | 'manifest'
  | 'services'
  | 'endpointslices'
  | 'endpoints'
  | 'pods'
  | 'nodes'
  | 'events'
  | 'nft-text'
  | 'nft-json'
  | 'iptables-save'
  | 'ipvsadm'
  | 'ip-link-json'
  | 'ip-link-text'
  | 'ip-addr-json'
  | 'ip-addr-text'
  | 'ip-route-json'
  | 'ip-route-text'
  | 'ip-rule-json'
  | 'ip-rule-text'
  | 'ip-neigh-json'
  | 'ip-neigh-text'
  | 'bridge-fdb-json'
  | 'bridge-fdb-text'
  | 'netns'
  | 'crictl-pods'
  | 'crictl-inspectp'
  | 'sysctl'
  | 'other';

export interface ClassifiedFile {
  kind: FileKind;
  /** the node directory the file belongs to, for nodes/<node>/… */
  node: string | null;
  /** the pod network namespace, for nodes/<node>/netns/<ns>/… */
  netns: string | null;
}

const CLUSTER_FILES: Record<string, FileKind> = {
  'services.json': 'services',
  'endpointslices.json': 'endpointslices',
  'endpoints.json': 'endpoints',
  'pods.json': 'pods',
  'nodes.json': 'nodes',
  'events.json': 'events',
};

const NODE_FILES: Record<string, FileKind> = {
  'nft-ruleset.txt': 'nft-text',
  'nft-ruleset.json': 'nft-json',
  'iptables-save.txt': 'iptables-save',
  'ipvsadm.txt': 'ipvsadm',
  'ip-link.json': 'ip-link-json',
  'ip-link.txt': 'ip-link-text',
  'ip-addr.json': 'ip-addr-json',
  'ip-addr.txt': 'ip-addr-text',
  'ip-route.json': 'ip-route-json',
  'ip-route.txt': 'ip-route-text',
  'ip-rule.json': 'ip-rule-json',
  'ip-rule.txt': 'ip-rule-text',
  'ip-neigh.json': 'ip-neigh-json',
  'ip-neigh.txt': 'ip-neigh-text',
  'bridge-fdb.json': 'bridge-fdb-json',
  'bridge-fdb.txt': 'bridge-fdb-text',
  'netns.txt': 'netns',
  'crictl-pods.json': 'crictl-pods',
  'sysctl.txt': 'sysctl',
};

const NETNS_FILES = new Set<FileKind>([
  'ip-link-json',
  'ip-link-text',
  'ip-addr-json',
  'ip-addr-text',
  'ip-route-json',
  'ip-route-text',
]);

export function classifyPath(path: string): ClassifiedFile {
  const parts = path.split('/');
  const other: ClassifiedFile = { kind: 'other', node: null, netns: null };
  if (parts.length === 1 && parts[0] === 'manifest.json') return { kind: 'manifest', node: null, netns: null };
  if (parts.length === 2 && parts[0] === 'cluster') {
    return { kind: CLUSTER_FILES[parts[1]] ?? 'other', node: null, netns: null };
  }
  if (parts[0] !== 'nodes' || parts.length < 3) return other;
  const node = parts[1];
  if (parts.length === 3) return { kind: NODE_FILES[parts[2]] ?? 'other', node, netns: null };
  if (parts.length === 4 && parts[2] === 'crictl-inspectp' && parts[3].endsWith('.json')) {
    return { kind: 'crictl-inspectp', node, netns: null };
  }
  if (parts.length === 5 && parts[2] === 'netns') {
    const kind = NODE_FILES[parts[4]];
    if (kind && NETNS_FILES.has(kind)) return { kind, node, netns: parts[3] };
  }
  return { kind: 'other', node, netns: null };
}

const KUBE_KINDS: Record<string, FileKind> = {
  Service: 'services',
  EndpointSlice: 'endpointslices',
  Endpoints: 'endpoints',
  Pod: 'pods',
  Node: 'nodes',
  Event: 'events',
};

/** Guesses a loose file's kind from its content; 'other' when nothing fits. */
export function sniffContent(text: string): FileKind {
  const head = text.slice(0, 4096).trimStart();
  if (head.startsWith('{') || head.startsWith('[')) return sniffJson(head, text);
  if (/^table\s+(ip|ip6|inet|arp|bridge|netdev)\s+\S+\s*\{/m.test(head)) return 'nft-text';
  if (/^\*(nat|filter|mangle|raw|security)\s*$/m.test(head)) return 'iptables-save';
  if (/^IP Virtual Server version/m.test(head)) return 'ipvsadm';
  if (/^\d+:\s+\S+:\s+<[^>]*>\s+mtu\s/m.test(head)) {
    return /^\s+inet6?\s/m.test(head) ? 'ip-addr-text' : 'ip-link-text';
  }
  if (/^(default|\d+\.\d+\.\d+\.\d+(\/\d+)?|local|broadcast|blackhole|unreachable)\s.*\bdev\s/m.test(head)) return 'ip-route-text';
  if (/^\d+:\s+(not\s+)?from\s/m.test(head)) return 'ip-rule-text';
  if (/^nsid\s+\d+/m.test(head)) return 'netns';
  if (/^net\.[\w.-]+\s*=/m.test(head)) return 'sysctl';
  return 'other';
}

function sniffJson(head: string, text: string): FileKind {
  if (/^\{\s*"nftables"/.test(head)) return 'nft-json';
  const kind = /"kind"\s*:\s*"(\w+)"/.exec(text.slice(0, 65536));
  if (kind) {
    const itemKind = /"kind"\s*:\s*"(Service|EndpointSlice|Endpoints|Pod|Node|Event)"/.exec(text.slice(0, 65536));
    if (itemKind) return KUBE_KINDS[itemKind[1]];
    if (kind[1] in KUBE_KINDS) return KUBE_KINDS[kind[1]];
  }
  if (/^\[\s*\{\s*"ifindex"/.test(head)) return /"addr_info"/.test(head) ? 'ip-addr-json' : 'ip-link-json';
  if (/^\[\s*\{\s*"(dst|type)"/.test(head)) return /"lladdr"|"state"\s*:\s*\[/.test(head) && !/"gateway"|"scope"/.test(head) ? 'ip-neigh-json' : 'ip-route-json';
  if (/^\[\s*\{\s*"priority"/.test(head)) return 'ip-rule-json';
  if (/^\[\s*\{\s*"mac"/.test(head)) return 'bridge-fdb-json';
  if (/"SANDBOX_(READY|NOTREADY)"/.test(head)) return 'crictl-pods';
  return 'other';
}
