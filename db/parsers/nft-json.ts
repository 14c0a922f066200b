// Parser for `nft -j list ruleset` (libnftables-json(5), json_schema_version 1).
//
// Every rule's expressions are turned into the same statements the text parser produces, and
// each statement gets the nft text it would be listed as, so users see familiar rules. On
// iptables-nft tables the JSON output carries only `xt` stubs (name, no options) where the text
// output shows the translation (`meta random & … <`, `dnat to …`): those stay `unknown`.

import type {
  NftChain,
  NftMapElement,
  NftMapRef,
  NftOp,
  NftOperand,
  NftRule,
  NftRuleset,
  NftSet,
  NftStatement,
  NftTable,
  NftValue,
  NftVerdict,
  ParseResult,
} from '../../renderer/src/analysis/model';
import { IssueSink } from './issues';
import { singleArrayElements } from './json-text';
import {
  formatMark,
  handOverRules,
  isMarkSelector,
  isNftFamily,
  isVerdictKind,
  joinNatTarget,
  metaSelector,
  verdict,
  verdictText,
  type RulesetParseOptions,
} from './nft-common';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The single key of a libnftables `{ "kind": { … } }` wrapper. */
function onlyKey(o: JsonObject): string | null {
  const keys = Object.keys(o);
  return keys.length === 1 ? keys[0] : null;
}

function str(v: Json | undefined): string | null {
  return typeof v === 'string' ? v : null;
}

function num(v: Json | undefined): number | null {
  return typeof v === 'number' ? v : null;
}

function quote(text: string): string {
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}

/** Thrown inside one statement's conversion only; the statement then becomes `unknown`. */
class Unsupported extends Error {}

function unsupported(): never {
  throw new Unsupported();
}

// ---------------------------------------------------------------------------------------------
// Expressions

interface Rendered<T> {
  value: T;
  text: string;
}

/** A left-hand expression: its selectors (for a concatenation, several) and nft text. */
function operand(expr: Json): Rendered<NftOperand> {
  if (isObject(expr) && onlyKey(expr) === '&') {
    const pair = expr['&'];
    if (!Array.isArray(pair) || pair.length !== 2) unsupported();
    const inner = operand(pair[0]);
    const mask = num(pair[1]);
    if (mask === null || inner.value.mask !== null) unsupported();
    const maskText = inner.value.selectors.length === 1 && isMarkSelector(inner.value.selectors[0]) ? formatMark(mask) : String(mask);
    return { value: { selectors: inner.value.selectors, mask }, text: `${inner.text} & ${maskText}` };
  }
  if (isObject(expr) && onlyKey(expr) === 'concat') {
    const parts = expr.concat;
    if (!Array.isArray(parts)) unsupported();
    const selectors = parts.map(selector);
    return { value: { selectors, mask: null }, text: selectors.join(' . ') };
  }
  const text = selector(expr);
  return { value: { selectors: [text], mask: null }, text };
}

