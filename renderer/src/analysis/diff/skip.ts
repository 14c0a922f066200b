// Which Services the path section must re-trace. A Service's traced paths (as paths.ts compares
// them: leaves by endpoint and disposition, probabilities, hop keys by meaning) depend only on
//   1. node-level state of the traced nodes: interfaces, addresses, routes, ip rules, neighbours,
//      fdb, sysctls, netns captures, and every netfilter chain, rule and set no Service owns;
//      cluster-level state the engine reads for any packet (cluster nodes, pod CIDRs, hostNetwork
//      and svclb pods, announcements, the veth correlation);
//   2. the Service itself: its spec, its EndpointSlices, the rules of the chains it owns (kube-proxy
//      names, known from the chain index), the dispatch rules and map elements that could send its
//      packets anywhere, and what the engine looks up for the addresses its packets carry (pod,
//      veth, endpoint, announcers).
// Counters are in none of it: rule keys (rule-index.ts) leave them out, and the engine never reads
// them (it copies them onto hops, which paths.ts ignores).
//
// Soundness: a dispatch rule (or verdict-map element) is attributed to the owner of the chain it
// sends traffic to AND to every Service whose packets could match its address/port literals; a
// rule or element that cannot be attributed exactly stays node-level; anything the packets'
// destinations cannot be bounded for (a DNAT outside Service chains, a redirect, a computed NAT, a
// chain reaching another Service's chain without literals) turns skipping off for the whole diff.
// So when every node-level fingerprint is equal, a Service whose fingerprints are equal on both
// sides traces identically and is skipped; otherwise everything is traced.

import type { KubeService, NftRule, NftStatement, NftValue, NftVerdict, SnapshotData } from '../model';
import { endpointFor, traceContext, type Announcer, type TraceContext } from '../trace/context';
import { canonicalIp, parseIp } from '../trace/ip';
import { vethForPod, type VethMatch } from '../veths';
import type { Pairing } from './pairs';
import type { ChainNames, IndexedChain, IndexedRule, NodeRuleIndex } from './rule-index';

export interface PathPlan {
  /** `ns/name` of the Services to trace; null: trace every Service */
  retrace: Set<string> | null;
  /** why everything is traced (null when skipping applied) */
  reason: string | null;
}

export interface PlanSide {
  snapshot: SnapshotData;
  rules: Map<string, NodeRuleIndex>;
  traceNodes: string[];
}

/** `addr|port|proto`; `*` stands for any address (a NodePort) or any protocol (a DNAT target). */
type Tuple = { svc: string; addr: string; port: string; proto: string };

/** What a dispatch rule or map element could match: null fields are unconstrained. */
interface Literals {
  addrs: Set<string> | null;
  ports: Set<string> | null;
  protos: Set<string> | null;
}

interface Attributed {
  /** the Services whose chains it sends traffic to */
  targets: Set<string>;
  literals: Literals;
  /** where it sits and what it is, by meaning */
  text: string;
}

/**
 * A fingerprint as the parts it would be joined from: strings compared as they are, anything else
 * compared as its JSON would be (jsonEqual). Comparing parts one by one instead of joining them
 * into one string avoids copying every rule key of a large ruleset into a new string per side.
 */
type Parts = unknown[];

interface SideFacts {
  ctx: TraceContext;
  /** node-level fingerprint, per traced node (in pair order) */
  nodes: Parts[];
  /** what the owned chains and sets of each Service contain, on every traced node: per chain or set, a header then its rules or elements */
  owned: Map<string, string[]>;
  /** DNAT targets (`ip:port` or `ip`) in each Service's chains */
  dnat: Map<string, Set<string>>;
  attributed: Attributed[];
  /** IP literals in `saddr` matches of node-level rules and in node-level sets */
  nodeLiterals: Set<string>;
  /** IP literals in `saddr` matches of each Service's rules */
  ownedLiterals: Map<string, Set<string>>;
  blocker: string | null;
}

