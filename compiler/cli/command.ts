// What every subcommand provides, and what it is given: parsed flags and an Io to write to
// (injected, so tests run the CLI in-process).

import type { FlagSpec, ParsedArgs } from './args.js';

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface Context {
  io: Io;
  verbose: boolean;
  /** Writes one line to stdout. */
  out(line: string): void;
  /** Writes one line to stderr. */
  err(line: string): void;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  flags: FlagSpec[];
  /** Returns the exit code; throws AccelcError for user errors. */
  run(args: ParsedArgs, ctx: Context): Promise<number>;
}

export function contextFor(io: Io, verbose: boolean): Context {
  return { io, verbose, out: (l) => io.stdout(l + '\n'), err: (l) => io.stderr(l + '\n') };
}
