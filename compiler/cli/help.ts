// Help text, built from the command table and each command's flag specs.

import type { FlagSpec } from './args.js';
import type { Command } from './command.js';

export { mainHelp, commandHelp };

function flagLines(flags: readonly FlagSpec[]): string[] {
  const left = flags.map((f) => {
    const name = `${f.short ? `-${f.short}, ` : '    '}--${f.name}`;
    return f.kind === 'boolean' ? name : `${name} ${f.value ?? (f.kind === 'int' ? 'N' : 'VALUE')}`;
  });
  const width = Math.max(...left.map((l) => l.length)) + 2;
  return left.map((l, i) => `  ${l.padEnd(width)}${flags[i]!.help}${flags[i]!.multiple ? ' (repeatable)' : ''}`);
}

function mainHelp(commands: readonly Command[], common: readonly FlagSpec[], version: string): string {
  return [
    `accelc ${version}: compiles ONNX models to WebAssembly SIMD, and runs them`,
    '',
    'Usage:',
    ...commands.map((c) => `  ${c.usage}`),
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(9)}${c.summary}`),
    '',
    'Options for every command:',
    ...flagLines(common),
    '',
    "Run 'accelc <command> --help' for a command's options.",
    'Exit codes: 0 ok, 1 user error, 2 usage error, 70 internal error.',
    '',
  ].join('\n');
}

function commandHelp(c: Command, common: readonly FlagSpec[]): string {
  return [`Usage: ${c.usage}`, '', c.summary, '', 'Options:', ...flagLines([...c.flags, ...common]), ''].join('\n');
}