/** One selector expression (`payload`, `meta`, `ct`, `fib`, `numgen`, …) as nft prints it. */
function selector(expr: Json): string {
  if (!isObject(expr)) unsupported();
  const kind = onlyKey(expr);
  const body = kind === null ? undefined : expr[kind];
  if (!isObject(body)) unsupported();
  switch (kind) {
    case 'payload': {
      const protocol = str(body.protocol);
      const field = str(body.field);
      if (protocol !== null && field !== null) return `${protocol} ${field}`;
      const base = str(body.base);
      if (base !== null) return `@${base},${num(body.offset) ?? 0},${num(body.len) ?? 0}`;
      return unsupported();
    }
    case 'meta': {
      const key = str(body.key);
      return key === null ? unsupported() : metaSelector(key);
    }
    case 'ct': {
      const key = str(body.key);
      if (key === null) unsupported();
      return ['ct', str(body.dir), str(body.family), key].filter((w) => w !== null).join(' ');
    }
    case 'fib': {
      const result = str(body.result);
      const flags = Array.isArray(body.flags) ? body.flags : [body.flags];
      if (result === null || flags.some((f) => typeof f !== 'string')) unsupported();
      return `fib ${flags.join(' . ')} ${result}`;
    }
    case 'numgen': {
      const mode = str(body.mode);
      const mod = num(body.mod);
      if (mode === null || mod === null) unsupported();
      const offset = num(body.offset) ?? 0;
      return `numgen ${mode} mod ${mod}${offset !== 0 ? ` offset ${offset}` : ''}`;
    }
    case 'symhash':
    case 'jhash': {
      const mod = num(body.mod);
      if (mod === null) unsupported();
      const over = kind === 'jhash' ? ` ${operand(body.expr ?? null).text}` : '';
      const seed = num(body.seed);
      const offset = num(body.offset);
      return `${kind}${over} mod ${mod}${seed ? ` seed ${formatHex(seed)}` : ''}${offset ? ` offset ${offset}` : ''}`;
    }
    default:
      return unsupported();
  }
}

function formatHex(value: number): string {
  return `0x${value.toString(16)}`;
}

/** How nft prints a value, which depends on what it is compared with. */
type ValueStyle = 'plain' | 'mark' | 'string';

// Selectors whose values are strings nft always quotes (`iifname "cni0"`).
const STRING_SELECTORS: ReadonlySet<string> = new Set(['iifname', 'oifname', 'meta ibrname', 'meta obrname', 'ct helper']);

function styleFor(left: NftOperand): ValueStyle {
  if (left.selectors.length !== 1) return 'plain';
  const only = left.selectors[0];
  if (isMarkSelector(only)) return 'mark';
  return STRING_SELECTORS.has(only) ? 'string' : 'plain';
}

/** A right-hand value, printed as nft prints it next to a selector of the given style. */
function value(expr: Json, style: ValueStyle = 'plain'): Rendered<NftValue> {
  if (typeof expr === 'number') {
    const text = style === 'mark' ? formatMark(expr) : String(expr);
    return { value: { kind: 'literal', text }, text };
  }
  if (typeof expr === 'string') {
    if (expr.startsWith('@')) return { value: { kind: 'setref', name: expr.slice(1) }, text: expr };
    const bare = style !== 'string' && /^[\w.:/-]+$/.test(expr);
    return { value: { kind: 'literal', text: expr }, text: bare ? expr : quote(expr) };
  }
  if (typeof expr === 'boolean') {
    const text = expr ? 'exists' : 'missing';
    return { value: { kind: 'literal', text }, text };
  }
  if (Array.isArray(expr)) {
    // A list of flag values, e.g. ct state ["established", "related"].
    const parts = expr.map((e) => value(e, style));
    return { value: { kind: 'set', elements: parts.map((p) => p.value) }, text: parts.map((p) => p.text).join(',') };
  }
  if (!isObject(expr)) unsupported();
  const kind = onlyKey(expr);
  const body = kind === null ? undefined : expr[kind];
  switch (kind) {
    case 'prefix': {
      if (!isObject(body)) unsupported();
      const address = str(body.addr);
      const length = num(body.len);
      if (address === null || length === null) unsupported();
      return { value: { kind: 'prefix', address, length }, text: `${address}/${length}` };
    }
    case 'range': {
      if (!Array.isArray(body) || body.length !== 2) unsupported();
      const from = value(body[0], style);
      const to = value(body[1], style);
      return { value: { kind: 'range', from: from.text, to: to.text }, text: `${from.text}-${to.text}` };
    }
    case 'concat': {
      if (!Array.isArray(body)) unsupported();
      const parts = body.map((p) => value(p, style));
      return { value: { kind: 'concat', parts: parts.map((p) => p.value) }, text: parts.map((p) => p.text).join(' . ') };
    }
    case 'set': {
      const items = Array.isArray(body) ? body : [body ?? null];
      const parts = items.map((p) => value(p, style));
      return { value: { kind: 'set', elements: parts.map((p) => p.value) }, text: `{ ${parts.map((p) => p.text).join(', ')} }` };
    }
    case 'elem': {
      if (!isObject(body)) unsupported();
      return value(body.val ?? null, style);
    }
    default:
      return unsupported();
  }
}

