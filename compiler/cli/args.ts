// A small command-line parser: declared flags only (anything else is a usage error), long flags
// as `--name value` or `--name=value`, short aliases as `-o value`, repeatable flags collect a list,
// `--` ends the flags.

import { fail } from '../errors.js';

export { parseArgs, flagString, flagList, flagInt, flagBool, layoutFlag };
export type { FlagSpec, ParsedArgs };

interface FlagSpec {
  name: string;                 // long name without the dashes
  short?: string;               // one letter
  kind: 'boolean' | 'string' | 'int';
  multiple?: boolean;
  value?: string;               // placeholder shown in help, e.g. 'FILE'
  help: string;
}

interface ParsedArgs {
  positionals: string[];
  flags: Map<string, string[] | true>;
}

function parseArgs(argv: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string[] | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const key = eq > 0 && arg.startsWith('--') ? arg.slice(0, eq) : arg;
    const spec = arg.startsWith('--')
      ? specs.find((s) => `--${s.name}` === key)
      : specs.find((s) => s.short !== undefined && `-${s.short}` === key);
    if (!spec) fail('E_USAGE', `unknown flag '${key}'`);
    if (spec.kind === 'boolean') {
      if (key !== arg) fail('E_USAGE', `flag '${key}' takes no value`);
      flags.set(spec.name, true);
      continue;
    }
    let value: string | undefined;
    if (key !== arg) value = arg.slice(eq + 1);
    else if (i + 1 < argv.length) value = argv[++i];
    if (value === undefined) fail('E_USAGE', `flag '${key}' needs a value`);
    if (spec.kind === 'int' && !/^\d+$/.test(value)) fail('E_USAGE', `flag '${key}' needs a non-negative integer, got '${value}'`);
    const prev = flags.get(spec.name);
    if (prev !== undefined && !spec.multiple) fail('E_USAGE', `flag '${key}' given twice`);
    flags.set(spec.name, [...(prev === undefined || prev === true ? [] : prev), value]);
  }
  return { positionals, flags };
}

function flagString(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return Array.isArray(v) ? v[v.length - 1] : undefined;
}

/** --layout auto|nchw|nhwc (default auto). */
function layoutFlag(args: ParsedArgs): 'auto' | 'nchw' | 'nhwc' | undefined {
  const v = flagString(args, 'layout');
  if (v === undefined || v === 'auto' || v === 'nchw' || v === 'nhwc') return v;
  return fail('E_USAGE', `--layout takes auto, nchw or nhwc, got '${v}'`);
}

function flagList(args: ParsedArgs, name: string): string[] {
  const v = args.flags.get(name);
  return Array.isArray(v) ? v : [];
}

function flagInt(args: ParsedArgs, name: string, fallback: number, min = 0): number {
  const v = flagString(args, name);
  const n = v === undefined ? fallback : Number(v);
  if (n < min) fail('E_USAGE', `--${name} must be at least ${min}, got ${n}`);
  return n;
}

function flagBool(args: ParsedArgs, name: string): boolean {
  return args.flags.get(name) === true;
}

/** `--shape name=1x3x224x224` (repeatable) to { name: [1, 3, 224, 224] }. */
export function parseShapes(values: readonly string[]): Record<string, number[]> | undefined {
  if (values.length === 0) return undefined;
  const shapes: Record<string, number[]> = {};
  for (const v of values) {
    const m = /^(.+)=(\d+(?:[x,]\d+)*)$/.exec(v);
    if (!m) fail('E_USAGE', `--shape takes NAME=DIMS like input=1x3x224x224, got '${v}'`);
    shapes[m[1]!] = m[2]!.split(/[x,]/).map(Number);
  }
  return shapes;
}
