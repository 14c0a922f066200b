import { correlateVeths } from '../../../renderer/src/analysis/veths';
import { expectPositionals } from '../args';
import type { Command } from '../command';
import { printJson } from '../output';
import { loadSnapshotArg } from '../snapshot';
import { renderTable } from '../table';

export const vethsCommand: Command = {
  name: 'veths',
  usage: 'kube-netpath veths SNAPSHOT [--db FILE] [--json]',
  summary: 'correlate every host veth to its pod network namespace, interface and pod, per node',
  flags: { values: ['db'], booleans: ['json'] },
  run(args, io) {
    const [snapshot] = expectPositionals(args, ['SNAPSHOT'], this.usage);
    const correlation = correlateVeths(loadSnapshotArg(args, snapshot));
    if (args.flags.has('json')) return printJson(io, correlation);
    const nodes = [...new Set(correlation.matches.map((m) => m.node))];
    const blocks = nodes.map((node) => {
      const rows = correlation.matches
        .filter((m) => m.node === node)
        .map((m) => [
          m.hostIfname,
          m.peerIfindex === null ? '-' : `@if${m.peerIfindex}`,
          m.netns ?? (m.netnsId === null ? '-' : `nsid ${m.netnsId}`),
          m.podIfname ?? '-',
          m.addresses.join(',') || '-',
          m.podName ? `${m.podNamespace}/${m.podName}` : '-',
          m.methods.filter((x) => x.agrees).map((x) => x.method).join('+') || '-',
          `${m.confidence}${m.conflicts.length ? ' CONFLICT' : ''}`,
        ]);
      return `node ${node}\n${renderTable(['VETH', 'PEER', 'NETNS', 'POD-IF', 'IPS', 'POD', 'METHOD', 'CONFIDENCE'], rows)}`;
    });
    const findings = correlation.findings.map((f) => `${f.severity}: ${f.node ? `${f.node}: ` : ''}${f.message}`);
    io.stdout([...blocks, ...(findings.length ? ['findings', ...findings] : [])].join('\n\n'));
  },
};
