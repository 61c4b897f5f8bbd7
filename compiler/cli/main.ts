#!/usr/bin/env node
// The accelc command: pick the subcommand, parse its flags, run it, map errors to exit codes:
// 0 ok, 1 user error (one line `accelc: <message>` on stderr), 2 usage error, 70 internal error.

import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isAccelcError } from '../errors.js';
import { VERSION } from '../version.js';
import { flagBool, parseArgs, type FlagSpec } from './args.js';
import { contextFor, type Command, type Io } from './command.js';
import { benchCommand } from './commands/bench.js';
import { compileCommand } from './commands/compile.js';
import { inspectCommand } from './commands/inspect.js';
import { runCommand } from './commands/run.js';
import { tuneCommand } from './commands/tune.js';
import { commandHelp, mainHelp } from './help.js';

export type { Io };

export const EXIT = { ok: 0, user: 1, usage: 2, internal: 70 } as const;

const COMMANDS: readonly Command[] = [compileCommand, runCommand, benchCommand, inspectCommand, tuneCommand];

const COMMON: readonly FlagSpec[] = [
  { name: 'verbose', short: 'v', kind: 'boolean', help: 'log progress; print stack traces with errors' },
  { name: 'help', short: 'h', kind: 'boolean', help: 'show help' },
  { name: 'version', kind: 'boolean', help: 'print the version' },
];

const processIo: Io = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const verbose = argv.includes('--verbose') || argv.includes('-v');
  const ctx = contextFor(io, verbose);
  try {
    const named = COMMANDS.find((c) => c.name === argv[0]);
    const command = named ?? compileCommand;
    const args = parseArgs(named ? argv.slice(1) : argv, [...command.flags, ...COMMON]);
    if (flagBool(args, 'version')) {
      ctx.out(`accelc ${VERSION}`);
      return EXIT.ok;
    }
    if (flagBool(args, 'help') || argv.length === 0) {
      const text = named ? commandHelp(command, COMMON) : mainHelp(COMMANDS, COMMON, VERSION);
      if (argv.length === 0) {
        io.stderr(text);
        return EXIT.usage;
      }
      io.stdout(text);
      return EXIT.ok;
    }
    return await command.run(args, ctx);
  } catch (e) {
    return reportError(e, ctx);
  }
}

function reportError(e: unknown, ctx: ReturnType<typeof contextFor>): number {
  if (isAccelcError(e)) {
    ctx.err(`accelc: ${oneLine(e.message)}`);
    if (e.code === 'E_USAGE') {
      ctx.err("Run 'accelc --help' for usage.");
      return EXIT.usage;
    }
    if (ctx.verbose && e.stack) ctx.err(e.stack);
    return EXIT.user;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  ctx.err(`accelc: internal error: ${oneLine(err.message)}`);
  ctx.err(err.stack ?? '(no stack)');
  ctx.err('This is a bug in accelc; please report it with the command line and the model.');
  return EXIT.internal;
}

function oneLine(message: string): string {
  return message.split('\n').map((l) => l.trim()).filter(Boolean).join('; ');
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  // A closed pipe (`accelc inspect m.onnx | head`) ends the output, not the process with a stack.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0); else throw e; });
  }
  process.exitCode = await main(process.argv.slice(2));
}