/** A verdict object (`{"jump": {"target": "x"}}`, `{"accept": null}`), or null if it is not one. */
function verdictOf(expr: Json): NftVerdict | null {
  if (!isObject(expr)) return null;
  const kind = onlyKey(expr);
  if (kind === null || !isVerdictKind(kind) || kind === 'reject' || kind === 'queue') return null;
  if (kind === 'jump' || kind === 'goto') {
    const body = expr[kind];
    const target = isObject(body) ? str(body.target) : null;
    return target === null ? null : verdict(kind, target);
  }
  return verdict(kind);
}

/** Set/map elements: plain values, or `[key, data]` pairs for maps. */
function elements(items: Json | undefined): Rendered<NftMapElement[]> {
  const list = Array.isArray(items) ? items : items === undefined ? [] : [items];
  const out: NftMapElement[] = [];
  const texts: string[] = [];
  for (const item of list) {
    if (Array.isArray(item) && item.length === 2) {
      const key = value(item[0]);
      const v = verdictOf(item[1]);
      const data = v === null ? value(item[1]) : null;
      out.push({ key: key.value, verdict: v, value: data?.value ?? null });
      texts.push(`${key.text} : ${v !== null ? verdictText(v) : data?.text}`);
    } else {
      const key = value(item);
      out.push({ key: key.value, verdict: null, value: null });
      texts.push(key.text);
    }
  }
  return { value: out, text: `{ ${texts.join(', ')} }` };
}

function mapRef(data: Json | undefined): Rendered<NftMapRef> {
  if (typeof data === 'string' && data.startsWith('@')) return { value: { kind: 'named', name: data.slice(1) }, text: data };
  if (isObject(data) && onlyKey(data) === 'set') {
    const inline = elements(data.set);
    return { value: { kind: 'inline', elements: inline.value }, text: inline.text };
  }
  return unsupported();
}

// ---------------------------------------------------------------------------------------------
// Statements

const OPS: ReadonlyMap<string, NftOp> = new Map([
  ['==', '=='], ['!=', '!='], ['<', '<'], ['>', '>'], ['<=', '<='], ['>=', '>='], ['in', '=='],
]);

function flagList(v: Json | undefined): string[] {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((f): f is string => typeof f === 'string') : [];
}

// The reject nft uses when none is given, per family; nft does not print it.
const DEFAULT_REJECT: Readonly<Record<string, string>> = {
  ip: 'icmp port-unreachable',
  ip6: 'icmpv6 port-unreachable',
  inet: 'icmpx port-unreachable',
  bridge: 'icmpx port-unreachable',
  netdev: 'icmpx port-unreachable',
};

function rejectArgument(fields: JsonObject, family: string): string | null {
  const type = str(fields.type);
  if (type === null) return null;
  const code = str(fields.expr);
  const spelled = code === null ? type : `${type} ${code}`;
  return spelled === DEFAULT_REJECT[family] ? null : `with ${spelled}`;
}

