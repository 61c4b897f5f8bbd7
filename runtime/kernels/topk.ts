// Loads the hand-written AssemblyScript TopK kernel (kernels/topk.ts, built by
// `npm run build:kernels` to kernels/build/topk.wasm) and wraps its memory protocol:
//   const topk = await loadTopk();
//   const { indices, values } = topk(scores, 5);   // best first; ties to the lower index; NaN last

import { fail } from '../../compiler/errors.js';
import { readUrlBytes } from '../platform.js';
import { wasm, type WasmMemory } from '../wasm-api.js';

export { loadTopk, TOPK_WASM_URL };
export type { TopkFn, TopkResult };

interface TopkResult {
  indices: Int32Array;
  values: Float32Array;
}

/** The k largest of `values` and their indices, best first; k is clamped to [0, values.length]. */
type TopkFn = (values: Float32Array, k: number) => TopkResult;

interface TopkExports {
  memory: WasmMemory;
  reserve(n: number, k: number): number;
  topk(n: number, k: number): number;
  outValues(): number;
  outIndices(): number;
}

// Built, this file is dist/runtime/kernels/topk.js; under vitest it runs as runtime/kernels/topk.ts.
// Both name <package root>/kernels/build/topk.wasm.
const TOPK_WASM_URL = import.meta.url.endsWith('.ts')
  ? new URL('../../kernels/build/topk.wasm', import.meta.url)
  : new URL('../../../kernels/build/topk.wasm', import.meta.url);

let loaded: Promise<TopkFn> | undefined;

/** Instantiates the kernel once (later calls share it) and returns the topk function. */
function loadTopk(): Promise<TopkFn> {
  loaded ??= instantiate().catch((e: unknown) => {
    loaded = undefined;
    throw e;
  });
  return loaded;
}

async function instantiate(): Promise<TopkFn> {
  let bytes: Uint8Array;
  try {
    bytes = await readUrlBytes(TOPK_WASM_URL);
  } catch (e) {
    fail('E_FILE', `the TopK kernel is not built: ${(e as Error).message} (run 'npm run build:kernels')`);
  }
  const module = await wasm.compile(bytes);
  const instance = await wasm.instantiate(module, {
    env: { abort: () => fail('E_RUNTIME', 'the TopK kernel aborted') },
  });
  const k = instance.exports as unknown as TopkExports;
  return (values, count) => run(k, values, count);
}

function run(kernel: TopkExports, values: Float32Array, k: number): TopkResult {
  if (!(values instanceof Float32Array)) fail('E_USAGE', 'topk takes a Float32Array');
  if (!Number.isInteger(k) || k < 0) fail('E_USAGE', `topk: k must be a non-negative integer, got ${k}`);
  const n = values.length;
  const want = Math.min(k, n);
  const at = kernel.reserve(n, want);
  if (at === 0) fail('E_RUNTIME', `topk: cannot grow the kernel's memory to hold ${n} values`);
  new Float32Array(kernel.memory.buffer, at, n).set(values);
  const m = kernel.topk(n, want);
  return {
    indices: new Int32Array(kernel.memory.buffer, kernel.outIndices(), m).slice(),
    values: new Float32Array(kernel.memory.buffer, kernel.outValues(), m).slice(),
  };
}
