import { diffSnapshots, renderDiffText } from '../../../renderer/src/analysis/diff';
import { expectPositionals, flagValue, UsageError } from '../args';
import type { Command } from '../command';
import { printJson } from '../output';
import { loadSnapshotArg } from '../snapshot';

export const diffCommand: Command = {
  name: 'diff',
  usage: 'kube-netpath diff SNAPSHOT_A SNAPSHOT_B [--db FILE] [--node-a NODE --node-b NODE] [--json]',
  summary: 'compare two snapshots: Services, endpoints, pods, veths, interfaces, routes, rules, counters and packet paths',
  flags: { values: ['db', 'node-a', 'node-b'], booleans: ['json'] },
  run(args, io) {
    const [first, second] = expectPositionals(args, ['SNAPSHOT_A', 'SNAPSHOT_B'], this.usage);
    const nodeA = flagValue(args, 'node-a');
    const nodeB = flagValue(args, 'node-b');
    if ((nodeA === undefined) !== (nodeB === undefined)) throw new UsageError('--node-a and --node-b go together');
    const diff = diffSnapshots(loadSnapshotArg(args, first), loadSnapshotArg(args, second), {
      nodePairs: nodeA !== undefined && nodeB !== undefined ? [[nodeA, nodeB]] : undefined,
    });
    if (args.flags.has('json')) return printJson(io, diff);
    io.stdout(renderDiffText(diff));
  },
};
