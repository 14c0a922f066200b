import type { FlagSpec, ParsedArgs } from './args';
import type { CliIO } from './output';

export interface Command {
  name: string;
  usage: string;
  summary: string;
  flags: FlagSpec;
  run: (args: ParsedArgs, io: CliIO) => Promise<void> | void;
}
