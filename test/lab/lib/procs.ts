// Long-running processes inside lab network namespaces (pod servers, `nft monitor trace`): spawned
// with nsenter, their output captured, each killed by its own pid in stopAll() and, should a test
// crash, in a process 'exit' hook. Never killed by name.
import { spawn, type ChildProcess } from 'node:child_process';

export interface BackgroundProcess {
  child: ChildProcess;
  /** everything written to stdout so far */
  stdout(): string;
  stderr(): string;
  /** resolves once stdout contains `text` (rejects after timeoutMs or if the process exits first) */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
  /** SIGTERM, then SIGKILL after 1 s; resolves when it has exited */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
let hooked = false;

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const c of live) {
      try {
        c.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

/** Starts `cmd args…` in the network namespace /run/netns/<netns>. */
export function spawnInNetns(netns: string, cmd: string, args: string[]): BackgroundProcess {
  hook();
  const child = spawn('nsenter', [`--net=/run/netns/${netns}`, '--', cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let out = '';
  let err = '';
  let exited = false;
  const exitWaiters: (() => void)[] = [];
  const dataWaiters: (() => void)[] = [];
  child.stdout?.on('data', (b: Buffer) => {
    out += b.toString('utf8');
    for (const w of dataWaiters.splice(0)) w();
  });
  child.stderr?.on('data', (b: Buffer) => {
    err += b.toString('utf8');
  });
  child.on('error', (e) => {
    err += e.message;
  });
  child.on('close', () => {
    exited = true;
    live.delete(child);
    for (const w of exitWaiters.splice(0)) w();
    for (const w of dataWaiters.splice(0)) w();
  });
  const matches = (t: string | RegExp) => (typeof t === 'string' ? out.includes(t) : t.test(out));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor(text, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const deadline = Date.now() + timeoutMs;
        const check = () => {
          if (matches(text)) return resolve();
          if (exited) return reject(new Error(`${cmd} ${args.join(' ')} exited before printing ${String(text)}: ${err.trim()}`));
          if (Date.now() > deadline) return reject(new Error(`${cmd} did not print ${String(text)} within ${timeoutMs} ms: ${err.trim()}`));
          dataWaiters.push(check);
          setTimeout(check, Math.max(1, Math.min(100, deadline - Date.now() + 1)));
        };
        check();
      });
    },
    stop() {
      if (exited) return Promise.resolve();
      return new Promise((resolve) => {
        exitWaiters.push(resolve);
        child.kill('SIGTERM');
        setTimeout(() => {
          if (!exited) child.kill('SIGKILL');
        }, 1000).unref();
      });
    },
  };
}

/** Stops every process in the list (by its own pid), tolerating ones already gone. */
export async function stopAll(procs: BackgroundProcess[]): Promise<void> {
  await Promise.all(procs.map((p) => p.stop()));
}
