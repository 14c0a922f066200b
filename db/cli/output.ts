/** Where commands write: injectable so tests can capture output without spawning a process. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** true when stderr is a terminal: progress bars are drawn only then */
  interactive: boolean;
}

export const processIO: CliIO = {
  stdout: (text) => process.stdout.write(text.endsWith('\n') ? text : text + '\n'),
  stderr: (text) => process.stderr.write(text.endsWith('\n') ? text : text + '\n'),
  interactive: Boolean(process.stderr.isTTY),
};

export function printJson(io: CliIO, value: unknown): void {
  io.stdout(JSON.stringify(value, null, 2));
}
