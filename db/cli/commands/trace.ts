import {
  parseFlowTarget,
  parseServiceSelector,
  renderTraceText,
  traceFlow,
  traceService,
} from '../../../renderer/src/analysis/trace';
import { expectPositionals, flagValue, UsageError } from '../args';
import type { Command } from '../command';
import { printJson } from '../output';
import { loadSnapshotArg } from '../snapshot';

export const traceCommand: Command = {
  name: 'trace',
  usage:
    'kube-netpath trace SNAPSHOT (--service NS/NAME[:PORT] | --to IP:PORT[/tcp|udp|sctp]) [--from IP|external] [--node NODE] [--db FILE] [--json]',
  summary: "reconstruct a Service's (or any flow's) packet path: ARP, netfilter, DNAT, routes, overlay, bridge, veth, pod",
  flags: { values: ['db', 'service', 'to', 'from', 'node'], booleans: ['json'] },
  run(args, io) {
    const [snapshotArg] = expectPositionals(args, ['SNAPSHOT'], this.usage);
    const service = flagValue(args, 'service');
    const to = flagValue(args, 'to');
    if (Boolean(service) === Boolean(to)) throw new UsageError(`give exactly one of --service or --to; usage: ${this.usage}`);
    const node = flagValue(args, 'node');
    const from = flagValue(args, 'from');
    const snapshot = loadSnapshotArg(args, snapshotArg);
    const result = service
      ? traceService(snapshot, parseServiceSelector(service), node ? { nodes: [node] } : undefined)
      : traceFlow(snapshot, { ...parseFlowTarget(to!), ...(from ? { from } : {}), ...(node ? { node } : {}) });
    if (args.flags.has('json')) return printJson(io, result);
    io.stdout(renderTraceText(result));
  },
};