function statement(stmt: JsonObject, family: string): NftStatement {
  const kind = onlyKey(stmt);
  if (kind === null) return unsupported();
  const body = stmt[kind];
  const fields = isObject(body) ? body : {};
  switch (kind) {
    case 'match':
      return match(fields);
    case 'counter': {
      const packets = num(fields.packets);
      const bytes = num(fields.bytes);
      if (packets === null || bytes === null) {
        const name = str(body);
        return { kind: 'passive', text: name === null ? 'counter' : `counter name ${quote(name)}` };
      }
      return { kind: 'counter', packets, bytes, text: `counter packets ${packets} bytes ${bytes}` };
    }
    case 'accept':
    case 'drop':
    case 'continue':
    case 'return':
    case 'jump':
    case 'goto': {
      const v = verdictOf(stmt);
      return v === null ? unsupported() : { kind: 'verdict', verdict: v, text: verdictText(v) };
    }
    case 'reject': {
      const v = verdict('reject', null, rejectArgument(fields, family));
      return { kind: 'verdict', verdict: v, text: verdictText(v) };
    }
    case 'queue': {
      const num_ = fields.num;
      const argument = num_ === undefined ? null : `num ${value(num_).text}`;
      const v = verdict('queue', null, argument);
      return { kind: 'verdict', verdict: v, text: verdictText(v) };
    }
    case 'mangle':
      return mangle(fields);
    case 'vmap': {
      const key = operand(fields.key ?? null);
      const map = mapRef(fields.data);
      const text = `${key.text} vmap ${map.text}`;
      const ng = isObject(fields.key) ? fields.key.numgen : undefined;
      if (isObject(ng)) {
        const mode = str(ng.mode);
        const mod = num(ng.mod);
        if ((mode === 'random' || mode === 'inc') && mod !== null) {
          return { kind: 'numgen-vmap', mode, mod, offset: num(ng.offset) ?? 0, map: map.value, text };
        }
      }
      return { kind: 'vmap', key: key.value, map: map.value, text };
    }
    case 'dnat':
    case 'snat':
    case 'masquerade':
    case 'redirect':
      return nat(kind, fields);
    case 'log':
      return { kind: 'passive', text: logText(fields) };
    case 'limit':
      return { kind: 'passive', text: limitText(fields) };
    case 'set': {
      const op = str(fields.op);
      const set = str(fields.set);
      if (op === null || set === null) unsupported();
      return { kind: 'passive', text: `${op} ${set} { ${operand(fields.elem ?? null).text} }` };
    }
    case 'notrack':
      return { kind: 'passive', text: 'notrack' };
    case 'xt': {
      // iptables-nft extensions: the JSON carries only the type and name.
      const text = `xt ${str(fields.type) ?? '?'} ${str(fields.name) ?? '?'}`;
      return { kind: 'unknown', text };
    }
    default:
      return unsupported();
  }
}

function match(fields: JsonObject): NftStatement {
  const op = OPS.get(str(fields.op) ?? '');
  if (op === undefined) unsupported();
  const left = operand(fields.left ?? null);
  const right = value(fields.right ?? null, styleFor(left.value));
  // nft omits `==` unless the left side is a bitwise expression.
  const opText = op !== '==' ? `${op} ` : left.value.mask !== null ? '== ' : '';
  return { kind: 'match', left: left.value, op, right: right.value, text: `${left.text} ${opText}${right.text}` };
}

const MARK_BINOPS: ReadonlyMap<string, 'or' | 'xor' | 'and'> = new Map([
  ['|', 'or'], ['^', 'xor'], ['&', 'and'],
]);

function mangle(fields: JsonObject): NftStatement {
  const target = selector(fields.key ?? null);
  const v = fields.value;
  if (target === 'meta mark' || target === 'ct mark') {
    if (typeof v === 'number') return { kind: 'mark-set', target, op: 'set', value: v, text: `${target} set ${formatMark(v)}` };
    const binop = isObject(v) ? onlyKey(v) : null;
    const op = binop === null ? undefined : MARK_BINOPS.get(binop);
    const pair = binop === null || !isObject(v) ? null : v[binop];
    if (op !== undefined && Array.isArray(pair) && pair.length === 2 && typeof pair[1] === 'number') {
      const from = selector(pair[0]);
      return { kind: 'mark-set', target, op, value: pair[1], text: `${target} set ${from} ${binop} ${formatMark(pair[1])}` };
    }
    // Copying one mark into the other (`meta mark set ct mark`) has no constant to record.
    return { kind: 'unknown', text: `${target} set ${isObject(v) ? selector(v) : JSON.stringify(v)}` };
  }
  return { kind: 'passive', text: `${target} set ${value(v ?? null).text}` };
}

