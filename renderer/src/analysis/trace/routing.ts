// The kernel's IPv4/IPv6 route lookup on one node: ip rules by priority (from, to, fwmark, iif,
// oif, not), then longest prefix match in the selected table with route types local, blackhole,
// unreachable, prohibit and throw, lowest metric first, multipath routes as an equal split.

import type { IpRule, NetAddress, NetInterface, NodeData, Route, SourceRef } from '../model';
import { cidrContains, formatIp, maskAddr, maskV4, parseCidr, parseIp, type Cidr, type IpAddr } from './ip';

const TABLE_ALIASES: Readonly<Record<string, string>> = { '253': 'default', '254': 'main', '255': 'local' };

export function tableName(table: string): string {
  return TABLE_ALIASES[table] ?? table;
}

interface IndexedRoute {
  route: Route;
  cidr: Cidr;
}

/** One table: routes by prefix length (longest first), then by masked network (see networkKey). */
interface TableIndex {
  byLength: { len: number; byNetwork: Map<NetworkKey, IndexedRoute[]> }[];
}

/** An IPv4 network as its number (no string to build on the hot path), an IPv6 one as text: the two never collide. */
type NetworkKey = number | string;

interface ParsedRule {
  rule: IpRule;
  src: Cidr | null;
  dst: Cidr | null;
  mark: { value: number; mask: number } | null;
}

export interface NodeNet {
  node: NodeData;
  interfaces: Map<string, NetInterface>;
  /** addresses by interface name */
  addresses: Map<string, NetAddress[]>;
  /** every address on the node, canonical, with its interface */
  localAddresses: Map<string, NetAddress>;
  tables: Map<string, TableIndex>;
  rules: ParsedRule[];
  rulesDefaulted: boolean;
  /** neighbour entries by `dev|ip` */
  neighbours: Map<string, NodeData['neighbours'][number]>;
  /** fdb entries by `dev|mac` */
  fdb: Map<string, NodeData['fdb'][number]>;
}

function networkKey(addr: IpAddr): NetworkKey {
  return addr.v6 ? addr.n.toString(16) : addr.n;
}

/** The key of the network of `len` bits holding `addr`. */
function maskedKey(addr: IpAddr, len: number): NetworkKey {
  return addr.v6 ? networkKey(maskAddr(addr, len)) : maskV4(addr.n, len);
}

function parseMark(text: string): { value: number; mask: number } | null {
  const [v, m] = text.split('/');
  const value = Number(v);
  const mask = m === undefined ? 0xffffffff : Number(m);
  return Number.isFinite(value) && Number.isFinite(mask) ? { value, mask } : null;
}

function defaultRule(priority: number, table: string): IpRule {
  return {
    family: 'inet',
    priority,
    src: null,
    dst: null,
    fwmark: null,
    iif: null,
    oif: null,
    table,
    action: 'lookup',
    not: false,
    source: { file: '(kernel default rules)', line: 0 },
  };
}

function addRoute(tables: Map<string, TableIndex>, route: Route, cidr: Cidr): void {
  const name = tableName(route.table);
  let t = tables.get(name);
  if (!t) {
    t = { byLength: [] };
    tables.set(name, t);
  }
  let byNet = t.byLength.find((l) => l.len === cidr.len)?.byNetwork;
  if (!byNet) {
    byNet = new Map();
    t.byLength.push({ len: cidr.len, byNetwork: byNet });
    t.byLength.sort((a, b) => b.len - a.len);
  }
  const key = networkKey(cidr.addr);
  const list = byNet.get(key);
  if (list) list.push({ route, cidr });
  else byNet.set(key, [{ route, cidr }]);
}

