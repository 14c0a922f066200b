// `iptables-save [-c]` (legacy or nf_tables backend) → NftRuleset, in the statement model the
// nft parsers emit, so that one trace engine walks both kube-proxy backends.
//
// Each `*table` becomes an `ip` table; its built-in chains become base chains with the hook,
// type and priority the kernel gives them (nat PREROUTING is `type nat hook prerouting priority
// -100`, …) and their policy. Each `-A` line becomes a rule whose statements mirror what
// iptables-nft shows in `nft list ruleset`: `-d 10.43.80.28/32` is `ip daddr 10.43.80.28`,
// `-m statistic --probability P` is `meta random & 2147483647 < round(P·2³¹)`, `-j MARK
// --set-xmark 0x4000/0x4000` is `meta mark set mark or 0x4000`, and so on. Matches and targets
// outside that model (physdev, recent, set, limit, …) become `unknown` statements holding the
// original option text, and are reported; nothing is dropped. The parse is one pass over the
// lines, resyncing at the next line, `*table` or `COMMIT` after anything it does not understand.

import type {
  NftChain,
  NftCounter,
  NftRule,
  NftRuleset,
  NftStatement,
  NftTable,
  NftValue,
  NftVerdictKind,
  ParseResult,
} from '../../renderer/src/analysis/model';
import { netmaskLength, parseUint, reportLine, splitLines, textSource } from './common';
import { IssueSink, type ParseOptions } from './issues';

interface BaseChain {
  type: string;
  priority: number;
}

/** What the kernel registers for each built-in chain (iptables-nft creates the same). */
const BUILTIN: Record<string, Record<string, BaseChain>> = {
  filter: {
    INPUT: { type: 'filter', priority: 0 },
    FORWARD: { type: 'filter', priority: 0 },
    OUTPUT: { type: 'filter', priority: 0 },
  },
  nat: {
    PREROUTING: { type: 'nat', priority: -100 },
    INPUT: { type: 'nat', priority: 100 },
    OUTPUT: { type: 'nat', priority: -100 },
    POSTROUTING: { type: 'nat', priority: 100 },
  },
  mangle: {
    PREROUTING: { type: 'filter', priority: -150 },
    INPUT: { type: 'filter', priority: -150 },
    FORWARD: { type: 'filter', priority: -150 },
    OUTPUT: { type: 'route', priority: -150 },
    POSTROUTING: { type: 'filter', priority: -150 },
  },
  raw: {
    PREROUTING: { type: 'filter', priority: -300 },
    OUTPUT: { type: 'filter', priority: -300 },
  },
  security: {
    INPUT: { type: 'filter', priority: 50 },
    FORWARD: { type: 'filter', priority: 50 },
    OUTPUT: { type: 'filter', priority: 50 },
  },
};

const CHAIN_LINE = /^:(\S+)\s+(\S+)(?:\s+\[(\d+):(\d+)\])?\s*$/;
const COUNTER_PREFIX = /^\[(\d+):(\d+)\]$/;

// ---------------------------------------------------------------------------------------------
// Tokens

interface Tok {
  /** the argument with quotes removed and escapes resolved */
  text: string;
  /** offsets into the line: [start, end) of the token as written */
  start: number;
  end: number;
  quoted: boolean;
}

/**
 * Splits a rule line the way iptables-restore does: whitespace separates, double quotes group
 * (`--comment "default/nginx cluster IP"`) and a backslash escapes inside quotes. Returns the
 * offset of an unterminated quote, if any.
 */
function tokenize(line: string): { toks: Tok[]; openQuote: number | null } {
  const toks: Tok[] = [];
  let openQuote: number | null = null;
  let i = 0;
  const n = line.length;
  while (i < n) {
    const c = line.charCodeAt(i);
    if (c === 32 || c === 9) {
      i++;
      continue;
    }
    const start = i;
    let text = '';
    let quoted = false;
    let inQuote = false;
    let segment = i;
    for (; i < n; i++) {
      const ch = line.charCodeAt(i);
      if (!inQuote && (ch === 32 || ch === 9)) break;
      if (ch === 34) {
        text += line.slice(segment, i);
        segment = i + 1;
        if (!inQuote) openQuote = i;
        else openQuote = null;
        inQuote = !inQuote;
        quoted = true;
      } else if (ch === 92 && inQuote && i + 1 < n) {
        text += line.slice(segment, i);
        segment = i + 1;
        i++;
      }
    }
    text += line.slice(segment, i);
    toks.push({ text, start, end: i, quoted });
  }
  return { toks, openQuote };
}