const DISPATCH_SELECTORS: Record<string, 'addr' | 'port' | 'proto'> = {
  'ip daddr': 'addr',
  'meta l4proto': 'proto',
  'ip protocol': 'proto',
  'tcp dport': 'port',
  'udp dport': 'port',
  'sctp dport': 'port',
  'th dport': 'port',
};
const IMPLIED_PROTO: Record<string, string> = { 'tcp dport': 'tcp', 'udp dport': 'udp', 'sctp dport': 'sctp' };
const IPV4 = /\b\d{1,3}(?:\.\d{1,3}){3}\b/g;

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

function addTo<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  const s = m.get(k);
  if (s) s.add(v);
  else m.set(k, new Set([v]));
}

/** A cluster object as JSON without its `source`: where a line was read (which shifts when another object is added) is not what it means. */
function plain(v: { source: unknown }): string {
  const { source: _where, ...rest } = v;
  return JSON.stringify(rest);
}

/** A value that JSON leaves out of an object (and writes as null in an array). */
function omitted(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

/** A plain object or array whose JSON is its own enumerable keys (no toJSON). */
function structural(v: unknown): v is object {
  return typeof v === 'object' && v !== null && typeof (v as { toJSON?: unknown }).toJSON !== 'function';
}

/**
 * `JSON.stringify(x) === JSON.stringify(y)`, without building either string: same keys in the
 * same order (JSON's), values omitted where JSON omits them, anything unusual compared as JSON.
 * `skip` names a top-level key left out of both (`source`, as plain() does).
 */
function jsonEqual(x: unknown, y: unknown, skip?: string): boolean {
  if (x === y && skip === undefined) return true;
  if (!structural(x) || !structural(y)) return JSON.stringify(x) === JSON.stringify(y);
  const ax = Array.isArray(x);
  if (ax !== Array.isArray(y)) return false;
  if (ax) {
    const xs = x as unknown[];
    const ys = y as unknown[];
    if (xs.length !== ys.length) return false;
    for (let i = 0; i < xs.length; i++) {
      const u = omitted(xs[i]) ? null : xs[i];
      const v = omitted(ys[i]) ? null : ys[i];
      if (u !== v && !jsonEqual(u, v)) return false;
    }
    return true;
  }
  const ox = x as Record<string, unknown>;
  const oy = y as Record<string, unknown>;
  const kx = Object.keys(ox);
  const ky = Object.keys(oy);
  let i = 0;
  let j = 0;
  for (;;) {
    while (i < kx.length && (kx[i] === skip || omitted(ox[kx[i]]))) i++;
    while (j < ky.length && (ky[j] === skip || omitted(oy[ky[j]]))) j++;
    if (i === kx.length || j === ky.length) return i === kx.length && j === ky.length;
    if (kx[i] !== ky[j]) return false;
    const u = ox[kx[i]];
    const v = oy[ky[j]];
    if (u !== v && !jsonEqual(u, v)) return false;
    i++;
    j++;
  }
}

/** Two fingerprints' parts are the same (so are the strings they would be joined into). */
function partsEqual(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (typeof x === 'string' || typeof y === 'string' || !jsonEqual(x, y)) return false;
  }
  return true;
}

function vethFields(m: VethMatch): unknown[] {
  return [m.node, m.hostIfname, m.hostIfindex, m.peerIfindex, m.hostMac, m.master, m.netns, m.netnsId, m.podIfname, m.podIfindex, m.podMac, m.addresses, m.podNamespace, m.podName, m.sandboxId, m.confidence, m.score, m.conflicts];
}

function vethText(m: VethMatch | null): string {
  if (m === null) return '-';
  return JSON.stringify(vethFields(m));
}

/** vethText(a) === vethText(b) */
function sameVeth(a: VethMatch | null, b: VethMatch | null): boolean {
  if (a === null || b === null) return a === b;
  return jsonEqual(vethFields(a), vethFields(b));
}

