// Turns compiled accelc bytes (or a precompiled WebAssembly.Module) into a ready instance:
// read the metadata, check the engine has the features the module needs, compile, create the
// shared memory the module imports, instantiate, and run init() to place the weights.

import { fail, isAccelcError } from '../compiler/errors.js';
import { RELAXED_SECTION, type ModuleMeta } from './meta.js';
import { requestEagerWasmTierUp } from './platform.js';
import { readMetaFromBytes, readMetaFromModule } from './read-meta.js';
import { isWasmModule, wasm, type WasmMemory, type WasmModule } from './wasm-api.js';

export { loadModel, supportsSimd, supportsRelaxedSimd };
export type { LoadOptions, LoadedModel, ModelExports };

interface LoadOptions {
  /**
   * 'eager' (default): on Node, compile WebAssembly with the optimizing compiler up front, so the
   * first run is not executed by the baseline compiler (sets process-wide V8 flags, once; see
   * requestEagerWasmTierUp). 'lazy': leave the engine's default tiering alone.
   */
  tierUp?: 'eager' | 'lazy';
  /**
   * 'auto' (default): run the module's relaxed-SIMD copy of its kernels when it has one and the engine
   * validates relaxed SIMD (Node 22+, Deno; Node 20 with --experimental-wasm-relaxed-simd);
   * 'plain': always the plain-SIMD kernels.
   */
  simd?: 'auto' | 'plain';
}

interface ModelExports {
  init(): void;
  run(): void;
  kernels: ((tid: number, nthreads: number) => void)[];
}

interface LoadedModel {
  meta: ModuleMeta;
  module: WasmModule;
  /** The module whose kernels run (the relaxed copy when chosen); workers instantiate this one. */
  kernelModule: WasmModule;
  /** Whether kernelModule is the relaxed-SIMD copy. */
  relaxed: boolean;
  memory: WasmMemory;
  exports: ModelExports;
}

// (func (result v128) i32.const 0 i8x16.splat)
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 8, 1, 6, 0, 65, 0, 253, 15, 11]);
// (func (result v128) i32.const 1 i8x16.splat i32.const 2 i8x16.splat i8x16.relaxed_swizzle)
const RELAXED_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 15, 1, 13, 0, 65, 1, 253, 15, 65, 2, 253, 15, 253, 128, 2, 11]);

let simd: boolean | undefined;
let relaxed: boolean | undefined;

function supportsSimd(): boolean {
  return (simd ??= wasm.validate(SIMD_PROBE));
}

function supportsRelaxedSimd(): boolean {
  return (relaxed ??= wasm.validate(RELAXED_PROBE));
}

async function loadModel(source: Uint8Array | ArrayBuffer | WasmModule, opts: LoadOptions = {}): Promise<LoadedModel> {
  const tierUp = opts.tierUp ?? 'eager';
  if (tierUp !== 'eager' && tierUp !== 'lazy') fail('E_USAGE', `tierUp must be 'eager' or 'lazy', got '${String(tierUp)}'`);
  let meta: ModuleMeta;
  let module: WasmModule;
  if (isWasmModule(source)) {
    meta = readMetaFromModule(source);
    module = source;
  } else {
    const bytes = source instanceof Uint8Array ? source : new Uint8Array(source as ArrayBuffer);
    meta = readMetaFromBytes(bytes);
    checkFeatures(meta);
    if (tierUp === 'eager') await requestEagerWasmTierUp();
    module = await compileBytes(bytes, meta);
  }
  const memory = createMemory(meta);
  const instance = await wasm.instantiate(module, { env: { memory } }).catch((e: unknown) =>
    fail('E_FILE', `the module does not link against its own metadata: ${(e as Error).message}`, { model: meta.name }));
  const exports = readExports(instance.exports, meta);
  try {
    exports.init();
  } catch (e) {
    fail('E_RUNTIME', `init() trapped: ${(e as Error).message}`, { model: meta.name });
  }
  const variant = opts.simd === 'plain' ? undefined : await relaxedVariant(module, meta);
  if (!variant) return { meta, module, kernelModule: module, relaxed: false, memory, exports };
  const fast = await wasm.instantiate(variant, { env: { memory } }).catch((e: unknown) =>
    fail('E_FILE', `the relaxed-SIMD kernels do not link: ${(e as Error).message}`, { model: meta.name }));
  const { run, kernels } = readExports(fast.exports, meta);
  return { meta, module, kernelModule: variant, relaxed: true, memory, exports: { init: exports.init, run, kernels } };
}

/** The embedded relaxed-SIMD kernels, compiled, if the module has them and the engine runs them. */
async function relaxedVariant(module: WasmModule, meta: ModuleMeta): Promise<WasmModule | undefined> {
  if (!meta.features.relaxedVariant || !supportsRelaxedSimd()) return undefined;
  const [section] = wasm.Module.customSections(module, RELAXED_SECTION);
  if (!section) fail('E_FILE', `the metadata announces relaxed-SIMD kernels but section '${RELAXED_SECTION}' is missing`, { model: meta.name });
  return compileBytes(new Uint8Array(section), meta);
}

function checkFeatures(meta: ModuleMeta): void {
  if (meta.features.simd && !supportsSimd()) {
    fail('E_RUNTIME', 'this engine has no WebAssembly SIMD, which the module needs', { model: meta.name });
  }
  if (meta.features.relaxedSimd && !supportsRelaxedSimd()) {
    fail('E_RUNTIME', 'the module was compiled with relaxed SIMD, which this engine does not enable; ' +
      'run node with --experimental-wasm-relaxed-simd, or recompile without --relaxed-simd', { model: meta.name });
  }
}

async function compileBytes(bytes: Uint8Array, meta: ModuleMeta): Promise<WasmModule> {
  try {
    return await wasm.compile(bytes);
  } catch (e) {
    if (isAccelcError(e)) throw e;
    fail('E_FILE', `not a valid WebAssembly module: ${(e as Error).message}`, { model: meta.name });
  }
}

function createMemory(meta: ModuleMeta): WasmMemory {
  const { pages, maxPages } = meta.memory;
  try {
    return new wasm.Memory({ initial: pages, maximum: maxPages, shared: true });
  } catch (e) {
    fail('E_RUNTIME', `cannot create a shared memory of ${pages}..${maxPages} pages (${(e as Error).message}); ` +
      'browsers need cross-origin isolation for shared memory', { model: meta.name });
  }
}

function readExports(ex: Record<string, unknown>, meta: ModuleMeta): ModelExports {
  const fn = (name: string): ((...args: number[]) => void) => {
    const f = ex[name];
    if (typeof f !== 'function') fail('E_FILE', `the module has no '${name}' export`, { model: meta.name });
    return f as (...args: number[]) => void;
  };
  const kernels = meta.kernels.map((_, i) => fn(`kernel_${i}`));
  return { init: fn('init'), run: fn('run'), kernels };
}