function nat(type: 'dnat' | 'snat' | 'masquerade' | 'redirect', fields: JsonObject): NftStatement {
  const family = str(fields.family);
  const flags = [...flagList(fields.flags), ...flagList(fields.type_flags)];
  const flagText = flags.length > 0 ? ` ${flags.join(',')}` : '';
  const head = family !== null ? `${type} ${family}` : type;
  const addr = fields.addr;
  if ((type === 'dnat' || type === 'snat') && isObject(addr) && onlyKey(addr) === 'map') {
    const m = addr.map;
    if (!isObject(m)) unsupported();
    const key = operand(m.key ?? null);
    const map = mapRef(m.data);
    return { kind: 'nat-map', type, key: key.value, map: map.value, text: `${head} to ${key.text} map ${map.text}${flagText}` };
  }
  const address = addr === undefined ? null : value(addr).text;
  const port = fields.port === undefined ? null : value(fields.port).text;
  const target = address === null && port === null ? '' : ` to ${joinNatTarget(address, port)}`;
  return { kind: 'nat', type, address, port, flags, text: `${head}${target}${flagText}` };
}

function logText(fields: JsonObject): string {
  const parts = ['log'];
  const prefix = str(fields.prefix);
  if (prefix !== null) parts.push(`prefix ${quote(prefix)}`);
  const level = str(fields.level);
  if (level !== null) parts.push(`level ${level}`);
  for (const key of ['group', 'snaplen', 'queue-threshold']) {
    const n = num(fields[key]);
    if (n !== null) parts.push(`${key} ${n}`);
  }
  const flags = flagList(fields.flags);
  if (flags.length > 0) parts.push(`flags ${flags.join(',')}`);
  return parts.join(' ');
}

function limitText(fields: JsonObject): string {
  const rate = num(fields.rate);
  const per = str(fields.per) ?? 'second';
  const rateUnit = str(fields.rate_unit);
  const unit = rateUnit !== null && rateUnit !== 'packets' ? ` ${rateUnit}` : '';
  let text = `limit rate ${fields.inv === true ? 'over ' : ''}${rate ?? '?'}${unit}/${per}`;
  const burst = num(fields.burst);
  // nft leaves out the default burst of 5 packets.
  if (burst !== null && burst !== 0 && burst !== 5) text += ` burst ${burst} ${str(fields.burst_unit) ?? 'packets'}`;
  return text;
}

// ---------------------------------------------------------------------------------------------
// Ruleset

class JsonParser {
  private readonly sink = new IssueSink();
  private readonly tables = new Map<string, NftTable>();
  private readonly chains = new Map<string, NftChain>();
  /** The chain the last rule went to (nft lists a chain's rules one after the other); reset as chains are added. */
  private lastChain: { family: unknown; table: unknown; name: unknown; chain: NftChain | undefined } | null = null;
  /** xt stubs are reported once per distinct text: an iptables-nft ruleset repeats them on most rules */
  private readonly reportedXt = new Set<string>();

  constructor(private readonly file: string) {}

  /**
   * The items of `{"nftables": [ … ]}`, each parsed on its own from `[start, end, …]`
   * (singleArrayElements). Null when one is not valid JSON: then the whole text is for parse(),
   * which says where it is broken.
   */
  parseElements(text: string, elements: readonly number[]): ParseResult<NftRuleset> | null {
    for (let k = 0; k < elements.length; k += 2) {
      let item: Json;
      try {
        item = JSON.parse(text.slice(elements[k], elements[k + 1])) as Json;
      } catch {
        return null;
      }
      this.item(item, k / 2);
    }
    return this.result();
  }

