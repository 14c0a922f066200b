#!/usr/bin/env node
// The `kube-netpath` command: runs the CLI bundle that `npm ci` / `npm run build:cli` writes.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const bundle = fileURLToPath(new URL('../../out/cli/main.js', import.meta.url));
if (!existsSync(bundle)) {
  process.stderr.write('kube-netpath: the command line is not built yet; run `npm run build:cli` in the project folder\n');
  process.exit(1);
}
const { runCli } = await import(pathToFileURL(bundle).href);
process.exitCode = await runCli(process.argv.slice(2));