/** Options of the rule itself; any of them ends the options of a match or target module. */
const BASIC = new Set([
  '-s', '--source', '--src',
  '-d', '--destination', '--dst',
  '-p', '--protocol',
  '-i', '--in-interface',
  '-o', '--out-interface',
  '-m', '--match',
  '-j', '--jump',
  '-g', '--goto',
  '-f', '--fragment',
  '-c', '--set-counters',
]);

function isOption(t: Tok): boolean {
  return !t.quoted && (t.text.startsWith('--') || /^-[A-Za-z]$/.test(t.text));
}

function isBang(t: Tok | undefined): boolean {
  return t !== undefined && !t.quoted && t.text === '!';
}

/** One `[!] --name arg…` of a match or target module. */
interface Opt {
  name: string;
  neg: boolean;
  args: string[];
  start: number;
  end: number;
}

/** Reads module options from `toks[i]` on, up to the next basic option; returns the next index. */
function readOpts(toks: Tok[], i: number, out: Opt[]): number {
  while (i < toks.length) {
    const neg = isBang(toks[i]) && toks[i + 1] !== undefined && isOption(toks[i + 1]) && !BASIC.has(toks[i + 1].text);
    const t = neg ? toks[i + 1] : toks[i];
    if (!isOption(t) || BASIC.has(t.text) || !t.text.startsWith('--')) break;
    const opt: Opt = { name: t.text, neg, args: [], start: toks[i].start, end: t.end };
    i += neg ? 2 : 1;
    while (i < toks.length && !isOption(toks[i]) && !isBang(toks[i])) {
      opt.args.push(toks[i].text);
      opt.end = toks[i].end;
      i++;
    }
    out.push(opt);
  }
  return i;
}

// ---------------------------------------------------------------------------------------------
// Statements

function match(selector: string, mask: number | null, neg: boolean, right: NftValue, text: string): NftStatement {
  return { kind: 'match', left: { selectors: [selector], mask }, op: neg ? '!=' : '==', right, text };
}

function literal(text: string): NftValue {
  return { kind: 'literal', text };
}

/** `10.0.0.1`, `10.0.0.1/32` → literal; `10.42.0.0/16` or `/255.255.0.0` → prefix. */
function addressValue(arg: string): NftValue | null {
  const slash = arg.indexOf('/');
  if (slash === -1) return literal(arg);
  const address = arg.slice(0, slash);
  const maskText = arg.slice(slash + 1);
  const length = /^\d+$/.test(maskText) ? Number(maskText) : netmaskLength(maskText);
  if (length === null) return null;
  const full = address.includes(':') ? 128 : 32;
  return length === full ? literal(address) : { kind: 'prefix', address, length };
}

/** `80` → literal, `8000:8080` → range (open ends filled in), `80,443,8000:8080` → set. */
function portsValue(arg: string): NftValue {
  const one = (p: string): NftValue => {
    const colon = p.indexOf(':');
    if (colon === -1) return literal(p);
    return { kind: 'range', from: p.slice(0, colon) || '0', to: p.slice(colon + 1) || '65535' };
  };
  const parts = arg.split(',');
  return parts.length === 1 ? one(parts[0]) : { kind: 'set', elements: parts.map(one) };
}

/** `RELATED,ESTABLISHED` → set of lower-case literals, a single value → literal. */
function wordsValue(arg: string): NftValue {
  const parts = arg.toLowerCase().split(',');
  return parts.length === 1 ? literal(parts[0]) : { kind: 'set', elements: parts.map(literal) };
}

function interfaceName(arg: string): string {
  return arg.endsWith('+') ? `${arg.slice(0, -1)}*` : arg;
}

