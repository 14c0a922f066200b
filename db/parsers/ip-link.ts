// `ip -d -j link show` (JSON) and `ip [-d] link show` (text) → NetInterface[].
//
// The veth correlation depends on three facts per interface: its peer's ifindex (`@ifN` in text,
// `link_index` in JSON), the peer's namespace (`link-netns NAME` / `link-netnsid N` in text,
// `link_netnsid` in JSON) and its bridge (`master`). A parent given by name (`v1@v0`, JSON
// `link`) is resolved to an ifindex when that interface is in the same output.

import type { NetInterface, ParseResult, VxlanInfo } from '../../renderer/src/analysis/model';
import {
  JsonFields,
  readJsonList,
  reportLine,
  reportRest,
  splitLines,
  textSource,
  jsonSource,
  words,
  parseUint,
  type Word,
} from './common';
import { IssueSink, type ParseOptions } from './issues';

function defaultKind(flags: string[]): string {
  return flags.includes('LOOPBACK') ? 'loopback' : 'device';
}

/** Fills peerIfindex from a parent name once every interface of the output is known. */
function resolveParents(list: NetInterface[], parents: Map<NetInterface, string>): void {
  if (parents.size === 0) return;
  const byName = new Map(list.map((i) => [i.name, i.ifindex]));
  for (const [iface, parent] of parents) iface.peerIfindex = byName.get(parent) ?? null;
}

export function parseIpLinkJson(text: string, opts: ParseOptions): ParseResult<NetInterface[]> {
  const sink = new IssueSink();
  const out: NetInterface[] = [];
  const parents = new Map<NetInterface, string>();
  for (const item of readJsonList(text, sink)) {
    const f = new JsonFields(item.value, item.pointer, sink);
    const ifindex = f.num('ifindex');
    const name = f.str('ifname');
    if (ifindex === null || name === null) {
      f.missing(ifindex === null ? 'ifindex' : 'ifname');
      continue;
    }
    const flags = f.strArray('flags');
    const linkinfo = f.object('linkinfo');
    const kind = linkinfo?.str('info_kind') ?? defaultKind(flags);
    const data = linkinfo?.object('info_data') ?? null;
    const iface: NetInterface = {
      ifindex,
      name,
      kind,
      mtu: f.num('mtu'),
      mac: f.str('address'),
      state: f.str('operstate'),
      flags,
      master: f.str('master'),
      peerIfindex: f.num('link_index'),
      linkNetnsName: null,
      linkNetnsId: f.num('link_netnsid'),
      vxlan: kind === 'vxlan' ? vxlanFromJson(data) : null,
      source: jsonSource(opts, item.pointer),
    };
    const parent = f.str('link');
    if (iface.peerIfindex === null && parent !== null) parents.set(iface, parent);
    out.push(iface);
  }
  resolveParents(out, parents);
  return { value: out, issues: sink.issues };
}

/** A unicast `remote` is reported as `group`: either is where unknown destinations are sent. */
function vxlanFromJson(data: JsonFields | null): VxlanInfo {
  return {
    id: data?.num('id') ?? null,
    local: data?.str('local') ?? data?.str('local6') ?? null,
    group: data?.str('group') ?? data?.str('group6') ?? data?.str('remote') ?? data?.str('remote6') ?? null,
    port: data?.num('port') ?? null,
    dev: data?.str('link') ?? null,
  };
}

/** `N: name[@parent]: <FLAGS> rest` — the first line of each interface in `ip link` / `ip addr`. */
export const IP_LINK_HEADER = /^(\d+):\s+([^\s@:]+)(?:@([^\s:]+))?:\s+<([^>]*)>(.*)$/;

/** Continuation lines that are neither a link kind nor its slave kind. */
const NOT_A_KIND = new Set(['altname', 'alias', 'vf']);

/** Header keys followed by one value; `mtu`, `master`, `state` are kept, the rest only skipped. */
const HEADER_KEYS = new Set(['mtu', 'qdisc', 'master', 'state', 'mode', 'group', 'qlen', 'link-netnsid', 'portid', 'parentbus', 'parentdev']);

