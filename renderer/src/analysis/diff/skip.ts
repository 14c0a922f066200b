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
//
// The facts compared (per chain, node and Service, read once per side) are built in skip-facts.ts;
// this file decides from them, and from the cluster objects, which Services to re-trace.

import { appendAll } from '../arrays';
import type { KubeService } from '../model';
import { endpointFor, type Announcer, type TraceContext } from '../trace/context';
import { canonicalIp, parseIp } from '../trace/ip';
import type { VethMatch } from '../veths';
import { jsonEqual, sameObjects, type ClusterUnchanged } from './common';
import type { Pairing } from './pairs';
import type { ChainNames, IndexedChain } from './rule-index';
import type { ChainMatch } from './rules';
import {
  chainFacts,
  lazy,
  NO_CONTENTS,
  partsEqual,
  sameAttributed,
  sameContents,
  sameNode,
  sameRules,
  sideFacts,
  withRulesOf,
  type Attributed,
  type ChainFacts,
  type FactsOf,
  type Literals,
  type OwnedFacts,
  type Parts,
  type PlanSide,
  type SideFacts,
} from './skip-facts';

export type { PlanSide } from './skip-facts';

export interface PathPlan {
  /** `ns/name` of the Services to trace; null: trace every Service */
  retrace: Set<string> | null;
  /** why everything is traced (null when skipping applied) */
  reason: string | null;
}

/** What the plan reads of the diff's other sections. */
export interface PlanInputs {
  pairing: Pairing;
  names: ChainNames;
  /** per traced node (in pair order), the chains present in both (RulesDiff.matches) */
  matches: readonly (readonly ChainMatch[])[];
  unchanged: ClusterUnchanged;
}

/** `addr|port|proto`; `*` stands for any address (a NodePort) or any protocol (a DNAT target). */
type Tuple = { svc: string; addr: string; port: string; proto: string };

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

/** A veth match as the engine reads it (its evidence aside). */
function vethText(m: VethMatch): string {
  return JSON.stringify([m.node, m.hostIfname, m.hostIfindex, m.peerIfindex, m.hostMac, m.master, m.netns, m.netnsId, m.podIfname, m.podIfindex, m.podMac, m.addresses, m.podNamespace, m.podName, m.sandboxId, m.confidence, m.score, m.conflicts]);
}

/**
 * The (address, port, protocol) tuples a Service's packets can carry, on either side: `services`
 * holds each side's version of a Service that changed, and the DNAT targets of B that A has too
 * are left out (tuples are only matched, so each need be there once).
 */