/** `V` or `V/M` as numbers (M defaults to 0xffffffff); null when not numeric. */
function valueMask(arg: string): { value: number; mask: number } | null {
  const [v, m] = arg.split('/');
  const value = parseUint(v);
  const mask = m === undefined ? 0xffffffff : parseUint(m);
  return value === null || mask === null ? null : { value, mask };
}

type MarkOp = 'set' | 'or' | 'xor' | 'and';

/**
 * The `(op, value)` steps that produce a MARK/CONNMARK target's new mark, in nft's terms:
 * `--set-xmark V/M` is `(mark & ~M) ^ V`, `--set-mark V/M` is `(mark & ~M) | V`.
 */
function markSteps(opt: Opt): [MarkOp, number][] | null {
  if (opt.args.length !== 1) return null;
  const vm = valueMask(opt.args[0]);
  if (vm === null) return null;
  const { value, mask } = vm;
  const keep = ~mask >>> 0;
  switch (opt.name) {
    case '--or-mark':
      return [['or', value]];
    case '--and-mark':
      return [['and', value]];
    case '--xor-mark':
      return [['xor', value]];
    case '--set-xmark':
    case '--set-mark': {
      const combine: MarkOp = opt.name === '--set-xmark' ? 'xor' : 'or';
      if (mask === 0xffffffff) return [['set', value]];
      if (mask === 0 || value === mask) return [[mask === 0 ? combine : 'or', value]];
      if (value === 0) return [['and', keep]];
      return [
        ['and', keep],
        [combine, value],
      ];
    }
    default:
      return null;
  }
}

/** `10.42.0.204:80`, `10.0.0.1-10.0.0.9:80-90`, `[fd00::1]:80` → address and port. */
function natTarget(arg: string): { address: string | null; port: string | null } {
  if (arg.startsWith('[')) {
    const close = arg.indexOf(']');
    const port = arg.slice(close + 1).replace(/^:/, '');
    return { address: arg.slice(1, close), port: port === '' ? null : port };
  }
  if (arg.startsWith(':')) return { address: null, port: arg.slice(1) };
  const colon = arg.indexOf(':');
  if (colon === -1 || arg.indexOf(':', colon + 1) !== -1) return { address: arg, port: null };
  return { address: arg.slice(0, colon), port: arg.slice(colon + 1) };
}

const NAT_FLAGS: Record<string, string> = {
  '--random': 'random',
  '--random-fully': 'fully-random',
  '--persistent': 'persistent',
};

const VERDICTS: Record<string, NftVerdictKind> = {
  ACCEPT: 'accept',
  DROP: 'drop',
  RETURN: 'return',
  REJECT: 'reject',
  QUEUE: 'queue',
  NFQUEUE: 'queue',
};

/** Targets with no effect on where a packet goes. */
const PASSIVE_TARGETS = new Set(['LOG', 'NFLOG', 'ULOG', 'NOTRACK', 'CT', 'TRACE', 'AUDIT', 'CHECKSUM']);

/** `--reject-with icmp-host-prohibited` → `with icmp type host-prohibited`, as nft prints it. */
function rejectArgument(value: string): string {
  if (value === 'tcp-reset') return 'with tcp reset';
  if (value.startsWith('icmp6-')) return `with icmpv6 type ${value.slice('icmp6-'.length)}`;
  if (value.startsWith('icmp-')) return `with icmp type ${value.slice('icmp-'.length)}`;
  return `with ${value}`;
}

// ---------------------------------------------------------------------------------------------
// One rule

interface RuleContext {
  line: string;
  lineNo: number;
  table: TableState;
  sink: IssueSink;
}

class RuleBuilder {
  readonly statements: NftStatement[] = [];
  comment: string | null = null;
  counter: NftCounter | null = null;
  protocol: string | null = null;

  constructor(private readonly ctx: RuleContext) {}

  text(start: number, end: number): string {
    return this.ctx.line.slice(start, end);
  }

  unknown(start: number, end: number): void {
    const text = this.text(start, end);
    this.statements.push({ kind: 'unknown', text });
    this.ctx.sink.report('unknown-statement', this.ctx.lineNo, text, { col: start + 1, severity: 'info' });
  }

