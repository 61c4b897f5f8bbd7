// Platform glue for the runtime, kept out of the loader: reading files, engine flags, core count.
// (Starting workers is in embed/.)
// Node builtins are imported lazily so a browser bundle of the runtime never needs them.

import { fail } from '../compiler/errors.js';

export { readFileBytes, readUrlBytes, writeFileBytes, isNode, isDeno, requestEagerWasmTierUp, availableCores };

function isDeno(): boolean {
  return typeof (globalThis as { Deno?: unknown }).Deno !== 'undefined';
}

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return !isDeno() && typeof p?.versions?.node === 'string';
}

async function readFileBytes(path: string): Promise<Uint8Array> {
  const fs = await import('node:fs/promises');
  try {
    const buf = await fs.readFile(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    fail('E_FILE', `cannot read '${path}': ${fsReason(e)}`);
  }
}

/** Reads a file: URL from disk (Node, Deno), anything else with fetch (browsers). */
async function readUrlBytes(url: URL): Promise<Uint8Array> {
  if (url.protocol === 'file:') {
    const { fileURLToPath } = await import('node:url');
    return readFileBytes(fileURLToPath(url));
  }
  const response = await fetch(url).catch((e: unknown) => fail('E_FILE', `cannot fetch '${url.href}': ${(e as Error).message ?? String(e)}`));
  if (!response.ok) fail('E_FILE', `cannot fetch '${url.href}': HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function writeFileBytes(path: string, bytes: Uint8Array): Promise<void> {
  const fs = await import('node:fs/promises');
  try {
    await fs.writeFile(path, bytes);
  } catch (e) {
    fail('E_FILE', `cannot write '${path}': ${fsReason(e)}`);
  }
}

function fsReason(e: unknown): string {
  const code = (e as { code?: string }).code;
  switch (code) {
    case 'ENOENT': return 'no such file or directory';
    case 'EISDIR': return 'is a directory';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'ENOTDIR': return 'a parent is not a directory';
    default: return (e as Error).message ?? String(e);
  }
}

let eagerRequested = false;

/**
 * Ask V8 (Node only) to compile WebAssembly with the optimizing compiler up front:
 * --no-liftoff skips the baseline compiler, --no-wasm-lazy-compilation compiles every function when
 * the module is compiled instead of on its first call (otherwise the first run() pays for TurboFan).
 * The flags are process-wide and stay set; they apply to modules compiled afterwards. Deno takes
 * them on its command line (--v8-flags=--no-liftoff,--no-wasm-lazy-compilation); browsers have no
 * equivalent. Returns whether the flags were set.
 */
async function requestEagerWasmTierUp(): Promise<boolean> {
  if (eagerRequested) return true;
  if (!isNode()) return false;
  const v8 = await import('node:v8');
  v8.setFlagsFromString('--no-liftoff');
  v8.setFlagsFromString('--no-wasm-lazy-compilation');
  eagerRequested = true;
  return true;
}

/** The cores this process may use: os.availableParallelism() on Node, navigator.hardwareConcurrency elsewhere. */
async function availableCores(): Promise<number> {
  if (isNode()) {
    const os = await import('node:os');
    return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  }
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return Math.max(1, nav?.hardwareConcurrency ?? 1);
}