function serviceTuples(services: Iterable<KubeService>, ownedA: Map<string, OwnedFacts>, ownedB: Map<string, OwnedFacts>): Tuple[] {
  const out: Tuple[] = [];
  const keys = new Set<string>();
  for (const svc of services) {
    const key = `${svc.namespace}/${svc.name}`;
    keys.add(key);
    for (const p of svc.ports) {
      const proto = p.protocol.toLowerCase();
      for (const ip of [...svc.clusterIPs, ...svc.loadBalancerIPs, ...svc.externalIPs]) {
        if (parseIp(ip)) out.push({ svc: key, addr: canonicalIp(ip), port: String(p.port), proto });
      }
      if (p.nodePort !== null) out.push({ svc: key, addr: '*', port: String(p.nodePort), proto });
    }
  }
  const addTargets = (key: string, targets: Iterable<string>, skip: Set<string> | undefined) => {
    for (const target of targets) {
      if (skip?.has(target)) continue;
      const { ip, port } = splitTarget(target);
      out.push({ svc: key, addr: canonicalIp(ip), port: port ?? '*', proto: '*' });
    }
  };
  for (const [key, owned] of ownedA) if (keys.has(key)) addTargets(key, owned.dnat, undefined);
  for (const [key, owned] of ownedB) if (keys.has(key)) addTargets(key, owned.dnat, ownedA.get(key)?.dnat);
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

/** The addresses a Service's packets can carry on either side, and its endpoints (`ip:port`). */
interface ServiceAddresses {
  addrs: Set<string>;
  endpoints: Set<string>;
}

/**
 * What the engine looks up for a Service's addresses is the same on both sides: per address the
 * pod, per endpoint its EndpointSlice entry, per LoadBalancer address its announcers, per `saddr`
 * literal of its rules whether a pod has it. A lookup is left out when the objects it reads did
 * not change (ClusterUnchanged): its answers are then the same on both sides, and neither the
 * trace context holding it nor the addresses need be built. Veths are not looked up: the cluster
 * fingerprint, already equal, holds every one of them.
 */
function sameLookups(sa: KubeService, fa: SideFacts, fb: SideFacts, unchanged: ClusterUnchanged, addresses: () => ServiceAddresses): boolean {
  const key = `${sa.namespace}/${sa.name}`;
  if (!unchanged.pods) {
    const ca = fa.view.context;
    const cb = fb.view.context;
    for (const ip of addresses().addrs) if (!samePodAt(ca, cb, ip)) return false;
    for (const lit of fa.owned.get(key)?.literals ?? []) if (ca.podsByIp.has(lit) !== cb.podsByIp.has(lit)) return false;
  }
  if (!unchanged.endpointSlices) {
    for (const ep of addresses().endpoints) {
      const { ip, port } = splitTarget(ep);
      const p = port === null ? null : Number(port);
      if (!jsonEqual(endpointFor(fa.view.context, ip, p), endpointFor(fb.view.context, ip, p))) return false;
    }
  }
  // announcers are read from the Services (equal here, loadBalancerIPs included), the pods and the events
  if (!(unchanged.services && unchanged.pods && unchanged.events)) {
    for (const ip of sa.loadBalancerIPs) {
      const c = canonicalIp(ip);
      if (!sameAnnouncers(fa.view.context.announcers.get(c), fb.view.context.announcers.get(c))) return false;
    }
  }
  return true;
}

/** The same literals in the same order (the sets as the rules first name them). */
function sameLiterals(x: Set<string> | undefined, y: Set<string> | undefined): boolean {
  if (x === y) return true;
  if ((x?.size ?? 0) !== (y?.size ?? 0)) return false;
  if (!x || !y) return true;
  const iy = y.values();
  for (const lit of x) if (lit !== iy.next().value) return false;
  return true;
}

/**
 * What decides a Service's entry points and where its packets go is the same on both sides (the
 * dispatch entries attributed to it aside: planPaths compares those): the Service, its slices, its
 * owned chains and sets, the literals its rules match sources on, and what the engine looks up
 * for its addresses. Compared piece by piece, cheapest first, stopping at the first difference.
 */
function sameServiceBase(
  sa: KubeService,
  sb: KubeService,
  fa: SideFacts,
  fb: SideFacts,
  unchanged: ClusterUnchanged,
  addresses: () => ServiceAddresses,
): boolean {
  const key = `${sa.namespace}/${sa.name}`;
  const ownedA = fa.owned.get(key);
  const ownedB = fb.owned.get(key);
  // the same object when B's rule facts are A's
  if (ownedA !== ownedB && !(sameContents(ownedA ?? NO_CONTENTS, ownedB ?? NO_CONTENTS) && sameLiterals(ownedA?.literals, ownedB?.literals))) return false;
  if (!unchanged.services && !jsonEqual(sa, sb, 'source')) return false;
  if (!unchanged.endpointSlices) {
    const slicesA = fa.view.context.slicesByService.get(key) ?? [];
    const slicesB = fb.view.context.slicesByService.get(key) ?? [];
    if (!sameObjects(slicesA, slicesB)) return false;
  }
  return sameLookups(sa, fa, fb, unchanged, addresses);
}

/**
 * Cluster-level state any packet may read. With the pods unchanged, what the engine looks up in
 * them is the same on both sides: those lookups are left out, and the trace context unbuilt.
 */
function clusterFingerprint(facts: SideFacts, unchanged: ClusterUnchanged): Parts {
  const { snapshot } = facts.view;
  const events = snapshot.cluster.events
    .filter((e) => e.reason === 'nodeAssigned')
    .map((e) => plain(Object.assign({}, e, { count: null })))
    .sort();
  const pods = snapshot.cluster.pods
    .filter((p) => p.hostNetwork || p.name.startsWith('svclb-'))
    .map((p) => `${p.namespace}/${p.name} ${p.nodeName ?? '-'} ${p.hostNetwork} ${p.podIPs.join(',')}`)
    .sort();
  const literals = [...facts.nodeLiterals].sort();
  const out: Parts = [
    ...[...snapshot.cluster.nodes].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0)).map(plain),
    ...events,
    ...pods,
    [...facts.view.nodes.keys()].sort().join(' '),
    ...facts.view.veths.matches.map(vethText),
  ];
  if (unchanged.pods) return [...out, ...literals];
  const ctx = facts.view.context;
  appendAll(
    out,
    literals.map((lit) => `${lit} pod ${ctx.podsByIp.has(lit)}`),
  );
  if (ctx.podCidrs.length === 0) out.push([...ctx.podsByIp.keys()].sort().join(' '));
  return out;
}

/** Per side: Service → the dispatch entries attributed to it, and the other Services whose chains they lead to. */
interface Attribution {
  texts: Map<string, Attributed[]>;
  reach: Map<string, Set<string>>;
}

/**
 * Attributes each side's dispatch entries to the Services whose packets they could match (by the
 * tuples of `services` and of the DNAT targets of either side) and to those whose chains they
 * send traffic to. An entry on both sides (an identical chain's) is matched once.
 */