  /** A match module's options (`-m NAME …`, or the implicit `-p tcp --dport …`). */
  module(name: string, opts: Opt[], start: number, end: number): void {
    if (name === 'comment') {
      for (const o of opts) {
        if (o.name === '--comment' && o.args.length === 1 && !o.neg) {
          this.comment = this.comment === null ? o.args[0] : `${this.comment} ${o.args[0]}`;
        } else this.unknown(o.start, o.end);
      }
      return;
    }
    if (name === 'statistic') {
      this.statistic(opts, start, end);
      return;
    }
    const handler = MATCHES[name];
    if (handler === undefined) {
      this.unknown(start, end);
      return;
    }
    for (const o of opts) {
      const m = o.args.length === 1 ? handler(o, this.protocol) : null;
      if (m === null) this.unknown(o.start, o.end);
      else this.statements.push(match(m.selector, m.mask, o.neg, m.right, this.text(o.start, o.end)));
    }
  }

  /** `--mode random --probability P` → `meta random & 2147483647 < round(P·2³¹)`. */
  private statistic(opts: Opt[], start: number, end: number): void {
    const mode = opts.find((o) => o.name === '--mode')?.args[0];
    const prob = opts.find((o) => o.name === '--probability');
    const p = prob !== undefined && prob.args.length === 1 ? Number(prob.args[0]) : NaN;
    if (mode !== 'random' || opts.length !== 2 || !(p >= 0 && p <= 1)) {
      this.unknown(start, end);
      return;
    }
    this.statements.push({
      kind: 'match',
      left: { selectors: ['meta random'], mask: 2147483647 },
      op: prob?.neg ? '>=' : '<',
      right: literal(String(Math.round(p * 2 ** 31))),
      text: this.text(start, end),
    });
  }

  /** `-j TARGET …` */
  target(name: string, opts: Opt[], start: number, end: number, goto: boolean): void {
    const text = this.text(start, end);
    if (goto || this.ctx.table.chains.has(name)) {
      if (opts.length > 0) this.unknown(opts[0].start, end);
      this.statements.push({ kind: 'verdict', verdict: { kind: goto ? 'goto' : 'jump', target: name, argument: null }, text });
      return;
    }
    const verdict = VERDICTS[name];
    if (verdict !== undefined) {
      this.verdictTarget(verdict, opts, text);
      return;
    }
    if (PASSIVE_TARGETS.has(name)) {
      this.statements.push({ kind: 'passive', text });
      return;
    }
    if (name === 'MARK' || name === 'CONNMARK') {
      this.markTarget(name === 'MARK' ? 'meta mark' : 'ct mark', opts, start, end, text);
      return;
    }
    if (name === 'DNAT' || name === 'SNAT' || name === 'MASQUERADE' || name === 'REDIRECT') {
      this.natTarget(name, opts, start, end, text);
      return;
    }
    if (opts.length > 0) {
      this.unknown(start, end);
      return;
    }
    // a chain that was never declared (iptables-restore would refuse the file): still a jump
    this.ctx.sink.report('unexpected-token', this.ctx.lineNo, name, { col: start + 1 });
    this.statements.push({ kind: 'verdict', verdict: { kind: 'jump', target: name, argument: null }, text });
  }

  private verdictTarget(kind: NftVerdictKind, opts: Opt[], text: string): void {
    let argument: string | null = null;
    if (kind === 'reject' && opts.length === 1 && opts[0].name === '--reject-with' && opts[0].args.length === 1) {
      argument = rejectArgument(opts[0].args[0]);
    } else if (opts.length > 0) {
      if (kind !== 'queue') {
        this.unknown(opts[0].start, opts[opts.length - 1].end);
      } else argument = this.text(opts[0].start, opts[opts.length - 1].end);
    }
    this.statements.push({ kind: 'verdict', verdict: { kind, target: null, argument }, text });
  }

