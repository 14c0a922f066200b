// The Trace form's fields → a FlowSpec, with one readable reason when they do not make one.

import type { FlowSpec, Protocol } from '../analysis/trace/types';
import { parseIp } from './ip';

export interface FlowForm {
  from: string;
  /** `IP:PORT`, `IP:PORT/PROTO`, or `[v6]:PORT` */
  to: string;
  protocol: Protocol;
  node: string;
}

export type ParsedFlow = { ok: true; flow: FlowSpec } | { ok: false; error: string };

const PROTOCOLS: readonly string[] = ['tcp', 'udp', 'sctp'];

export function parseFlowForm(form: FlowForm): ParsedFlow {
  const to = form.to.trim();
  const m = /^(?:\[([^\]]+)\]|([^:/\s]+)):(\d{1,5})(?:\/([a-zA-Z]+))?$/.exec(to);
  if (!m) return { ok: false, error: 'To: expects IP:PORT (or [IPv6]:PORT), optionally /tcp|udp|sctp' };
  const address = m[1] ?? m[2];
  if (!parseIp(address)) return { ok: false, error: `"${address}" is not an IP address` };
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return { ok: false, error: 'ports run from 1 to 65535' };
  const protocol = (m[4]?.toLowerCase() ?? form.protocol) as Protocol;
  if (!PROTOCOLS.includes(protocol)) return { ok: false, error: `unknown protocol "${m[4]}"` };
  const from = form.from.trim();
  if (from !== '' && from.toLowerCase() !== 'external' && !parseIp(from)) return { ok: false, error: 'From: expects "external" or an IP address' };
  const flow: FlowSpec = { to: address, port, protocol, from: from === '' ? 'external' : from.toLowerCase() === 'external' ? 'external' : from };
  if (form.node !== '') flow.node = form.node;
  return { ok: true, flow };
}
