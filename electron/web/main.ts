// `npm run web`: serves the built renderer and the library API to a browser on this machine.
//   node out/main/web.js [--db FILE] [--port N] [--no-open]
// --db defaults to the library the desktop app and the CLI share; --port 0 (the default) picks a
// free port. The printed URL carries the access token.

import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flagValue, parseArgs, UsageError } from '../../db/cli/args';
import { defaultLibraryPath } from '../../db/connection';
import { startWebServer } from './server';

const USAGE = 'usage: npm run web -- [--db FILE] [--port N] [--no-open]';

function openBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  const child = spawn(command, args, { detached: true, stdio: 'ignore' });
  child.on('error', () => console.error(`could not start a browser (${command}); open the URL above yourself`));
  child.unref();
}

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv, { values: ['db', 'port'], booleans: ['no-open', 'help'] });
  if (args.flags.has('help')) {
    console.log(USAGE);
    return;
  }
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${args.positionals[0]}; ${USAGE}`);
  const portText = flagValue(args, 'port') ?? '0';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new UsageError(`--port must be 0..65535, got ${portText}`);
  const here = dirname(fileURLToPath(import.meta.url));
  const server = await startWebServer({
    dbPath: flagValue(args, 'db') ?? defaultLibraryPath(),
    port,
    rendererDir: join(here, '../renderer'),
    workerPath: join(here, 'worker.js'),
  });
  console.log(`kube-netpath web: ${server.url}`);
  if (!args.flags.has('no-open')) openBrowser(server.url);
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`kube-netpath web: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
