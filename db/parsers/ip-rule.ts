// `ip -j rule show` (JSON) and `ip rule show` (text) → IpRule[].
//
// `from all` becomes src null (any source); a bare address becomes /32 or /128; `fwmark` keeps
// its mask as `0x1000/0x1000` (no mask when it is the full 0xffffffff). The action is `lookup`
// when the rule names a table, otherwise what iproute2 prints (`prohibit`, `blackhole`, …).
// Selectors the model has no field for (uidrange, suppress_prefixlength, ipproto, ports, goto
// targets, …) are reported with their text so they are never silently lost.

import type { IpRule, ParseResult } from '../../renderer/src/analysis/model';
import {
  familyOf,
  JsonFields,
  jsonSource,
  normaliseCidr,
  readJsonList,
  reportLine,
  reportRest,
  splitLines,
  textSource,
  words,
} from './common';
import { IssueSink, type ParseOptions } from './issues';

const ACTIONS = new Set(['blackhole', 'unreachable', 'prohibit', 'nop']);

/** Printed attributes with no effect on which packets match or where they are looked up. */
const IGNORED_JSON_KEYS = new Set(['protocol']);
const KNOWN_JSON_KEYS = new Set([
  'priority',
  'not',
  'src',
  'srclen',
  'dst',
  'dstlen',
  'fwmark',
  'fwmask',
  'iif',
  'oif',
  'table',
  'action',
]);

function selector(addr: string | null, len: number | null): string | null {
  if (addr === null || addr === 'all') return null;
  return len !== null ? `${addr}/${len}` : normaliseCidr(addr);
}

function ruleFamily(src: string | null, dst: string | null): 'inet' | 'inet6' {
  const addr = src ?? dst;
  return addr !== null ? familyOf(addr) : 'inet';
}

function fwmark(mark: string | null, mask: string | null): string | null {
  if (mark === null) return null;
  return mask === null || mask === '0xffffffff' ? mark : `${mark}/${mask}`;
}

export function parseIpRuleJson(text: string, opts: ParseOptions): ParseResult<IpRule[]> {
  const sink = new IssueSink();
  const out: IpRule[] = [];
  for (const item of readJsonList(text, sink)) {
    const f = new JsonFields(item.value, item.pointer, sink);
    const priority = f.num('priority');
    if (priority === null) {
      f.missing('priority');
      continue;
    }
    for (const [key, value] of Object.entries(item.value)) {
      if (!KNOWN_JSON_KEYS.has(key) && !IGNORED_JSON_KEYS.has(key)) {
        sink.report('unknown-syntax', 1, `${item.pointer}/${key}: ${JSON.stringify(value)}`, { severity: 'info' });
      }
    }
    const src = selector(f.str('src'), f.num('srclen'));
    const dst = selector(f.str('dst'), f.num('dstlen'));
    const table = f.str('table');
    out.push({
      family: ruleFamily(src, dst),
      priority,
      src,
      dst,
      fwmark: fwmark(f.str('fwmark'), f.str('fwmask')),
      iif: f.str('iif'),
      oif: f.str('oif'),
      table,
      action: f.str('action') ?? (table !== null ? 'lookup' : 'unknown'),
      // iproute2 prints `"not": null` for a negated rule: presence is what counts
      not: f.has('not'),
      source: jsonSource(opts, item.pointer),
    });
  }
  return { value: out, issues: sink.issues };
}

const RULE_LINE = /^(\d+):\s+(.*)$/;

export function parseIpRuleText(text: string, opts: ParseOptions): ParseResult<IpRule[]> {
  const sink = new IssueSink();
  const out: IpRule[] = [];
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const lineNo = i + 1;
    if (line.trim() === '') continue;
    const m = RULE_LINE.exec(line);
    if (!m) {
      reportLine(sink, lineNo, line);
      continue;
    }
    const rule: IpRule = {
      family: 'inet',
      priority: Number(m[1]),
      src: null,
      dst: null,
      fwmark: null,
      iif: null,
      oif: null,
      table: null,
      action: 'unknown',
      not: false,
      source: textSource(opts, lineNo),
    };
    const offset = line.length - m[2].length;
    const ws = words(m[2]).map((w) => ({ text: w.text, col: w.col + offset }));
    for (let k = 0; k < ws.length; k++) {
      const key = ws[k].text;
      if (key === 'not') {
        rule.not = true;
        continue;
      }
      if (ACTIONS.has(key)) {
        rule.action = key;
        continue;
      }
      if (key === '[detached]') continue;
      const value = ws[k + 1]?.text;
      if (value === undefined || !['from', 'to', 'fwmark', 'iif', 'oif', 'lookup', 'table'].includes(key)) {
        reportRest(sink, lineNo, line, ws[k]);
        break;
      }
      if (key === 'from') rule.src = selector(value, null);
      else if (key === 'to') rule.dst = selector(value, null);
      else if (key === 'fwmark') rule.fwmark = value;
      else if (key === 'iif') rule.iif = value;
      else if (key === 'oif') rule.oif = value;
      else {
        rule.table = value;
        rule.action = 'lookup';
      }
      k++;
    }
    rule.family = ruleFamily(rule.src, rule.dst);
    out.push(rule);
  }
  return { value: out, issues: sink.issues };
}