  private markTarget(target: 'meta mark' | 'ct mark', opts: Opt[], start: number, end: number, text: string): void {
    const steps = opts.length === 1 && !opts[0].neg ? markSteps(opts[0]) : null;
    if (steps === null) {
      this.unknown(start, end);
      return;
    }
    for (const [op, value] of steps) this.statements.push({ kind: 'mark-set', target, op, value, text });
  }

  private natTarget(name: string, opts: Opt[], start: number, end: number, text: string): void {
    const type = name === 'DNAT' ? 'dnat' : name === 'SNAT' ? 'snat' : name === 'MASQUERADE' ? 'masquerade' : 'redirect';
    let address: string | null = null;
    let port: string | null = null;
    const flags: string[] = [];
    for (const o of opts) {
      const flag = NAT_FLAGS[o.name];
      if (flag !== undefined && o.args.length === 0) flags.push(flag);
      else if ((o.name === '--to-destination' || o.name === '--to-source') && o.args.length === 1 && (type === 'dnat' || type === 'snat')) {
        ({ address, port } = natTarget(o.args[0]));
      } else if (o.name === '--to-ports' && o.args.length === 1 && (type === 'masquerade' || type === 'redirect')) {
        port = o.args[0];
      } else {
        this.unknown(start, end);
        return;
      }
    }
    this.statements.push({ kind: 'nat', type, address, port, flags, text });
  }
}

/** What one option of a match module tests; its `!` and text are added by the caller. */
interface MatchOf {
  selector: string;
  mask: number | null;
  right: NftValue;
}

type MatchHandler = (o: Opt, protocol: string | null) => MatchOf | null;

function matchOf(selector: string, right: NftValue, mask: number | null = null): MatchOf {
  return { selector, mask, right };
}

function portMatch(proto: string): MatchHandler {
  return (o) => {
    if (o.name === '--dport' || o.name === '--destination-port') return matchOf(`${proto} dport`, portsValue(o.args[0]));
    if (o.name === '--sport' || o.name === '--source-port') return matchOf(`${proto} sport`, portsValue(o.args[0]));
    return null;
  };
}

function ctMatch(o: Opt): MatchOf | null {
  if (o.name === '--ctstate' || o.name === '--state') return matchOf('ct state', wordsValue(o.args[0]));
  if (o.name === '--ctstatus') return matchOf('ct status', wordsValue(o.args[0]));
  return null;
}

/** Match modules translated into statements, option by option (others stay `unknown`). */
const MATCHES: Record<string, MatchHandler> = {
  tcp: portMatch('tcp'),
  udp: portMatch('udp'),
  sctp: portMatch('sctp'),
  udplite: portMatch('udplite'),
  dccp: portMatch('dccp'),
  multiport: (o, protocol) => {
    const proto = protocol ?? 'th';
    if (o.name === '--dports' || o.name === '--destination-ports') return matchOf(`${proto} dport`, portsValue(o.args[0]));
    if (o.name === '--sports' || o.name === '--source-ports') return matchOf(`${proto} sport`, portsValue(o.args[0]));
    return null;
  },
  mark: (o) => {
    if (o.name !== '--mark') return null;
    const [v, m] = o.args[0].split('/');
    const mask = m === undefined ? null : parseUint(m);
    if (parseUint(v) === null || (m !== undefined && mask === null)) return null;
    return matchOf('meta mark', literal(v), mask);
  },
  addrtype: (o) => {
    if (o.name === '--dst-type') return matchOf('fib daddr type', wordsValue(o.args[0]));
    if (o.name === '--src-type') return matchOf('fib saddr type', wordsValue(o.args[0]));
    return null;
  },
  conntrack: ctMatch,
  state: ctMatch,
  icmp: (o) => (o.name === '--icmp-type' ? matchOf('icmp type', literal(o.args[0])) : null),
};

// ---------------------------------------------------------------------------------------------
// Tables and lines

interface TableState {
  table: NftTable;
  chains: Map<string, NftChain>;
  /** line of the `*table` header; null once COMMIT was seen */
  open: number | null;
}