export function parseIpLinkText(text: string, opts: ParseOptions): ParseResult<NetInterface[]> {
  const sink = new IssueSink();
  const out: NetInterface[] = [];
  const parents = new Map<NetInterface, string>();
  const lines = splitLines(text);
  let cur: NetInterface | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const lineNo = i + 1;
    if (line.trim() === '') continue;
    if (!/^\s/.test(line)) {
      cur = null;
      const m = IP_LINK_HEADER.exec(line);
      if (!m) {
        reportLine(sink, lineNo, line);
        continue;
      }
      cur = headerRecord(m, lineNo, line, opts, sink, parents);
      out.push(cur);
      continue;
    }
    if (cur === null) {
      reportLine(sink, lineNo, line);
      continue;
    }
    continuation(cur, words(line), lineNo, line, sink);
  }
  resolveParents(out, parents);
  return { value: out, issues: sink.issues };
}

function headerRecord(
  m: RegExpExecArray,
  lineNo: number,
  line: string,
  opts: ParseOptions,
  sink: IssueSink,
  parents: Map<NetInterface, string>,
): NetInterface {
  const flags = m[4] === '' ? [] : m[4].split(',');
  const iface: NetInterface = {
    ifindex: Number(m[1]),
    name: m[2],
    kind: defaultKind(flags),
    mtu: null,
    mac: null,
    state: null,
    flags,
    master: null,
    peerIfindex: null,
    linkNetnsName: null,
    linkNetnsId: null,
    vxlan: null,
    source: textSource(opts, lineNo),
  };
  const parent = m[3];
  if (parent !== undefined && parent !== 'NONE') {
    const ifN = /^if(\d+)$/.exec(parent);
    if (ifN) iface.peerIfindex = Number(ifN[1]);
    else parents.set(iface, parent);
  }
  const restCol = line.length - m[5].length;
  const ws = words(m[5]).map((w) => ({ text: w.text, col: w.col + restCol }));
  for (let k = 0; k < ws.length; k += 2) {
    const key = ws[k].text;
    const value = ws[k + 1]?.text;
    if (!HEADER_KEYS.has(key) || value === undefined) {
      reportRest(sink, lineNo, line, ws[k]);
      break;
    }
    if (key === 'mtu') iface.mtu = parseUint(value);
    else if (key === 'master') iface.master = value;
    else if (key === 'state') iface.state = value;
    else if (key === 'link-netnsid') iface.linkNetnsId = parseUint(value);
  }
  return iface;
}

function continuation(iface: NetInterface, ws: Word[], lineNo: number, line: string, sink: IssueSink): void {
  const first = ws[0].text;
  if (first.startsWith('link/')) {
    linkLine(iface, ws);
    return;
  }
  if (first.endsWith('_slave') || NOT_A_KIND.has(first)) return;
  if (first === 'vxlan') {
    iface.kind = 'vxlan';
    iface.vxlan = vxlanFromText(ws);
    return;
  }
  if (/^[a-z][a-z0-9_]*$/.test(first) && iface.kind === defaultKind(iface.flags)) {
    iface.kind = first;
    return;
  }
  reportLine(sink, lineNo, line);
}

function linkLine(iface: NetInterface, ws: Word[]): void {
  const type = ws[0].text.slice('link/'.length);
  const addr = ws[1]?.text;
  if (type !== 'none' && addr !== undefined && /^[0-9a-f:.]+$/i.test(addr)) iface.mac = addr;
  for (let k = 1; k < ws.length - 1; k++) {
    const key = ws[k].text;
    if (key === 'link-netns') iface.linkNetnsName = ws[k + 1].text;
    else if (key === 'link-netnsid') iface.linkNetnsId = parseUint(ws[k + 1].text);
  }
}

function vxlanFromText(ws: Word[]): VxlanInfo {
  const info: VxlanInfo = { id: null, local: null, group: null, port: null, dev: null };
  for (let k = 1; k < ws.length - 1; k++) {
    const key = ws[k].text;
    const value = ws[k + 1].text;
    if (key === 'id') info.id = parseUint(value);
    else if (key === 'local') info.local = value;
    else if (key === 'group' || key === 'remote') info.group = value;
    else if (key === 'dstport') info.port = parseUint(value);
    else if (key === 'dev') info.dev = value;
  }
  return info;
}
