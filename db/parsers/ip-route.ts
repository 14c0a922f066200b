// `ip [-6] -j route show table all` (JSON) and `ip [-6] route show table all` (text) → Route[].
//
// Defaults follow iproute2, which omits them when printing: table `main`, type `unicast`. A bare
// destination address is a host route and becomes /32 or /128. The family is read from the
// addresses; a `default` route without any address is IPv6 when it carries `pref` (printed for
// IPv6 routes only). A multipath route becomes one Route per `nexthop`, each flagged `multipath`.

import type { ParseResult, Route } from '../../renderer/src/analysis/model';
import {
  familyOf,
  isObject,
  JsonFields,
  jsonSource,
  normaliseCidr,
  parseUint,
  readJsonList,
  reportLine,
  reportRest,
  splitLines,
  textSource,
  words,
  type Word,
} from './common';
import { IssueSink, type ParseOptions } from './issues';

const ROUTE_TYPES = new Set([
  'unicast',
  'local',
  'broadcast',
  'multicast',
  'anycast',
  'blackhole',
  'unreachable',
  'prohibit',
  'throw',
  'nat',
]);

function routeFamily(dst: string, addresses: (string | null)[], hasPref: boolean): 'inet' | 'inet6' {
  if (dst !== 'default') return familyOf(dst);
  for (const a of addresses) if (a !== null) return familyOf(a);
  return hasPref ? 'inet6' : 'inet';
}

export function parseIpRouteJson(text: string, opts: ParseOptions): ParseResult<Route[]> {
  const sink = new IssueSink();
  const out: Route[] = [];
  for (const item of readJsonList(text, sink)) {
    const f = new JsonFields(item.value, item.pointer, sink);
    const dst = f.str('dst');
    if (dst === null) {
      f.missing('dst');
      continue;
    }
    const gateway = jsonGateway(f);
    const prefsrc = f.str('prefsrc');
    const route: Route = {
      family: routeFamily(dst, [gateway, prefsrc], f.has('pref')),
      table: f.str('table') ?? 'main',
      type: f.str('type') ?? 'unicast',
      dst: normaliseCidr(dst),
      gateway,
      dev: f.str('dev'),
      protocol: f.str('protocol'),
      scope: f.str('scope'),
      prefsrc,
      metric: f.num('metric'),
      flags: f.strArray('flags'),
      source: jsonSource(opts, item.pointer),
    };
    const nexthops = item.value.nexthops;
    if (!Array.isArray(nexthops)) {
      if (nexthops !== undefined) sink.report('unexpected-shape', 1, `${item.pointer}/nexthops: ${JSON.stringify(nexthops)}`);
      out.push(route);
      continue;
    }
    nexthops.forEach((raw: unknown, k) => {
      const pointer = `${item.pointer}/nexthops/${k}`;
      if (!isObject(raw)) {
        sink.report('unexpected-shape', 1, `${pointer}: ${JSON.stringify(raw)}`);
        return;
      }
      const nh = new JsonFields(raw, pointer, sink);
      out.push({
        ...route,
        gateway: jsonGateway(nh),
        dev: nh.str('dev'),
        flags: [...route.flags, ...nh.strArray('flags'), 'multipath'],
        source: jsonSource(opts, pointer),
      });
    });
  }
  return { value: out, issues: sink.issues };
}

/** `"gateway": "10.0.0.1"`, or `"via": {"family": "inet6", "host": "fe80::1"}` across families. */
function jsonGateway(f: JsonFields): string | null {
  return f.str('gateway') ?? f.object('via')?.str('host') ?? null;
}

/** Keys followed by one value that the model does not keep. */
const SKIPPED_VALUE_KEYS = new Set([
  'pref',
  'advmss',
  'expires',
  'nhid',
  'weight',
  'realms',
  'tos',
  'dsfield',
  'from',
  'error',
  'hoplimit',
  'initcwnd',
  'initrwnd',
  'features',
  'congctl',
  'rtt',
  'rttvar',
  'rto_min',
  'ssthresh',
  'cwnd',
  'window',
  'reordering',
  'quickack',
  'fastopen_no_cookie',
  'ttl-propagate',
]);