export function buildNodeNet(node: NodeData): NodeNet {
  const interfaces = new Map(node.interfaces.map((i) => [i.name, i]));
  const addresses = new Map<string, NetAddress[]>();
  const localAddresses = new Map<string, NetAddress>();
  for (const a of node.addresses) {
    addresses.set(a.ifname, [...(addresses.get(a.ifname) ?? []), a]);
    const ip = parseIp(a.address);
    if (ip) localAddresses.set(formatIp(ip), a);
  }
  const tables = new Map<string, TableIndex>();
  for (const route of node.routes) {
    const cidr = parseCidr(route.dst, route.family === 'inet6');
    if (cidr) addRoute(tables, route, cidr);
  }
  if (!tables.has('local')) {
    // `ip route show table all` was not captured: the kernel's local table follows the addresses.
    for (const a of node.addresses) {
      const ip = parseIp(a.address);
      if (!ip) continue;
      const route: Route = {
        family: a.family,
        table: 'local',
        type: 'local',
        dst: `${formatIp(ip)}/${ip.v6 ? 128 : 32}`,
        gateway: null,
        dev: a.ifname,
        protocol: 'kernel',
        scope: 'host',
        prefsrc: formatIp(ip),
        metric: null,
        flags: [],
        source: a.source,
      };
      addRoute(tables, route, { addr: ip, len: ip.v6 ? 128 : 32 });
    }
  }
  const rulesDefaulted = node.ipRules.length === 0;
  const rawRules = rulesDefaulted
    ? [defaultRule(0, 'local'), defaultRule(32766, 'main'), defaultRule(32767, 'default')]
    : [...node.ipRules].sort((a, b) => a.priority - b.priority);
  const rules = rawRules.map((rule) => ({
    rule,
    src: rule.src && rule.src !== 'all' ? parseCidr(rule.src) : null,
    dst: rule.dst && rule.dst !== 'all' ? parseCidr(rule.dst) : null,
    mark: rule.fwmark ? parseMark(rule.fwmark) : null,
  }));
  const neighbours = new Map(node.neighbours.map((n) => [`${n.dev}|${canonicalOr(n.dst)}`, n]));
  const fdb = new Map(node.fdb.map((f) => [`${f.dev}|${f.mac.toLowerCase()}`, f]));
  return { node, interfaces, addresses, localAddresses, tables, rules, rulesDefaulted, neighbours, fdb };
}

function canonicalOr(text: string): string {
  const ip = parseIp(text);
  return ip ? formatIp(ip) : text;
}

export function isLocalAddress(net: NodeNet, ip: string): boolean {
  const addr = parseIp(ip);
  if (!addr) return false;
  if (net.localAddresses.has(formatIp(addr))) return true;
  const local = net.tables.get('local');
  return !!local && lookupTable(local, addr).some((r) => r.route.type === 'local');
}

const NO_ROUTES: readonly IndexedRoute[] = [];

/** The longest-prefix routes of a table for an address (of its family: keys tell the families apart). */
function lookupTable(table: TableIndex, addr: IpAddr): readonly IndexedRoute[] {
  for (const { len, byNetwork } of table.byLength) {
    if (len > (addr.v6 ? 128 : 32)) continue;
    const hits = byNetwork.get(maskedKey(addr, len));
    if (hits) return hits;
  }
  return NO_ROUTES;
}

export interface RouteQuery {
  src: string | null;
  dst: string;
  mark: number;
  /** incoming interface; `lo` for locally generated packets */
  iif: string;
}

export type RouteResult =
  | {
      kind: 'route';
      routes: Route[];
      rule: IpRule;
      rulesDefaulted: boolean;
    }
  | { kind: 'rule-action'; rule: IpRule }
  | { kind: 'none'; rulesTried: IpRule[] };

function ruleMatches(r: ParsedRule, q: RouteQuery, dst: IpAddr, src: IpAddr | null): boolean {
  let ok = true;
  if (r.src) ok &&= src !== null && cidrContains(r.src, src);
  if (r.dst) ok &&= cidrContains(r.dst, dst);
  if (r.mark) ok &&= ((q.mark & r.mark.mask) >>> 0) === ((r.mark.value & r.mark.mask) >>> 0);
  if (r.rule.iif) ok &&= r.rule.iif === q.iif;
  if (r.rule.oif) ok &&= false;
  return r.rule.not ? !ok : ok;
}

/**
 * The routing decision. `routes` holds the best routes of the winning table: one, or several for
 * a multipath route (the caller splits among them). `throw` routes and empty tables fall through
 * to the next rule, as in the kernel.
 */
export function lookupRoute(net: NodeNet, q: RouteQuery): RouteResult {
  const dst = parseIp(q.dst);
  const src = q.src === null ? null : parseIp(q.src);
  const tried: IpRule[] = [];
  if (!dst) return { kind: 'none', rulesTried: tried };
  for (const r of net.rules) {
    if (r.rule.family !== (dst.v6 ? 'inet6' : 'inet')) continue;
    if (!ruleMatches(r, q, dst, src)) continue;
    tried.push(r.rule);
    if (r.rule.action !== 'lookup' || r.rule.table === null) {
      if (r.rule.action === 'nop' || r.rule.action === 'goto') continue;
      return { kind: 'rule-action', rule: r.rule };
    }
    const table = net.tables.get(tableName(r.rule.table));
    if (!table) continue;
    const hits = lookupTable(table, dst);
    if (hits.length === 0) continue;
    const routes = lowestMetric(hits);
    if (routes[0].type === 'throw') continue;
    return {
      kind: 'route',
      routes: routes.length === 1 ? routes : multipathOrFirst(routes),
      rule: r.rule,
      rulesDefaulted: net.rulesDefaulted,
    };
  }
  return { kind: 'none', rulesTried: tried };
}

