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
  NftRuleset,
  NftStatement,
  NftTable,
  NftValue,
  NftVerdictKind,
  ParseResult,
} from '../../renderer/src/analysis/model';
import { netmaskLength, parseUint, reportLine, splitLines, textSource } from './common';
import { handOverRules, sharedLiteral, sharedOperand, type RulesetParseOptions } from './nft-common';
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

/**
 * The tokens of one rule line, split the way iptables-restore does: whitespace separates, double
 * quotes group (`--comment "default/nginx cluster IP"`) and a backslash escapes inside quotes.
 * Parallel arrays reused from line to line: no object per token on a 150k-rule dump.
 */
class Tokens {
  line = '';
  count = 0;
  /** the argument with quotes removed and escapes resolved */
  readonly text: string[] = [];
  /** offsets into the line: [start, end) of the token as written */
  readonly start: number[] = [];
  readonly end: number[] = [];
  readonly quoted: boolean[] = [];
  /** offset of an unterminated quote, or -1 */
  openQuote = -1;

  read(line: string): void {
    this.line = line;
    this.count = 0;
    this.openQuote = -1;
    const n = line.length;
    let i = 0;
    while (i < n) {
      const c = line.charCodeAt(i);
      if (c === 32 || c === 9) {
        i++;
        continue;
      }
      const start = i;
      // built only once a quote or escape is seen; a plain token is one slice of the line
      let built: string | null = null;
      let inQuote = false;
      let segment = i;
      for (; i < n; i++) {
        const ch = line.charCodeAt(i);
        if (!inQuote && (ch === 32 || ch === 9)) break;
        if (ch === 34) {
          built = (built ?? '') + line.slice(segment, i);
          segment = i + 1;
          this.openQuote = inQuote ? -1 : i;
          inQuote = !inQuote;
        } else if (ch === 92 && inQuote && i + 1 < n) {
          built = (built ?? '') + line.slice(segment, i);
          segment = i + 1;
          i++;
        }
      }
      const k = this.count++;
      this.text[k] = built === null ? line.slice(start, i) : built + line.slice(segment, i);
      this.start[k] = start;
      this.end[k] = i;
      this.quoted[k] = built !== null;
    }
  }

  /** `-x` (a letter) or `--xyz`, unquoted */
  isOption(k: number): boolean {
    if (k >= this.count || this.quoted[k]) return false;
    const t = this.text[k];
    if (t.charCodeAt(0) !== 45 || t.length < 2) return false;
    if (t.length > 2) return t.charCodeAt(1) === 45;
    const c = t.charCodeAt(1) | 0x20;
    return c >= 97 && c <= 122;
  }

  /** an unquoted `!` */
  isBang(k: number): boolean {
    return k < this.count && !this.quoted[k] && this.text[k] === '!';
  }
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

/** One `[!] --name arg…` of a match or target module. */
interface Opt {
  name: string;
  neg: boolean;
  args: string[];
  start: number;
  end: number;
}

/** A `--long` option of a module (not one of the rule's own options). */
function isModuleOption(tk: Tokens, k: number): boolean {
  return tk.isOption(k) && tk.text[k].charCodeAt(1) === 45 && !BASIC.has(tk.text[k]);
}

/** Reads module options from token `i` on, up to the next basic option; returns the next index. */
function readOpts(tk: Tokens, i: number, out: Opt[]): number {
  while (i < tk.count) {
    const neg = tk.isBang(i) && isModuleOption(tk, i + 1);
    const k = neg ? i + 1 : i;
    if (!isModuleOption(tk, k)) break;
    const opt: Opt = { name: tk.text[k], neg, args: [], start: tk.start[i], end: tk.end[k] };
    i = k + 1;
    while (i < tk.count && !tk.isOption(i) && !tk.isBang(i)) {
      opt.args.push(tk.text[i]);
      opt.end = tk.end[i];
      i++;
    }
    out.push(opt);
  }
  return i;
}

// ---------------------------------------------------------------------------------------------
// Statements

function match(selector: string, mask: number | null, neg: boolean, right: NftValue, text: string): NftStatement {
  return { kind: 'match', left: sharedOperand(selector, mask), op: neg ? '!=' : '==', right, text };
}

function literal(text: string): NftValue {
  return { kind: 'literal', text };
}

/** A literal from a small vocabulary (protocols, ports, states, marks, interface names), shared. */
const word = sharedLiteral;

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
    if (colon === -1) return word(p);
    return { kind: 'range', from: p.slice(0, colon) || '0', to: p.slice(colon + 1) || '65535' };
  };
  const parts = arg.split(',');
  return parts.length === 1 ? one(parts[0]) : { kind: 'set', elements: parts.map(one) };
}