/** Keys that stand alone and are kept in `flags`. */
const FLAG_KEYS = new Set([
  'onlink',
  'pervasive',
  'linkdown',
  'dead',
  'offload',
  'trap',
  'notify',
  'rt_offload',
  'rt_trap',
  'rt_offload_failed',
  'unresolved',
  'cache',
]);

interface Hop {
  gateway: string | null;
  dev: string | null;
  flags: string[];
}

/**
 * Reads `key value` pairs from `ws[from]` on into `route` (or into a nexthop). Unknown keys end
 * the line: they and what follows are kept in an issue.
 */
function readKeys(
  ws: Word[],
  from: number,
  target: Hop & Partial<Route>,
  lineNo: number,
  line: string,
  sink: IssueSink,
): boolean {
  let sawPref = false;
  for (let k = from; k < ws.length; k++) {
    const key = ws[k].text;
    if (FLAG_KEYS.has(key)) {
      target.flags.push(key);
      continue;
    }
    let value = ws[k + 1]?.text;
    if (key === 'via' && (value === 'inet' || value === 'inet6')) value = ws[++k + 1]?.text;
    if (key === 'mtu' && value === 'lock') value = ws[++k + 1]?.text;
    if (value === undefined) {
      reportRest(sink, lineNo, line, ws[k]);
      break;
    }
    if (key === 'via') target.gateway = value;
    else if (key === 'dev') target.dev = value;
    else if (key === 'table') target.table = value;
    else if (key === 'proto') target.protocol = value;
    else if (key === 'scope') target.scope = value;
    else if (key === 'src') target.prefsrc = value;
    else if (key === 'metric') target.metric = parseUint(value);
    else if (key === 'mtu' || SKIPPED_VALUE_KEYS.has(key)) sawPref ||= key === 'pref';
    else {
      reportRest(sink, lineNo, line, ws[k]);
      break;
    }
    k++;
  }
  return sawPref;
}

export function parseIpRouteText(text: string, opts: ParseOptions): ParseResult<Route[]> {
  const sink = new IssueSink();
  const out: Route[] = [];
  const lines = splitLines(text);
  // the last route line, where its `nexthop` lines go, and how many of them were seen
  let multipath: { route: Route; index: number; count: number } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const lineNo = i + 1;
    const ws = words(line);
    if (ws.length === 0) continue;
    if (ws[0].text === 'nexthop') {
      if (multipath === null) {
        reportLine(sink, lineNo, line);
        continue;
      }
      const hop: Hop = { gateway: null, dev: null, flags: [] };
      readKeys(ws, 1, hop, lineNo, line, sink);
      const base = multipath.route;
      const route: Route = {
        ...base,
        gateway: hop.gateway,
        dev: hop.dev,
        flags: [...base.flags, ...hop.flags, 'multipath'],
        source: textSource(opts, lineNo),
      };
      if (hop.gateway !== null && base.dst === 'default' && familyOf(hop.gateway) === 'inet6') route.family = 'inet6';
      if (multipath.count === 0) out[multipath.index] = route;
      else out.push(route);
      multipath.count++;
      continue;
    }
    multipath = null;
    if (/^\s/.test(line)) {
      reportLine(sink, lineNo, line);
      continue;
    }
    const typed = ROUTE_TYPES.has(ws[0].text);
    const dstWord = typed ? ws[1] : ws[0];
    if (dstWord === undefined) {
      reportLine(sink, lineNo, line);
      continue;
    }
    const route: Route = {
      family: 'inet',
      table: 'main',
      type: typed ? ws[0].text : 'unicast',
      dst: normaliseCidr(dstWord.text),
      gateway: null,
      dev: null,
      protocol: null,
      scope: null,
      prefsrc: null,
      metric: null,
      flags: [],
      source: textSource(opts, lineNo),
    };
    const sawPref = readKeys(ws, typed ? 2 : 1, route, lineNo, line, sink);
    route.family = routeFamily(dstWord.text, [route.gateway, route.prefsrc], sawPref);
    multipath = { route, index: out.length, count: 0 };
    out.push(route);
  }
  return { value: out, issues: sink.issues };
}