function attributeEntries(fa: SideFacts, fb: SideFacts, services: Iterable<KubeService>): { a: Attribution; b: Attribution } {
  const match = matcher(serviceTuples(services, fa.owned, fb.owned));
  const attributedTo = new Map<Attributed, Set<string>>();
  const servicesOf = (x: Attributed): Set<string> => {
    let who = attributedTo.get(x);
    if (!who) {
      who = match(x.literals);
      for (const t of x.targets) who.add(t);
      attributedTo.set(x, who);
    }
    return who;
  };
  const attribute = (facts: SideFacts): Attribution => {
    const texts = new Map<string, Attributed[]>();
    const reach = new Map<string, Set<string>>();
    for (const x of facts.attributed) {
      for (const s of servicesOf(x)) {
        push(texts, s, x);
        for (const t of x.targets) if (t !== s) addTo(reach, s, t);
      }
    }
    return { texts, reach };
  };
  const a = attribute(fa);
  return { a, b: fb.attributed === fa.attributed ? a : attribute(fb) };
}

/** Facts read once per chain, B's chains identical to A's (ChainMatch.identical) reading A's. */
function sharingFacts(matches: PlanInputs['matches'], names: ChainNames): FactsOf {
  const identical = new Map<IndexedChain, IndexedChain>();
  for (const node of matches) for (const m of node) if (m.identical) identical.set(m.b, m.a);
  const memo = new Map<IndexedChain, ChainFacts>();
  return (c, at) => {
    const read = identical.get(c) ?? c;
    let facts = memo.get(read);
    if (!facts) memo.set(read, (facts = chainFacts(read, at, names)));
    return facts;
  };
}

/**
 * Which Services' paths could differ between the two sides. Fingerprints are compared, never
 * traced: one pass over each side's rules, so this costs a small fraction of tracing.
 */
export function planPaths(a: PlanSide, b: PlanSide, { pairing, names, matches, unchanged }: PlanInputs): PathPlan {
  if (pairing.unpairedA.length > 0 || pairing.unpairedB.length > 0) return { retrace: null, reason: 'a captured node is in one snapshot only' };
  if (pairing.pairs.some((p) => p.crossNode)) return { retrace: null, reason: 'a cross-node comparison' };
  const nodeIds = a.traceNodes;
  // the common case, a capture whose rules changed in counters only: B's rule facts are not rebuilt
  const sharedRules = sameRules(a, b, matches);
  const factsOf: FactsOf = sharedRules ? (c, at) => chainFacts(c, at, names) : sharingFacts(matches, names);
  const fa = sideFacts(a, names, nodeIds, factsOf);
  const fb = sharedRules ? withRulesOf(fa, b) : sideFacts(b, names, nodeIds, factsOf);
  const blocker = fa.blocker ?? fb.blocker;
  if (blocker) return { retrace: null, reason: blocker };
  if (fa.nodes.length !== fb.nodes.length || fa.nodes.some((x, i) => !sameNode(x, fb.nodes[i]))) return { retrace: null, reason: 'node-level state changed' };
  if (!partsEqual(clusterFingerprint(fa, unchanged), clusterFingerprint(fb, unchanged))) return { retrace: null, reason: 'cluster-level state changed' };

  const servicesA = new Map(a.view.snapshot.cluster.services.map((s) => [`${s.namespace}/${s.name}`, s]));
  const servicesB = new Map(b.view.snapshot.cluster.services.map((s) => [`${s.namespace}/${s.name}`, s]));
  // built only when read: with B's rule facts A's, every Service's entries are the same on both sides
  const attribution = lazy(() => attributeEntries(fa, fb, unchanged.services ? servicesA.values() : [...servicesA.values(), ...servicesB.values()]));

  const addresses = (key: string, svcs: KubeService[]): ServiceAddresses => {
    const addrs = new Set<string>();
    const endpoints = new Set<string>();
    for (const svc of svcs) {
      for (const ip of [...svc.clusterIPs, ...svc.loadBalancerIPs, ...svc.externalIPs]) if (parseIp(ip)) addrs.add(canonicalIp(ip));
    }
    for (const facts of [fa, fb]) {
      for (const slice of facts.view.context.slicesByService.get(key) ?? []) {
        for (const ep of slice.endpoints) {
          for (const ip of ep.addresses) {
            const c = canonicalIp(ip);
            addrs.add(c);
            for (const p of slice.ports) endpoints.add(c.includes(':') ? `[${c}]:${p.port}` : `${c}:${p.port}`);
          }
        }
      }
      for (const target of facts.owned.get(key)?.dnat ?? []) {
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
        const sameEntries = sharedRules || sameAttributed(attribution().a.texts.get(key) ?? [], attribution().b.texts.get(key) ?? []);
        held = sameEntries && sameServiceBase(sa, sb, fa, fb, unchanged, lazy(() => addresses(key, [sa, sb])));
      }
      baseCache.set(key, held);
    }
    return held;
  };

  const inBoth = [...servicesA.keys()].filter((key) => servicesB.has(key));
  const retrace = new Set(inBoth.filter((key) => !sameBase(key)));
  // a Service whose dispatch entries lead to the chains of a Service that changed (or exists on one side only) is re-traced too
  const allSame = retrace.size === 0 && inBoth.length === servicesA.size && inBoth.length === servicesB.size;
  if (allSame) return { retrace, reason: null };
  const { a: atA, b: atB } = attribution();
  for (const key of inBoth) {
    if (retrace.has(key)) continue;
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
