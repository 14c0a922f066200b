import { parseArgs, UsageError } from './args';
import type { Command } from './command';
import { diffCommand } from './commands/diff';
import { importCommand } from './commands/import';
import { listCommand } from './commands/list';
import { queryCommand } from './commands/query';
import { servicesCommand } from './commands/services';
import { traceCommand } from './commands/trace';
import { vethsCommand } from './commands/veths';
import { processIO, type CliIO } from './output';

export const COMMANDS: readonly Command[] = [importCommand, listCommand, servicesCommand, traceCommand, vethsCommand, diffCommand, queryCommand];

function help(): string {
  return [
    'kube-netpath — trace Kubernetes Service packet paths in offline node-networking bundles',
    '',
    ...COMMANDS.map((c) => `  ${c.usage}\n      ${c.summary}`),
    '',
    '--db defaults to the desktop app\'s library file; SNAPSHOT is an id or a name.',
  ].join('\n');
}

/** Runs one command line; returns the exit status. Errors a user can cause print one line and return 1. */
export async function runCli(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(help());
    return name ? 0 : 1;
  }
  const command = COMMANDS.find((c) => c.name === name);
  try {
    if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}; try kube-netpath --help`);
    await command.run(parseArgs(rest, command.flags), io);
    return 0;
  } catch (err) {
    const error = err as Error;
    if (process.env.KUBE_NETPATH_DEBUG) io.stderr(error.stack ?? String(error));
    io.stderr(`kube-netpath ${name}: ${error.message.split('\n')[0]}`);
    return 1;
  }
}