/** Literal texts of a match value: a literal or a set of literals; null for anything else. */
function literalTexts(v: NftValue): string[] | null {
  if (v.kind === 'literal') return [v.text];
  if (v.kind !== 'set') return null;
  const out: string[] = [];
  for (const e of v.elements) {
    if (e.kind !== 'literal') return null;
    out.push(e.text);
  }
  return out;
}

function norm(kind: 'addr' | 'port' | 'proto', text: string): string {
  return kind === 'addr' ? canonicalIp(text) : text.toLowerCase();
}

function constrain(l: Literals, kind: 'addr' | 'port' | 'proto', values: string[]): void {
  const key = kind === 'addr' ? 'addrs' : kind === 'port' ? 'ports' : 'protos';
  const next = new Set(values.map((x) => norm(kind, x)));
  const held = l[key];
  l[key] = held ? new Set([...held].filter((x) => next.has(x))) : next;
}

/** Chains a verdict or verdict map sends traffic to (named maps excluded: see setUsage), handed to `visit`. */
function verdictTargets(s: NftStatement, visit: (target: string) => void): void {
  const of = (v: NftVerdict | null) => {
    if (v && (v.kind === 'jump' || v.kind === 'goto') && v.target !== null) visit(v.target);
  };
  if (s.kind === 'verdict') of(s.verdict);
  else if ((s.kind === 'vmap' || s.kind === 'numgen-vmap') && s.map.kind === 'inline') for (const e of s.map.elements) of(e.verdict);
}

/** The rule's packet-field literals when it matches on nothing else (and does nothing but a verdict); else null. */
function dispatchLiterals(rule: NftRule): Literals | null {
  const l: Literals = { addrs: null, ports: null, protos: null };
  for (const s of rule.statements) {
    switch (s.kind) {
      case 'counter':
      case 'comment':
      case 'verdict':
        continue;
      case 'match': {
        if (s.op !== '==' || s.left.mask !== null || s.left.selectors.length !== 1) return null;
        const sel = s.left.selectors[0];
        const kind = DISPATCH_SELECTORS[sel];
        const values = literalTexts(s.right);
        if (!kind || !values) return null;
        constrain(l, kind, values);
        if (IMPLIED_PROTO[sel]) constrain(l, 'proto', [IMPLIED_PROTO[sel]]);
        continue;
      }
      default:
        return null;
    }
  }
  return l.addrs === null && l.ports === null ? null : l;
}

/**
 * Where the engine's packets could be bounded no more: a NAT whose target is not written down (the
 * first such statement); the chains the rule's verdicts send traffic to are handed to `visit`. One
 * pass over the statements.
 */
function scanRule(rule: IndexedRule, visit: (target: string) => void): string | null {
  let nat: string | null = null;
  for (const s of rule.rule.statements) {
    switch (s.kind) {
      case 'nat-map':
        nat ??= 'a NAT computed from a map';
        break;
      case 'nat':
        if (s.type === 'redirect') nat ??= 'a redirect';
        else if (s.type === 'dnat' && rule.dnat === null) nat ??= 'a DNAT without a literal target';
        break;
      case 'verdict':
      case 'vmap':
      case 'numgen-vmap':
        verdictTargets(s, visit);
        break;
    }
  }
  return nat;
}

function saddrLiterals(rule: IndexedRule, into: Set<string>): void {
  if (!rule.key.includes('saddr')) return;
  for (const m of rule.key.matchAll(IPV4)) into.add(m[0]);
}