  parse(text: string): ParseResult<NftRuleset> {
    let root: Json;
    try {
      root = JSON.parse(text) as Json;
    } catch (err) {
      this.sink.report('malformed-json', 0, err instanceof Error ? err.message : String(err), { severity: 'error', col: 0 });
      return this.result();
    }
    const items = isObject(root) ? root.nftables : undefined;
    if (!Array.isArray(items)) {
      this.sink.report('unexpected-shape', 0, 'no top-level "nftables" array', { severity: 'error', col: 0 });
      return this.result();
    }
    items.forEach((item, index) => this.item(item, index));
    return this.result();
  }

  private result(): ParseResult<NftRuleset> {
    return { value: { tables: [...this.tables.values()] }, issues: this.sink.issues };
  }

  private pointer(index: number): string {
    return `/nftables/${index}`;
  }

  private source(index: number): { file: string; line: number; pointer: string } {
    return { file: this.file, line: 0, pointer: this.pointer(index) };
  }

  private issue(code: 'unexpected-shape' | 'missing-field' | 'unknown-syntax' | 'unsupported-version', index: number, detail: string, severity: 'warning' | 'info' = 'warning'): void {
    this.sink.report(code, 0, `${this.pointer(index)}: ${detail}`, { severity, col: 0 });
  }

  private item(item: Json, index: number): void {
    const kind = isObject(item) ? onlyKey(item) : null;
    const body = kind === null || !isObject(item) ? undefined : item[kind];
    if (kind === null || !isObject(body)) {
      this.issue('unexpected-shape', index, JSON.stringify(item));
      return;
    }
    switch (kind) {
      case 'metainfo': {
        const version = num(body.json_schema_version);
        if (version !== null && version !== 1) this.issue('unsupported-version', index, `json_schema_version ${version}`);
        return;
      }
      case 'table':
        return this.table(body, index);
      case 'chain':
        return this.chain(body, index);
      case 'rule':
        return this.rule(body, index);
      case 'set':
      case 'map':
        return this.set(kind, body, index);
      default:
        // Flowtables and named stateful objects are valid output the model does not hold.
        this.issue('unknown-syntax', index, `${kind} ${str(body.name) ?? ''}`.trim(), 'info');
    }
  }

  private tableFor(body: JsonObject, index: number): NftTable | null {
    const table = this.tables.get(`${str(body.family)} ${str(body.table)}`);
    if (table === undefined) this.issue('missing-field', index, `unknown table ${str(body.family)} ${str(body.table)}`);
    return table ?? null;
  }

  private table(body: JsonObject, index: number): void {
    const family = str(body.family);
    const name = str(body.name);
    if (family === null || name === null || !isNftFamily(family)) {
      this.issue('missing-field', index, 'table without family or name');
      return;
    }
    this.tables.set(`${family} ${name}`, {
      family,
      name,
      comment: str(body.comment),
      chains: [],
      sets: [],
      source: this.source(index),
    });
  }

  private chain(body: JsonObject, index: number): void {
    const table = this.tableFor(body, index);
    const name = str(body.name);
    if (table === null) return;
    if (name === null) {
      this.issue('missing-field', index, 'chain without name');
      return;
    }
    const policy = str(body.policy);
    const dev = body.dev;
    const chain: NftChain = {
      name,
      type: str(body.type),
      hook: str(body.hook),
      priority: num(body.prio),
      device: Array.isArray(dev) ? flagList(dev).join(',') : str(dev),
      policy: policy === 'accept' || policy === 'drop' ? policy : null,
      comment: str(body.comment),
      rules: [],
      source: this.source(index),
    };
    table.chains.push(chain);
    this.chains.set(`${table.family} ${table.name} ${name}`, chain);
    this.lastChain = null;
  }

  private chainOf(body: JsonObject): NftChain | undefined {
    const last = this.lastChain;
    if (last !== null && last.name === body.chain && last.table === body.table && last.family === body.family) return last.chain;
    const chain = this.chains.get(`${str(body.family)} ${str(body.table)} ${str(body.chain)}`);
    this.lastChain = { family: body.family, table: body.table, name: body.chain, chain };
    return chain;
  }