function newChain(name: string, tableName: string, policy: string, lineNo: number, opts: ParseOptions): NftChain {
  const base = BUILTIN[tableName]?.[name];
  const isBase = base !== undefined && policy !== '-';
  return {
    name,
    type: isBase ? base.type : null,
    hook: isBase ? name.toLowerCase() : null,
    priority: isBase ? base.priority : null,
    device: null,
    policy: policy === 'ACCEPT' ? 'accept' : policy === 'DROP' ? 'drop' : null,
    comment: null,
    rules: [],
    source: textSource(opts, lineNo),
  };
}

export function parseIptablesSave(text: string, opts: ParseOptions): ParseResult<NftRuleset> {
  const sink = new IssueSink();
  const tables = new Map<string, TableState>();
  let cur: TableState | null = null;
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const lineNo = i + 1;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const c = trimmed[0];
    if (c === '*') {
      if (cur !== null && cur.open !== null) sink.report('truncated-input', cur.open, `*${cur.table.name}`, { severity: 'error' });
      const name = trimmed.slice(1);
      cur = tables.get(name) ?? null;
      if (cur === null) {
        cur = {
          table: { family: 'ip', name, comment: null, chains: [], sets: [], source: textSource(opts, lineNo) },
          chains: new Map(),
          open: lineNo,
        };
        tables.set(name, cur);
      } else {
        sink.report('duplicate-record', lineNo, line, { severity: 'info' });
        cur.open = lineNo;
      }
      continue;
    }
    if (trimmed === 'COMMIT') {
      if (cur === null || cur.open === null) reportLine(sink, lineNo, line, 'unexpected-token');
      else cur.open = null;
      continue;
    }
    if (cur === null || cur.open === null) {
      reportLine(sink, lineNo, line, 'unexpected-token');
      continue;
    }
    if (c === ':') {
      const m = CHAIN_LINE.exec(trimmed);
      if (!m) {
        reportLine(sink, lineNo, line);
        continue;
      }
      declareChain(cur, m[1], m[2], lineNo, line, opts, sink);
      continue;
    }
    parseRule(cur, line, lineNo, opts, sink);
  }
  if (cur !== null && cur.open !== null) sink.report('truncated-input', cur.open, `*${cur.table.name}`, { severity: 'error' });
  return { value: { tables: [...tables.values()].map((t) => t.table) }, issues: sink.issues };
}

function declareChain(t: TableState, name: string, policy: string, lineNo: number, line: string, opts: ParseOptions, sink: IssueSink): void {
  if (t.chains.has(name)) {
    sink.report('duplicate-record', lineNo, line, { severity: 'info' });
    return;
  }
  const chain = newChain(name, t.table.name, policy, lineNo, opts);
  if (policy !== '-' && chain.hook === null) reportLine(sink, lineNo, line, 'unexpected-token');
  t.chains.set(name, chain);
  t.table.chains.push(chain);
}

function parseRule(t: TableState, line: string, lineNo: number, opts: ParseOptions, sink: IssueSink): void {
  const { toks, openQuote } = tokenize(line);
  if (openQuote !== null) sink.report('unexpected-token', lineNo, line.slice(openQuote), { col: openQuote + 1 });
  let i = 0;
  let counter: NftCounter | null = null;
  const prefix = COUNTER_PREFIX.exec(toks[0].text);
  if (prefix) {
    counter = { packets: Number(prefix[1]), bytes: Number(prefix[2]) };
    i = 1;
  }
  const append = toks[i];
  const chainName = toks[i + 1];
  if (append === undefined || (append.text !== '-A' && append.text !== '--append') || chainName === undefined) {
    reportLine(sink, lineNo, line);
    return;
  }
  let chain = t.chains.get(chainName.text);
  if (chain === undefined) {
    sink.report('unexpected-token', lineNo, chainName.text, { col: chainName.start + 1 });
    chain = newChain(chainName.text, t.table.name, '-', lineNo, opts);
    t.chains.set(chain.name, chain);
    t.table.chains.push(chain);
  }
  const b = new RuleBuilder({ line, lineNo, table: t, sink });
  b.counter = counter;
  i += 2;
  while (i < toks.length) i = ruleOption(b, toks, i);
  const rule: NftRule = {
    position: chain.rules.length,
    handle: null,
    text: line.slice(append.start).trimEnd(),
    counter: b.counter,
    comment: b.comment,
    statements: b.statements,
    source: textSource(opts, lineNo),
  };
  chain.rules.push(rule);
}