/** `RELATED,ESTABLISHED` → set of lower-case literals, a single value → literal. */
function wordsValue(arg: string): NftValue {
  const parts = arg.toLowerCase().split(',');
  return parts.length === 1 ? word(parts[0]) : { kind: 'set', elements: parts.map(word) };
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

/** Collects one rule's statements; one builder serves every rule of a parse (see `begin`). */
class RuleBuilder {
  statements: NftStatement[] = [];
  comment: string | null = null;
  counter: NftCounter | null = null;
  protocol: string | null = null;
  private line = '';
  private lineNo = 0;
  private table: TableState | null = null;

  constructor(private readonly sink: IssueSink) {}

  begin(line: string, lineNo: number, table: TableState, counter: NftCounter | null): void {
    this.line = line;
    this.lineNo = lineNo;
    this.table = table;
    this.statements = [];
    this.comment = null;
    this.counter = counter;
    this.protocol = null;
  }

  text(start: number, end: number): string {
    return this.line.slice(start, end);
  }

  unknown(start: number, end: number): void {
    const text = this.text(start, end);
    this.statements.push({ kind: 'unknown', text });
    this.sink.report('unknown-statement', this.lineNo, text, { col: start + 1, severity: 'info' });
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
      left: sharedOperand('meta random', 2147483647),
      op: prob?.neg ? '>=' : '<',
      right: literal(String(Math.round(p * 2 ** 31))),
      text: this.text(start, end),
    });
  }

  /** `-j TARGET …` */
  target(name: string, opts: Opt[], start: number, end: number, goto: boolean): void {
    const text = this.text(start, end);
    if (goto || this.table?.chains.has(name)) {
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
    this.sink.report('unexpected-token', this.lineNo, name, { col: start + 1 });
    this.statements.push({ kind: 'verdict', verdict: { kind: 'jump', target: name, argument: null }, text });
  }

  private verdictTarget(kind: NftVerdictKind, opts: Opt[], text: string): void {
    let argument: string | null = null;
    if (kind === 'reject' && opts.length === 1 && opts[0].name === '--reject-with' && opts[0].args.length === 1) {
      argument = rejectArgument(opts[0].args[0]);
    } else if (opts.length > 0 && kind === 'queue') {
      argument = this.text(opts[0].start, opts[opts.length - 1].end);
    } else if (opts.length > 0) {
      this.unknown(opts[0].start, opts[opts.length - 1].end);
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
    return matchOf('meta mark', word(v), mask);
  },
  addrtype: (o) => {
    if (o.name === '--dst-type') return matchOf('fib daddr type', wordsValue(o.args[0]));
    if (o.name === '--src-type') return matchOf('fib saddr type', wordsValue(o.args[0]));
    return null;
  },
  conntrack: ctMatch,
  state: ctMatch,
  icmp: (o) => (o.name === '--icmp-type' ? matchOf('icmp type', word(o.args[0])) : null),
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

export function parseIptablesSave(text: string, opts: RulesetParseOptions): ParseResult<NftRuleset> {
  const sink = new IssueSink();
  const tables = new Map<string, TableState>();
  const tokens = new Tokens();
  const builder = new RuleBuilder(sink);
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
    tokens.read(line);
    parseRule(cur, tokens, builder, lineNo, opts, sink);
  }
  if (cur !== null && cur.open !== null) sink.report('truncated-input', cur.open, `*${cur.table.name}`, { severity: 'error' });
  return { value: handOverRules({ tables: [...tables.values()].map((t) => t.table) }, opts.receiver), issues: sink.issues };
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

function parseRule(t: TableState, tk: Tokens, b: RuleBuilder, lineNo: number, opts: ParseOptions, sink: IssueSink): void {
  const line = tk.line;
  if (tk.openQuote !== -1) sink.report('unexpected-token', lineNo, line.slice(tk.openQuote), { col: tk.openQuote + 1 });
  let i = 0;
  let counter: NftCounter | null = null;
  const prefix = COUNTER_PREFIX.exec(tk.text[0]);
  if (prefix) {
    counter = { packets: Number(prefix[1]), bytes: Number(prefix[2]) };
    i = 1;
  }
  if (i + 1 >= tk.count || (tk.text[i] !== '-A' && tk.text[i] !== '--append')) {
    reportLine(sink, lineNo, line);
    return;
  }
  const appendAt = tk.start[i];
  const chainName = tk.text[i + 1];
  let chain = t.chains.get(chainName);
  if (chain === undefined) {
    sink.report('unexpected-token', lineNo, chainName, { col: tk.start[i + 1] + 1 });
    chain = newChain(chainName, t.table.name, '-', lineNo, opts);
    t.chains.set(chain.name, chain);
    t.table.chains.push(chain);
  }
  b.begin(line, lineNo, t, counter);
  i += 2;
  while (i < tk.count) i = ruleOption(b, tk, i);
  chain.rules.push({
    position: chain.rules.length,
    handle: null,
    text: line.slice(appendAt, tk.end[tk.count - 1]),
    counter: b.counter,
    comment: b.comment,
    statements: b.statements,
    source: textSource(opts, lineNo),
  });
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

/** Reads the option at token `i` into the rule; returns the index after it. */
function ruleOption(b: RuleBuilder, tk: Tokens, i: number): number {
  const bang = tk.isBang(i);
  const start = tk.start[i];
  const k = bang ? i + 1 : i;
  if (k >= tk.count) {
    b.unknown(start, tk.end[i]);
    return i + 1;
  }
  const name = tk.text[k];
  let next = k + 1;
  // `-s ! X`: the pre-1.4.3 place for `!`
  let neg = bang;
  if (tk.isBang(next)) {
    neg = !neg;
    next++;
  }
  const arg = next < tk.count ? tk.text[next] : null;
  const end = arg !== null ? tk.end[next] : tk.end[k];
  switch (name) {
    case '-s':
    case '--source':
    case '--src':
    case '-d':
    case '--destination':
    case '--dst': {
      const value = arg !== null ? addressValue(arg) : null;
      if (value === null) b.unknown(start, end);
      else b.statements.push(match(SELECTORS[name], null, neg, value, b.text(start, end)));
      return next + 1;
    }
    case '-p':
    case '--protocol': {
      if (arg === null) {
        b.unknown(start, end);
        return next;
      }
      const proto = arg.toLowerCase();
      if (proto !== 'all' && proto !== '0') b.statements.push(match('meta l4proto', null, neg, word(proto), b.text(start, end)));
      if (!neg) b.protocol = proto;
      // `-p tcp --dport 80` without `-m tcp`: the protocol's own match
      const implicit: Opt[] = [];
      const after = readOpts(tk, next + 1, implicit);
      if (implicit.length > 0) b.module(proto, implicit, implicit[0].start, implicit[implicit.length - 1].end);
      return after;
    }
    case '-i':
    case '--in-interface':
    case '-o':
    case '--out-interface': {
      if (arg === null) b.unknown(start, end);
      else b.statements.push(match(SELECTORS[name], null, neg, word(interfaceName(arg)), b.text(start, end)));
      return next + 1;
    }
    case '-m':
    case '--match': {
      const modOpts: Opt[] = [];
      const after = readOpts(tk, next + 1, modOpts);
      if (arg === null || bang) b.unknown(start, end);
      else b.module(arg, modOpts, start, modOpts.length > 0 ? modOpts[modOpts.length - 1].end : end);
      return after;
    }
    case '-j':
    case '--jump':
    case '-g':
    case '--goto': {
      const targetOpts: Opt[] = [];
      const after = readOpts(tk, next + 1, targetOpts);
      const targetEnd = targetOpts.length > 0 ? targetOpts[targetOpts.length - 1].end : end;
      if (arg === null || bang) b.unknown(start, targetEnd);
      else b.target(arg, targetOpts, start, targetEnd, name === '-g' || name === '--goto');
      return after;
    }
    case '-c':
    case '--set-counters': {
      const packets = arg !== null ? parseUint(arg) : null;
      const bytes = next + 1 < tk.count ? parseUint(tk.text[next + 1]) : null;
      if (packets === null || bytes === null) {
        b.unknown(start, end);
        return next + 1;
      }
      b.counter = { packets, bytes };
      return next + 2;
    }
    default: {
      // an option of no known module (e.g. `-f`, or arguments left over): keep it with its args
      let j = k + 1;
      while (j < tk.count && !tk.isOption(j) && !tk.isBang(j)) j++;
      b.unknown(start, tk.end[j - 1]);
      return j;
    }
  }
}