/** How each named set is used, by `family table name`: the selectors it is looked up with, or null when not as a dispatch map. */
function setUsage(idx: NodeRuleIndex, owner: (c: IndexedChain) => string | null): Map<string, string[] | null> {
  const usage = new Map<string, string[] | null>();
  const use = (c: IndexedChain, name: string, selectors: string[] | null) => {
    const id = `${c.family} ${c.table} ${name}`;
    const held = usage.get(id);
    const ok =
      selectors !== null && owner(c) === null && selectors.every((s) => DISPATCH_SELECTORS[s] !== undefined) && (held === undefined || (held !== null && held.join() === selectors.join()));
    usage.set(id, ok ? selectors : null);
  };
  const refs = (c: IndexedChain, v: NftValue) => {
    if (v.kind === 'setref') use(c, v.name, null);
    else if (v.kind === 'set') for (const e of v.elements) refs(c, e);
    else if (v.kind === 'concat') for (const e of v.parts) refs(c, e);
  };
  for (const c of idx.chains.values()) {
    for (const r of c.rules) {
      for (const s of r.rule.statements) {
        if ((s.kind === 'vmap' || s.kind === 'nat-map') && s.map.kind === 'named') use(c, s.map.name, s.kind === 'vmap' ? s.key.selectors : null);
        else if (s.kind === 'numgen-vmap' && s.map.kind === 'named') use(c, s.map.name, null);
        else if (s.kind === 'match') refs(c, s.right);
        else if (s.kind === 'unknown' || s.kind === 'passive') {
          for (const m of s.text.matchAll(/@([\w.-]+)/g)) use(c, m[1], null);
        }
      }
    }
  }
  return usage;
}

function elementLiterals(key: NftValue, selectors: string[]): Literals | null {
  const parts = key.kind === 'concat' ? key.parts : [key];
  if (parts.length !== selectors.length) return null;
  const l: Literals = { addrs: null, ports: null, protos: null };
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (p.kind !== 'literal') return null;
    constrain(l, DISPATCH_SELECTORS[selectors[i]], [p.text]);
    const implied = IMPLIED_PROTO[selectors[i]];
    if (implied) constrain(l, 'proto', [implied]);
  }
  return l.addrs === null && l.ports === null ? null : l;
}