  private rule(body: JsonObject, index: number): void {
    const chain = this.chainOf(body);
    if (chain === undefined) {
      this.issue('missing-field', index, `rule for unknown chain ${str(body.family)} ${str(body.table)} ${str(body.chain)}`);
      return;
    }
    const exprs = Array.isArray(body.expr) ? body.expr : [];
    const family = str(body.family) ?? '';
    const statements = exprs.map((expr, i) => this.statement(expr, family, index, i));
    const comment = str(body.comment);
    if (comment !== null) statements.push({ kind: 'comment', text: comment });
    const counterStmt = statements.find((s) => s.kind === 'counter');
    const texts = statements.map((s) => (s.kind === 'comment' ? `comment ${quote(s.text)}` : s.text));
    const rule: NftRule = {
      position: chain.rules.length,
      handle: num(body.handle),
      text: texts.join(' '),
      counter: counterStmt?.kind === 'counter' ? { packets: counterStmt.packets, bytes: counterStmt.bytes } : null,
      comment,
      statements,
      source: this.source(index),
    };
    chain.rules.push(rule);
  }

  /**
   * The statement of the `exprIndex`th expression of the rule at `index`. Its JSON text and its
   * pointer are built only for a statement that is not understood: a ruleset has hundreds of
   * thousands of the others.
   */
  private statement(expr: Json, family: string, index: number, exprIndex: number): NftStatement {
    const pointer = () => `${this.pointer(index)}/rule/expr/${exprIndex}`;
    const unknown = (): NftStatement => {
      const text = JSON.stringify(expr);
      this.sink.report('unknown-statement', 0, `${pointer()}: ${text}`, { col: 0 });
      return { kind: 'unknown', text };
    };
    if (!isObject(expr)) return unknown();
    try {
      const stmt = statement(expr, family);
      if (stmt.kind === 'unknown' && !this.reportedXt.has(stmt.text)) {
        this.reportedXt.add(stmt.text);
        this.sink.report('unknown-statement', 0, `${pointer()}: ${stmt.text}`, { col: 0, severity: 'info' });
      }
      return stmt;
    } catch (err) {
      if (!(err instanceof Unsupported)) throw err;
      return unknown();
    }
  }

  private set(kind: 'set' | 'map', body: JsonObject, index: number): void {
    const table = this.tableFor(body, index);
    const name = str(body.name);
    if (table === null) return;
    if (name === null) {
      this.issue('missing-field', index, `${kind} without name`);
      return;
    }
    const type = body.type;
    const data = body.map;
    let parsed: NftMapElement[] = [];
    try {
      parsed = elements(body.elem).value;
    } catch (err) {
      if (!(err instanceof Unsupported)) throw err;
      this.issue('unknown-syntax', index, `elements of ${kind} ${name}: ${JSON.stringify(body.elem)}`);
    }
    const set: NftSet = {
      name,
      kind,
      keyType: Array.isArray(type) ? flagList(type).join(' . ') : (str(type) ?? ''),
      dataType: Array.isArray(data) ? flagList(data).join(' . ') : str(data),
      flags: flagList(body.flags),
      comment: str(body.comment),
      elements: parsed,
      source: this.source(index),
    };
    table.sets.push(set);
  }
}

/** Parses `nft -j list ruleset` output. Never throws on bad input. */
export function parseNftJson(text: string, opts: RulesetParseOptions): ParseResult<NftRuleset> {
  // `nft -j` prints one object per table, chain, rule, …: read one at a time, each is garbage
  // once turned into the model, where a whole-document parse of a 200k-rule ruleset holds ~0.5 GB.
  const elements = singleArrayElements(text, 'nftables');
  const byElement = elements && new JsonParser(opts.file).parseElements(text, elements);
  const { value, issues } = byElement ?? new JsonParser(opts.file).parse(text);
  return { value: handOverRules(value, opts.receiver), issues };
}