/** The routes of the lowest metric, in table order. */
function lowestMetric(hits: readonly IndexedRoute[]): Route[] {
  if (hits.length === 1) return [hits[0].route];
  let best = Infinity;
  for (const h of hits) best = Math.min(best, h.route.metric ?? 0);
  return hits.filter((h) => (h.route.metric ?? 0) === best).map((h) => h.route);
}

/** Several routes of one metric: the kernel splits over a multipath route's next hops, else uses the first. */
function multipathOrFirst(routes: Route[]): Route[] {
  const multipath = routes.filter((rt) => rt.flags.includes('multipath'));
  return multipath.length > 1 ? multipath : [routes[0]];
}

/** The route as `ip route` prints it. */
export function routeLine(route: Route): string {
  const parts: string[] = [];
  if (route.type !== 'unicast') parts.push(route.type);
  parts.push(route.dst.endsWith('/32') && route.type !== 'unicast' ? route.dst.slice(0, -3) : route.dst);
  if (route.gateway) parts.push('via', route.gateway);
  if (route.dev) parts.push('dev', route.dev);
  if (route.table !== 'main') parts.push('table', route.table);
  if (route.protocol) parts.push('proto', route.protocol);
  if (route.scope && route.scope !== 'global') parts.push('scope', route.scope);
  if (route.prefsrc) parts.push('src', route.prefsrc);
  if (route.metric !== null) parts.push('metric', String(route.metric));
  for (const f of route.flags) if (f !== 'multipath') parts.push(f);
  return parts.join(' ');
}

export function ruleLine(rule: IpRule): string {
  const parts = [`${rule.priority}:`];
  if (rule.not) parts.push('not');
  parts.push('from', rule.src ?? 'all');
  if (rule.dst) parts.push('to', rule.dst);
  if (rule.fwmark) parts.push('fwmark', rule.fwmark);
  if (rule.iif) parts.push('iif', rule.iif);
  if (rule.oif) parts.push('oif', rule.oif);
  parts.push(rule.table !== null ? `lookup ${rule.table}` : rule.action);
  return parts.join(' ');
}

/** interfaceAddress's answers by node, interface and next hop */
const sourceAddresses = new WeakMap<NodeNet, Map<string, Map<string | null, NetAddress | null>>>();

/**
 * The source address the kernel picks on an interface (masquerade, locally generated packets):
 * the primary address in the same subnet as the next hop, else the first global one.
 */
export function interfaceAddress(net: NodeNet, ifname: string, nextHop: string | null): NetAddress | null {
  let byIface = sourceAddresses.get(net);
  if (!byIface) {
    byIface = new Map();
    sourceAddresses.set(net, byIface);
  }
  let byNextHop = byIface.get(ifname);
  if (!byNextHop) {
    byNextHop = new Map();
    byIface.set(ifname, byNextHop);
  }
  let address = byNextHop.get(nextHop);
  if (address === undefined) {
    address = pickInterfaceAddress(net, ifname, nextHop);
    byNextHop.set(nextHop, address);
  }
  return address;
}

function pickInterfaceAddress(net: NodeNet, ifname: string, nextHop: string | null): NetAddress | null {
  const inet = (net.addresses.get(ifname) ?? []).filter((a) => a.family === 'inet');
  const global = inet.filter((a) => a.scope !== 'host');
  const list = global.length > 0 ? global : inet;
  const hop = nextHop === null ? null : parseIp(nextHop);
  if (hop) {
    for (const a of list) {
      const c = parseCidr(`${a.address}/${a.prefixLen}`);
      if (c && cidrContains(c, hop)) return a;
    }
  }
  return list[0] ?? null;
}

export function routeEvidence(route: Route, rule: IpRule, rulesDefaulted: boolean): SourceRef[] {
  return rulesDefaulted ? [route.source] : [rule.source, route.source];
}
