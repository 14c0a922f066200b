// `nft monitor trace` in lab namespaces: a separate table that sets nftrace on new TCP connections
// (SYN without ACK) at prerouting and output, before every other chain, a monitor process, and a
// parser that turns the monitor's lines into the ordered chains one packet entered.
//
// What nft 1.0.6 prints (kernel 6.x):
//   trace id be56621d ip nat OUTPUT packet: oif "lo" ip saddr … tcp dport 80 tcp flags == syn …
//   trace id be56621d ip nat OUTPUT rule  counter packets 0 bytes 0 jump KUBE-SERVICES (verdict jump KUBE-SERVICES)
//   trace id be56621d ip nat KUBE-MARK-MASQ rule … meta mark set mark or 0x4000 (verdict continue)
//   trace id be56621d ip filter OUTPUT policy accept meta mark 0x00004000
// A chain that is jumped to but matches nothing prints nothing, so chain entries are derived:
// a `(verdict jump X)` / `(verdict goto X)` enters X; a line for a chain not on the current call
// stack starts a new base chain (hook evaluation); `accept`, `drop` and `policy` end one.
import type { Lab } from './lab.js';
import { spawnInNetns, type BackgroundProcess } from './procs.js';

export const TRACE_TABLE = 'knp-trace';

export async function addTraceTable(lab: Lab, netns: string): Promise<void> {
  const rule = 'meta l4proto tcp tcp flags & (syn | ack) == syn meta nftrace set 1';
  await lab.exec(netns, 'nft', ['-f', '-'], {
    input: [
      `add table ip ${TRACE_TABLE}`,
      `add chain ip ${TRACE_TABLE} pre { type filter hook prerouting priority -350 ; }`,
      `add chain ip ${TRACE_TABLE} out { type filter hook output priority -350 ; }`,
      `add rule ip ${TRACE_TABLE} pre ${rule}`,
      `add rule ip ${TRACE_TABLE} out ${rule}`,
      '',
    ].join('\n'),
  });
}

export async function removeTraceTable(lab: Lab, netns: string): Promise<void> {
  await lab.exec(netns, 'nft', ['delete', 'table', 'ip', TRACE_TABLE], { allowFailure: true });
}

/** Starts `nft monitor trace` in a netns; give it a moment (startMonitor waits) before sending. */
export async function startMonitor(netns: string): Promise<BackgroundProcess> {
  const p = spawnInNetns(netns, 'stdbuf', ['-oL', 'nft', 'monitor', 'trace']);
  await new Promise((r) => setTimeout(r, 250));
  return p;
}

export interface TraceEvent {
  id: string;
  family: string;
  table: string;
  chain: string;
  kind: 'packet' | 'rule' | 'verdict' | 'policy';
  /** the rest of the line after the chain */
  text: string;
  /** `jump X`, `goto X`, `accept`, `drop`, `continue`, `return`, or null */
  verdict: string | null;
}

const LINE = /^trace id (\S+) (\S+) (\S+) (\S+) (packet:|rule|verdict|policy)\s?(.*)$/;

export function parseTraceLines(text: string): TraceEvent[] {
  const out: TraceEvent[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line.trim());
    if (!m) continue;
    const [, id, family, table, chain, what, rest] = m;
    let kind: TraceEvent['kind'];
    let verdict: string | null = null;
    if (what === 'packet:') kind = 'packet';
    else if (what === 'rule') {
      kind = 'rule';
      verdict = /\(verdict ([^)]+)\)\s*$/.exec(rest)?.[1] ?? null;
    } else if (what === 'verdict') {
      kind = 'verdict';
      verdict = rest.split(/\s+/).slice(0, 2).join(' ').replace(/^(accept|drop|continue|return)\b.*$/, '$1');
    } else {
      kind = 'policy';
      verdict = rest.split(/\s+/)[0] ?? null;
    }
    out.push({ id, family, table, chain, kind, text: rest, verdict });
  }
  return out;
}

/** The trace ids in order of first appearance, with their events (the trace table's excluded). */
export function traceGroups(events: TraceEvent[]): { id: string; events: TraceEvent[]; packet: string }[] {
  const groups = new Map<string, { id: string; events: TraceEvent[]; packet: string }>();
  for (const e of events) {
    let g = groups.get(e.id);
    if (!g) {
      g = { id: e.id, events: [], packet: '' };
      groups.set(e.id, g);
    }
    if (e.kind === 'packet' && !g.packet) g.packet = e.text;
    if (e.table !== TRACE_TABLE) g.events.push(e);
  }
  return [...groups.values()];
}

export interface ChainEntry {
  family: string;
  table: string;
  chain: string;
}

/** The chains one traced packet entered, in order, derived from its events. */
export function chainEntries(events: TraceEvent[]): ChainEntry[] {
  const key = (c: ChainEntry) => `${c.family} ${c.table} ${c.chain}`;
  const entries: ChainEntry[] = [];
  let stack: ChainEntry[] = [];
  for (const e of events) {
    const here: ChainEntry = { family: e.family, table: e.table, chain: e.chain };
    const at = stack.map(key).lastIndexOf(key(here));
    if (e.kind === 'packet' || at === -1) {
      // a new base chain evaluation: a packet line opens every one that has a matching rule, and
      // one without any prints just its policy
      stack = [here];
      entries.push(here);
    } else {
      stack = stack.slice(0, at + 1);
    }
    const v = e.verdict ?? '';
    const target = /^(jump|goto) (\S+)$/.exec(v);
    if (target) {
      const next: ChainEntry = { family: e.family, table: e.table, chain: target[2] };
      if (target[1] === 'goto') stack.pop();
      stack.push(next);
      entries.push(next);
    } else if (v === 'return') {
      stack.pop();
    } else if (e.kind === 'policy' || v === 'accept' || v === 'drop' || v.startsWith('accept') || v.startsWith('drop')) {
      stack = [];
    }
  }
  return entries;
}

/**
 * The chains the first traced packet whose header line matches (e.g. `tcp flags == syn`) entered.
 * One packet can show up under several trace ids: the kernel derives the id from the skb and its
 * skb_iif, so a frame that br_netfilter DNATs in the bridge's prerouting and then hands up to the
 * bridge device (to be routed) continues under a new id. Groups whose packet line has the same
 * `ip id` and `tcp sport` are the same packet (a retransmitted SYN has a new ip id).
 */
export function firstPacket(monitorOutput: string, match: (packetLine: string) => boolean): ChainEntry[] | null {
  const events = parseTraceLines(monitorOutput);
  const groups = traceGroups(events);
  const first = groups.find((x) => match(x.packet));
  if (!first) return null;
  const key = (packet: string) => {
    const id = /\bip id (\d+)/.exec(packet)?.[1];
    const sport = /\btcp sport (\d+)/.exec(packet)?.[1];
    return id && sport ? `${id}/${sport}` : null;
  };
  const k = key(first.packet);
  const ids = new Set(groups.filter((g) => g === first || (k !== null && key(g.packet) === k)).map((g) => g.id));
  return chainEntries(events.filter((e) => ids.has(e.id) && e.table !== TRACE_TABLE));
}
