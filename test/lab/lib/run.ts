// Running commands for lab tests: child_process with captured output, a timeout, and an error
// that carries the command and its stderr.
import { spawn } from 'node:child_process';

export interface RunOptions {
  /** written to the command's stdin, then closed */
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** default 30 s; the command is killed (SIGKILL) after it */
  timeoutMs?: number;
  /** resolve with the result instead of throwing when the exit status is not 0 */
  allowFailure?: boolean;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class CommandError extends Error {
  constructor(
    readonly argv: string[],
    readonly result: RunResult,
  ) {
    super(`${argv.join(' ')} exited with ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`);
    this.name = 'CommandError';
  }
}

/** Runs `cmd args…`; throws CommandError (with stderr) when it fails, unless allowFailure. */
export function run(cmd: string, args: string[] = [], opts: RunOptions = {}): Promise<RunResult> {
  const argv = [cmd, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 30_000);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new CommandError(argv, { code: 127, stdout: '', stderr: e.message }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result: RunResult = {
        code: code ?? 128,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr:
          Buffer.concat(err).toString('utf8') +
          (timedOut ? `\n(timed out after ${opts.timeoutMs ?? 30_000} ms)` : signal ? `\n(killed by ${signal})` : ''),
      };
      if (result.code !== 0 && !opts.allowFailure) reject(new CommandError(argv, result));
      else resolve(result);
    });
    child.stdin.on('error', () => {
      // the command may exit without reading its input; its exit status tells the story
    });
    child.stdin.end(opts.input ?? '');
  });
}