function sideFacts(side: PlanSide, names: ChainNames, nodeIds: string[]): SideFacts {
  const ctx = traceContext(side.snapshot);
  const facts: SideFacts = {
    ctx,
    nodes: [],
    owned: new Map(),
    dnat: new Map(),
    attributed: [],
    nodeLiterals: new Set(),
    ownedLiterals: new Map(),
    blocker: null,
  };
  const block = (why: string) => {
    facts.blocker ??= why;
  };
  side.traceNodes.forEach((nodeName, n) => {
    const nodeId = nodeIds[n];
    const data = ctx.captured.get(nodeName)?.data;
    const idx = side.rules.get(nodeName);
    if (!data || !idx) {
      block(`node ${nodeName}: no rule index`);
      return;
    }
    const ownerOf = (c: IndexedChain): string | null => (c.ref && c.chain.hook === null ? c.ref.serviceKey : null);
    const refOwner = (chain: string): string | null => names.ref(chain)?.serviceKey ?? null;
    // node files as they are, sources included: a source moves only when its file's content does
    const fp: Parts = [
      [data.interfaces, data.addresses, data.routes, data.ipRules, data.neighbours, data.fdb, data.netns, data.namespaces, data.sandboxes],
      Object.entries(data.sysctls).sort(),
    ];
    for (const c of idx.chains.values()) {
      const owner = ownerOf(c);
      if (owner !== null) {
        let lines = facts.owned.get(owner);
        if (!lines) facts.owned.set(owner, (lines = []));
        lines.push(`${nodeId} ${c.id} policy ${c.chain.policy ?? '-'}`);
        let literals = facts.ownedLiterals.get(owner);
        if (!literals) facts.ownedLiterals.set(owner, (literals = new Set<string>()));
        /** the first of the rule's verdicts sending traffic to another Service's chain: blocked after the rule's NAT, as ever */
        let sendsElsewhere: string | null = null;
        const sends = (t: string) => {
          const other = refOwner(t);
          if (other !== null && other !== owner) sendsElsewhere ??= `${c.chain.name} (${owner}) sends traffic to a chain of ${other}`;
        };
        for (const r of c.rules) {
          lines.push(r.key);
          sendsElsewhere = null;
          const nat = scanRule(r, sends);
          if (nat) block(`${nat} in ${c.chain.name} on ${nodeName}`);
          if (r.dnat !== null) addTo(facts.dnat, owner, r.dnat);
          saddrLiterals(r, literals);
          if (sendsElsewhere !== null) block(sendsElsewhere);
        }
        continue;
      }
      fp.push(`chain ${c.id} ${c.chain.type ?? '-'} ${c.chain.hook ?? '-'} ${c.chain.priority ?? '-'} ${c.chain.device ?? '-'} policy ${c.chain.policy ?? '-'}`);
      let slot = 0;
      for (const r of c.rules) {
        const targets = new Set<string>();
        const nat = scanRule(r, (t) => {
          const owner = refOwner(t);
          if (owner !== null) targets.add(owner);
        });
        if (nat || r.dnat !== null) block(`${nat ?? 'a DNAT'} outside Service chains (${c.chain.name} on ${nodeName})`);
        const literals = dispatchLiterals(r.rule);
        if (literals) {
          facts.attributed.push({ targets, literals, text: `${nodeId} ${c.id} @${slot}: ${r.key}` });
          continue;
        }
        if (targets.size > 0) block(`a rule sending traffic to a Service's chain without address/port literals (${c.chain.name} on ${nodeName})`);
        saddrLiterals(r, facts.nodeLiterals);
        fp.push(r.key);
        slot++;
      }
    }
    const usage = setUsage(idx, ownerOf);
    for (const s of idx.sets.values()) {
      const owner = refOwner(s.set.name);
      const header = `${s.id} ${s.set.keyType} ${s.set.dataType ?? '-'} ${s.set.flags.join(',')}`;
      if (owner !== null) {
        push(facts.owned, owner, `${nodeId} ${header}`);
        push(facts.owned, owner, [...s.elements].map(([k, e]) => `${k} ×${e.count}`).sort().join('\n'));
        continue;
      }
      fp.push(header);
      const selectors = s.set.kind === 'map' ? (usage.get(`${s.family} ${s.table} ${s.set.name}`) ?? null) : null;
      const nodeLevel: string[] = [];
      for (const e of s.set.elements) {
        const target = e.verdict && (e.verdict.kind === 'jump' || e.verdict.kind === 'goto') && e.verdict.target !== null ? refOwner(e.verdict.target) : null;
        const literals = selectors && e.verdict ? elementLiterals(e.key, selectors) : null;
        const text = `${names.canonical(e.verdict?.target ?? '')} ${JSON.stringify(e.key)} ${e.verdict?.kind ?? '-'} ${JSON.stringify(e.value)}`;
        if (literals) {
          // a lookup matches one element exactly: elements are attributed one by one, order aside
          facts.attributed.push({ targets: new Set(target === null ? [] : [target]), literals, text: `${nodeId} ${s.id} element ${text}` });
          continue;
        }
        if (target !== null) block(`set ${s.set.name} on ${nodeName} sends traffic to a Service's chain and cannot be attributed`);
        for (const m of JSON.stringify(e.key).matchAll(IPV4)) facts.nodeLiterals.add(m[0]);
        nodeLevel.push(text);
      }
      fp.push(...nodeLevel.sort());
    }
    facts.nodes.push(fp);
  });
  return facts;
}

/** The (address, port, protocol) tuples a Service's packets can carry, on either side. */
function serviceTuples(services: Iterable<KubeService>, dnat: Map<string, Set<string>>[]): Tuple[] {
  const out: Tuple[] = [];
  for (const svc of services) {
    const key = `${svc.namespace}/${svc.name}`;
    for (const p of svc.ports) {
      const proto = p.protocol.toLowerCase();
      for (const ip of [...svc.clusterIPs, ...svc.loadBalancerIPs, ...svc.externalIPs]) {
        if (parseIp(ip)) out.push({ svc: key, addr: canonicalIp(ip), port: String(p.port), proto });
      }
      if (p.nodePort !== null) out.push({ svc: key, addr: '*', port: String(p.nodePort), proto });
    }
    for (const d of dnat) {
      for (const target of d.get(key) ?? []) {
        const { ip, port } = splitTarget(target);
        out.push({ svc: key, addr: canonicalIp(ip), port: port ?? '*', proto: '*' });
      }
    }
  }
  return out;
}