const SELECTORS: Record<string, string> = {
  '-s': 'ip saddr',
  '--source': 'ip saddr',
  '--src': 'ip saddr',
  '-d': 'ip daddr',
  '--destination': 'ip daddr',
  '--dst': 'ip daddr',
  '-i': 'iifname',
  '--in-interface': 'iifname',
  '-o': 'oifname',
  '--out-interface': 'oifname',
};

/** Reads the option at `toks[i]` into the rule; returns the index after it. */
function ruleOption(b: RuleBuilder, toks: Tok[], i: number): number {
  const bang = isBang(toks[i]);
  const t = bang ? toks[i + 1] : toks[i];
  const start = toks[i].start;
  if (t === undefined) {
    b.unknown(start, toks[i].end);
    return i + 1;
  }
  let next = bang ? i + 2 : i + 1;
  // `-s ! X`: the pre-1.4.3 place for `!`
  let neg = bang;
  if (isBang(toks[next])) {
    neg = !neg;
    next++;
  }
  const arg = toks[next];
  const end = arg?.end ?? t.end;
  switch (t.text) {
    case '-s':
    case '--source':
    case '--src':
    case '-d':
    case '--destination':
    case '--dst': {
      const value = arg && addressValue(arg.text);
      if (!value) b.unknown(start, end);
      else b.statements.push(match(SELECTORS[t.text], null, neg, value, b.text(start, end)));
      return next + 1;
    }
    case '-p':
    case '--protocol': {
      if (arg === undefined) {
        b.unknown(start, end);
        return next;
      }
      const proto = arg.text.toLowerCase();
      if (proto !== 'all' && proto !== '0') b.statements.push(match('meta l4proto', null, neg, literal(proto), b.text(start, end)));
      if (!neg) b.protocol = proto;
      // `-p tcp --dport 80` without `-m tcp`: the protocol's own match
      const implicit: Opt[] = [];
      const after = readOpts(toks, next + 1, implicit);
      if (implicit.length > 0) b.module(proto, implicit, implicit[0].start, implicit[implicit.length - 1].end);
      return after;
    }
    case '-i':
    case '--in-interface':
    case '-o':
    case '--out-interface': {
      if (arg === undefined) b.unknown(start, end);
      else b.statements.push(match(SELECTORS[t.text], null, neg, literal(interfaceName(arg.text)), b.text(start, end)));
      return next + 1;
    }
    case '-m':
    case '--match': {
      const modOpts: Opt[] = [];
      const after = readOpts(toks, next + 1, modOpts);
      if (arg === undefined || bang) b.unknown(start, end);
      else b.module(arg.text, modOpts, start, modOpts.length > 0 ? modOpts[modOpts.length - 1].end : end);
      return after;
    }
    case '-j':
    case '--jump':
    case '-g':
    case '--goto': {
      const targetOpts: Opt[] = [];
      const after = readOpts(toks, next + 1, targetOpts);
      const targetEnd = targetOpts.length > 0 ? targetOpts[targetOpts.length - 1].end : end;
      if (arg === undefined || bang) b.unknown(start, targetEnd);
      else b.target(arg.text, targetOpts, start, targetEnd, t.text === '-g' || t.text === '--goto');
      return after;
    }
    case '-c':
    case '--set-counters': {
      const bytes = toks[next + 1];
      const packets = arg && parseUint(arg.text);
      const byteCount = bytes && parseUint(bytes.text);
      if (packets == null || byteCount == null) {
        b.unknown(start, end);
        return next + 1;
      }
      b.counter = { packets, bytes: byteCount };
      return next + 2;
    }
    default: {
      // an option of no known module (e.g. `-f`, or arguments left over): keep it with its args
      let j = bang ? i + 2 : i + 1;
      while (j < toks.length && !isOption(toks[j]) && !isBang(toks[j])) j++;
      b.unknown(start, toks[j - 1].end);
      return j;
    }
  }
}

