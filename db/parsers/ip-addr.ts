// `ip -j addr show` (JSON) and `ip addr show` (text) → NetAddress[].

import type { NetAddress, ParseResult } from '../../renderer/src/analysis/model';
import { isObject, JsonFields, jsonSource, readJsonList, reportLine, splitLines, textSource, words, type Word } from './common';
import { IP_LINK_HEADER } from './ip-link';
import { IssueSink, type ParseOptions } from './issues';

function fullLength(family: 'inet' | 'inet6'): number {
  return family === 'inet' ? 32 : 128;
}

export function parseIpAddrJson(text: string, opts: ParseOptions): ParseResult<NetAddress[]> {
  const sink = new IssueSink();
  const out: NetAddress[] = [];
  for (const item of readJsonList(text, sink)) {
    const f = new JsonFields(item.value, item.pointer, sink);
    const ifname = f.str('ifname');
    if (ifname === null) {
      f.missing('ifname');
      continue;
    }
    const ifindex = f.num('ifindex');
    const info = item.value.addr_info;
    if (info === undefined) continue;
    if (!Array.isArray(info)) {
      sink.report('unexpected-shape', 1, `${item.pointer}/addr_info: ${JSON.stringify(info)}`);
      continue;
    }
    info.forEach((raw: unknown, k) => {
      const pointer = `${item.pointer}/addr_info/${k}`;
      if (!isObject(raw)) {
        sink.report('unexpected-shape', 1, `${pointer}: ${JSON.stringify(raw)}`);
        return;
      }
      const a = new JsonFields(raw, pointer, sink);
      const family = a.str('family');
      const address = a.str('local');
      if ((family !== 'inet' && family !== 'inet6') || address === null) {
        // other families (e.g. `mpls`, `link`) carry no IP address
        sink.report('unexpected-shape', 1, `${pointer}: ${JSON.stringify(raw)}`, { severity: 'info' });
        return;
      }
      out.push({
        ifname,
        ifindex,
        family,
        address,
        prefixLen: a.num('prefixlen') ?? fullLength(family),
        scope: a.str('scope'),
        source: jsonSource(opts, pointer),
      });
    });
  }
  return { value: out, issues: sink.issues };
}

/** Continuation lines that carry nothing for the model. */
const SKIPPED = /^\s+(link\/|valid_lft |altname |alias )/;

export function parseIpAddrText(text: string, opts: ParseOptions): ParseResult<NetAddress[]> {
  const sink = new IssueSink();
  const out: NetAddress[] = [];
  const lines = splitLines(text);
  let ifname: string | null = null;
  let ifindex: number | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const lineNo = i + 1;
    if (line.trim() === '') continue;
    if (!/^\s/.test(line)) {
      const m = IP_LINK_HEADER.exec(line);
      ifname = m ? m[2] : null;
      ifindex = m ? Number(m[1]) : null;
      if (!m) reportLine(sink, lineNo, line);
      continue;
    }
    if (SKIPPED.test(line)) continue;
    const ws = words(line);
    const family = ws[0].text;
    if (ifname === null || (family !== 'inet' && family !== 'inet6') || ws.length < 2) {
      reportLine(sink, lineNo, line);
      continue;
    }
    out.push({
      ifname,
      ifindex,
      family,
      ...addressAndPrefix(ws, family),
      scope: valueAfter(ws, 'scope'),
      source: textSource(opts, lineNo),
    });
  }
  return { value: out, issues: sink.issues };
}

/** `inet 10.0.0.1/24 …`, or a point-to-point `inet 10.9.0.1 peer 10.9.0.2/32 …`. */
function addressAndPrefix(ws: Word[], family: 'inet' | 'inet6'): { address: string; prefixLen: number } {
  const [address, len] = ws[1].text.split('/');
  if (len !== undefined) return { address, prefixLen: Number(len) };
  const peerLen = valueAfter(ws, 'peer')?.split('/')[1];
  return { address, prefixLen: peerLen !== undefined ? Number(peerLen) : fullLength(family) };
}

function valueAfter(ws: Word[], key: string): string | null {
  for (let k = 2; k < ws.length - 1; k++) if (ws[k].text === key) return ws[k + 1].text;
  return null;
}