function splitTarget(target: string): { ip: string; port: string | null } {
  const m = /^\[(.+)\]:(\d+)$/.exec(target) ?? /^([^:]+):(\d+)$/.exec(target);
  return m ? { ip: m[1], port: m[2] } : { ip: target, port: null };
}

/** Services whose tuples the literals could match. */
function matcher(tuples: Tuple[]): (l: Literals) => Set<string> {
  const byAddr = new Map<string, Tuple[]>();
  const byPort = new Map<string, Tuple[]>();
  /** tuples of any address (NodePorts) by port, and those of any address and any port */
  const anyAddrByPort = new Map<string, Tuple[]>();
  const anyAddrAnyPort: Tuple[] = [];
  const anyPort: Tuple[] = [];
  for (const t of tuples) {
    if (t.addr === '*') {
      if (t.port === '*') anyAddrAnyPort.push(t);
      else push(anyAddrByPort, t.port, t);
    } else push(byAddr, t.addr, t);
    if (t.port === '*') anyPort.push(t);
    else push(byPort, t.port, t);
  }
  const fits = (l: Literals, t: Tuple) =>
    (l.addrs === null || t.addr === '*' || l.addrs.has(t.addr)) &&
    (l.ports === null || t.port === '*' || l.ports.has(t.port)) &&
    (l.protos === null || t.proto === '*' || l.protos.has(t.proto));
  return (l) => {
    const out = new Set<string>();
    const candidates: Tuple[][] = [];
    if (l.addrs !== null) {
      for (const a of l.addrs) candidates.push(byAddr.get(a) ?? []);
      if (l.ports === null) candidates.push(...anyAddrByPort.values());
      else for (const p of l.ports) candidates.push(anyAddrByPort.get(p) ?? []);
      candidates.push(anyAddrAnyPort);
    } else {
      for (const p of l.ports ?? []) candidates.push(byPort.get(p) ?? []);
      candidates.push(anyPort);
    }
    for (const list of candidates) for (const t of list) if (fits(l, t)) out.add(t.svc);
    return out;
  };
}

/** `${ip} pod …` for both sides: the pod at the address and the node it runs on are the same. */
function samePodAt(a: TraceContext, b: TraceContext, ip: string): boolean {
  const pa = a.podsByIp.get(ip);
  const pb = b.podsByIp.get(ip);
  if (!pa || !pb) return !pa && !pb;
  const sameName = (pa.namespace === pb.namespace && pa.name === pb.name) || `${pa.namespace}/${pa.name}` === `${pb.namespace}/${pb.name}`;
  return sameName && (pa.nodeName ?? '-') === (pb.nodeName ?? '-');
}

function sameAnnouncers(a: Announcer[] | undefined, b: Announcer[] | undefined): boolean {
  const xs = a ?? [];
  const ys = b ?? [];
  if (xs.length !== ys.length) return false;
  for (let i = 0; i < xs.length; i++) if (`${xs[i].node} ${xs[i].source}` !== `${ys[i].node} ${ys[i].source}`) return false;
  return true;
}

/**
 * What the engine looks up for the addresses a Service's packets carry, and what decides its entry
 * points, is the same on both sides: the Service, its slices, its owned chains and sets, the
 * dispatch entries attributed to it, and per address the pod, veth, endpoint, announcers. Compared
 * piece by piece, stopping at the first difference.
 */
