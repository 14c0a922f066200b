import { listServices } from '../../queries/services';
import { expectPositionals } from '../args';
import type { Command } from '../command';
import { openLibraryForRead, requireSnapshot } from '../library';
import { printJson } from '../output';
import { renderTable } from '../table';

export const servicesCommand: Command = {
  name: 'services',
  usage: 'kube-netpath services SNAPSHOT [--db FILE] [--json]',
  summary: "list a snapshot's Services with their IPs, ports and endpoint counts",
  flags: { values: ['db'], booleans: ['json'] },
  run(args, io) {
    const [snapshot] = expectPositionals(args, ['SNAPSHOT'], this.usage);
    const db = openLibraryForRead(args);
    try {
      const services = listServices(db, requireSnapshot(db, snapshot).id);
      if (args.flags.has('json')) return printJson(io, services);
      io.stdout(
        renderTable(
          ['NAMESPACE', 'NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL', 'PORTS', 'ENDPOINTS'],
          services.map((s) => [
            s.namespace,
            s.name,
            s.type,
            s.clusterIPs.join(',') || '-',
            [...s.loadBalancerIPs, ...s.externalIPs].join(',') || '-',
            s.ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol}`).join(',') || '-',
            `${s.readyEndpoints}/${s.endpoints}`,
          ]),
        ),
      );
    } finally {
      db.close();
    }
  },
};
