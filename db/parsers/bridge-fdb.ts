// `bridge -j fdb show` (JSON) and `bridge fdb show` (text) → FdbEntry[].
//
// On a flannel VXLAN device each entry maps a remote VTEP MAC to the node IP behind it
// (`5a:1f:… dev flannel.1 dst 192.168.28.10 self permanent`); on a bridge port it says which
// port a MAC was learnt on (`… dev veth… master cni0`). A learnt entry has no state (JSON `""`).

import type { FdbEntry, ParseResult } from '../../renderer/src/analysis/model';
import { JsonFields, jsonSource, parseUint, readJsonList, parseWordLines, reportLine, reportRest, textSource } from './common';
import { IssueSink, type ParseOptions } from './issues';

const FLAGS = new Set(['self', 'master', 'router', 'extern_learn', 'offload', 'sticky', 'use', 'added_by_user']);
const STATES = new Set(['permanent', 'static', 'stale']);
/** Keys followed by one value that the model does not keep. */
const SKIPPED_VALUE_KEYS = new Set(['port', 'vni', 'via', 'src_vni', 'nhid', 'used', 'updated']);

export function parseBridgeFdbJson(text: string, opts: ParseOptions): ParseResult<FdbEntry[]> {
  const sink = new IssueSink();
  const out: FdbEntry[] = [];
  for (const item of readJsonList(text, sink)) {
    const f = new JsonFields(item.value, item.pointer, sink);
    const mac = f.str('mac');
    const dev = f.str('ifname');
    if (mac === null || dev === null) {
      f.missing(mac === null ? 'mac' : 'ifname');
      continue;
    }
    const state = f.str('state');
    out.push({
      mac,
      dev,
      dst: f.str('dst'),
      master: f.str('master'),
      vlan: f.num('vlan'),
      flags: f.strArray('flags'),
      state: state === '' ? null : state,
      source: jsonSource(opts, item.pointer),
    });
  }
  return { value: out, issues: sink.issues };
}

export function parseBridgeFdbText(text: string, opts: ParseOptions): ParseResult<FdbEntry[]> {
  return parseWordLines(text, (ws, line, lineNo, sink) => {
    const e: FdbEntry = {
      mac: ws[0].text,
      dev: '',
      dst: null,
      master: null,
      vlan: null,
      flags: [],
      state: null,
      source: textSource(opts, lineNo),
    };
    for (let k = 1; k < ws.length; k++) {
      const key = ws[k].text;
      const value = ws[k + 1]?.text;
      if (key === 'master' && value !== undefined) e.master = ws[++k].text;
      else if (FLAGS.has(key)) e.flags.push(key);
      else if (STATES.has(key)) e.state = key;
      else if (key === 'dev' && value !== undefined) e.dev = ws[++k].text;
      else if (key === 'dst' && value !== undefined) e.dst = ws[++k].text;
      else if (key === 'vlan' && value !== undefined) e.vlan = parseUint(ws[++k].text);
      else if (SKIPPED_VALUE_KEYS.has(key) && value !== undefined) k++;
      else {
        reportRest(sink, lineNo, line, ws[k]);
        break;
      }
    }
    if (e.dev !== '') return e;
    reportLine(sink, lineNo, line);
    return null;
  });
}