function sameServiceBase(
  sa: KubeService,
  sb: KubeService,
  fa: SideFacts,
  fb: SideFacts,
  nodesA: string[],
  nodesB: string[],
  addrs: Set<string>,
  endpoints: Set<string>,
  attributedA: string[],
  attributedB: string[],
): boolean {
  const key = `${sa.namespace}/${sa.name}`;
  const ca = fa.ctx;
  const cb = fb.ctx;
  if (!jsonEqual(sa, sb, 'source')) return false;
  const slicesA = ca.slicesByService.get(key) ?? [];
  const slicesB = cb.slicesByService.get(key) ?? [];
  if (slicesA.length !== slicesB.length) return false;
  for (let i = 0; i < slicesA.length; i++) if (!jsonEqual(slicesA[i], slicesB[i], 'source')) return false;
  if (!partsEqual(fa.owned.get(key) ?? [], fb.owned.get(key) ?? [])) return false;
  if (!partsEqual(attributedA, attributedB)) return false;
  if (nodesA.length !== nodesB.length) return false;
  for (const ip of addrs) {
    if (!samePodAt(ca, cb, ip)) return false;
    for (let n = 0; n < nodesA.length; n++) if (!sameVeth(vethForPod(ca.veths, nodesA[n], ip), vethForPod(cb.veths, nodesB[n], ip))) return false;
  }
  for (const ep of endpoints) {
    const { ip, port } = splitTarget(ep);
    const p = port === null ? null : Number(port);
    if (!jsonEqual(endpointFor(ca, ip, p), endpointFor(cb, ip, p))) return false;
  }
  // the Services are equal (loadBalancerIPs included)
  for (const ip of sa.loadBalancerIPs) {
    const c = canonicalIp(ip);
    if (!sameAnnouncers(ca.announcers.get(c), cb.announcers.get(c))) return false;
  }
  const litA = fa.ownedLiterals.get(key);
  const litB = fb.ownedLiterals.get(key);
  if ((litA?.size ?? 0) !== (litB?.size ?? 0)) return false;
  if (litA && litB) {
    const ib = litB.values();
    for (const lit of litA) {
      const other = ib.next().value as string;
      if (lit !== other || ca.podsByIp.has(lit) !== cb.podsByIp.has(other)) return false;
    }
  }
  return true;
}

/** Cluster-level state any packet may read. */
function clusterFingerprint(facts: SideFacts, snapshot: SnapshotData): Parts {
  const ctx = facts.ctx;
  const events = snapshot.cluster.events
    .filter((e) => e.reason === 'nodeAssigned')
    .map((e) => plain(Object.assign({}, e, { count: null })))
    .sort();
  const pods = snapshot.cluster.pods
    .filter((p) => p.hostNetwork || p.name.startsWith('svclb-'))
    .map((p) => `${p.namespace}/${p.name} ${p.nodeName ?? '-'} ${p.hostNetwork} ${p.podIPs.join(',')}`)
    .sort();
  const out: Parts = [
    ...[...snapshot.cluster.nodes].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0)).map(plain),
    ...events,
    ...pods,
    [...ctx.captured.keys()].sort().join(' '),
    ...ctx.veths.matches.map(vethText),
    ...[...facts.nodeLiterals].sort().map((lit) => `${lit} pod ${ctx.podsByIp.has(lit)}`),
  ];
  if (ctx.podCidrs.length === 0) out.push([...ctx.podsByIp.keys()].sort().join(' '));
  return out;
}

/**
 * Which Services' paths could differ between the two sides. Fingerprints are compared, never
 * traced: one pass over each side's rules, so this costs a small fraction of tracing.
 */
export function planPaths(a: PlanSide, b: PlanSide, pairing: Pairing, names: ChainNames): PathPlan {
  if (pairing.unpairedA.length > 0 || pairing.unpairedB.length > 0) return { retrace: null, reason: 'a captured node is in one snapshot only' };
  if (pairing.pairs.some((p) => p.crossNode)) return { retrace: null, reason: 'a cross-node comparison' };
  const nodeIds = a.traceNodes;
  const fa = sideFacts(a, names, nodeIds);
  const fb = sideFacts(b, names, nodeIds);
  const blocker = fa.blocker ?? fb.blocker;
  if (blocker) return { retrace: null, reason: blocker };
  if (fa.nodes.length !== fb.nodes.length || fa.nodes.some((x, i) => !partsEqual(x, fb.nodes[i]))) return { retrace: null, reason: 'node-level state changed' };
  if (!partsEqual(clusterFingerprint(fa, a.snapshot), clusterFingerprint(fb, b.snapshot))) return { retrace: null, reason: 'cluster-level state changed' };

  const servicesA = new Map(a.snapshot.cluster.services.map((s) => [`${s.namespace}/${s.name}`, s]));
  const servicesB = new Map(b.snapshot.cluster.services.map((s) => [`${s.namespace}/${s.name}`, s]));
  const match = matcher(serviceTuples([...servicesA.values(), ...servicesB.values()], [fa.dnat, fb.dnat]));

  /** per side: Service → attributed entries, and the other Services whose chains they lead to */
  const attribute = (facts: SideFacts) => {
    const texts = new Map<string, string[]>();
    const reach = new Map<string, Set<string>>();
    for (const x of facts.attributed) {
      const who = match(x.literals);
      for (const t of x.targets) who.add(t);
      for (const s of who) {
        push(texts, s, x.text);
        for (const t of x.targets) if (t !== s) addTo(reach, s, t);
      }
    }
    return { texts, reach };
  };
  const atA = attribute(fa);
  const atB = attribute(fb);

  const addresses = (key: string, svcs: (KubeService | undefined)[]) => {
    const addrs = new Set<string>();
    const endpoints = new Set<string>();
    for (const svc of svcs) {
      if (!svc) continue;
      for (const ip of [...svc.clusterIPs, ...svc.loadBalancerIPs, ...svc.externalIPs]) if (parseIp(ip)) addrs.add(canonicalIp(ip));
    }
    for (const facts of [fa, fb]) {
      for (const slice of facts.ctx.slicesByService.get(key) ?? []) {
        for (const ep of slice.endpoints) {
          for (const ip of ep.addresses) {
            const c = canonicalIp(ip);
            addrs.add(c);
            for (const p of slice.ports) endpoints.add(c.includes(':') ? `[${c}]:${p.port}` : `${c}:${p.port}`);
          }
        }
      }
      for (const target of facts.dnat.get(key) ?? []) {
        const { ip } = splitTarget(target);
        addrs.add(canonicalIp(ip));
        endpoints.add(target);
      }
    }
    return { addrs, endpoints };
  };

  /** whether the Service's base (serviceBase) is the same on both sides; absent on both is the same */
  const baseCache = new Map<string, boolean>();
  const sameBase = (key: string): boolean => {
    let held = baseCache.get(key);
    if (held === undefined) {
      const sa = servicesA.get(key);
      const sb = servicesB.get(key);
      if (!sa || !sb) held = !sa && !sb;
      else {
        const { addrs, endpoints } = addresses(key, [sa, sb]);
        held = sameServiceBase(sa, sb, fa, fb, a.traceNodes, b.traceNodes, addrs, endpoints, atA.texts.get(key) ?? [], atB.texts.get(key) ?? []);
      }
      baseCache.set(key, held);
    }
    return held;
  };

  const retrace = new Set<string>();
  for (const key of servicesA.keys()) {
    if (!servicesB.has(key)) continue;
    if (!sameBase(key)) {
      retrace.add(key);
      continue;
    }
    const ra = atA.reach.get(key);
    const rb = atB.reach.get(key);
    if (!ra && !rb) continue;
    const reached = new Set([...(ra ?? []), ...(rb ?? [])]);
    for (const other of reached) {
      if (!sameBase(other)) {
        retrace.add(key);
        break;
      }
    }
  }
  return { retrace, reason: null };
}
