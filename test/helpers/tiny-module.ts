// A hand-written module that follows the accelc module ABI (runtime/meta.ts), for testing the
// runtime without the compiler: y = x * 2 + 1 over a float32 input x, with the 2 and the 1 kept as
// "weights" in a passive data segment that init() copies into memory. run() traps (unreachable)
// when x[0] is NaN, so tests can exercise a trapping model.

import binaryen from 'binaryen';
import { META_FORMAT, META_SECTION, type ModuleMeta } from '../../runtime/meta.js';

export interface TinyModuleOptions {
  /** Shape of x and y; the element count must be a multiple of 4. Default [1, 8]. */
  shape?: number[];
  name?: string;
  /** Use f32x4.relaxed_madd (the module then needs relaxed SIMD). */
  relaxedSimd?: boolean;
  /** Fields to override in the metadata (after it is built). */
  meta?: Partial<ModuleMeta>;
  /** Leave out the 'accelc' custom section. */
  noMeta?: boolean;
  /** The memory the module imports, when it should differ from what the metadata says. */
  importedMemory?: { pages: number; maxPages: number };
}

const WEIGHTS = 64;   // 4 x 2.0f then 4 x 1.0f
const INPUT = 128;

export function buildTinyModule(opts: TinyModuleOptions = {}): { wasm: Uint8Array; meta: ModuleMeta } {
  const shape = opts.shape ?? [1, 8];
  const n = shape.reduce((a, b) => a * b, 1);
  if (n % 4 !== 0) throw new Error('tiny module: element count must be a multiple of 4');
  const bytes = n * 4;
  const output = INPUT + align16(bytes);
  const meta: ModuleMeta = {
    format: META_FORMAT,
    name: opts.name ?? 'tiny',
    compiler: 'test',
    inputs: [{ name: 'x', dtype: 'float32', shape, offset: INPUT }],
    outputs: [{ name: 'y', dtype: 'float32', shape, offset: output }],
    kernels: [{ name: 'kernel_0', ops: ['Mul', 'Add'], nodes: ['affine'], flops: 2 * n, bytes: 2 * bytes }],
    memory: { pages: 1, maxPages: 2 },
    scratch: { offset: output + align16(bytes), bytesPerThread: 0, maxThreads: 1 },
    weights: { bytes: 32 },
    features: { simd: true, relaxedSimd: !!opts.relaxedSimd },
    ...opts.meta,
  };
  if (output + bytes > 65536) throw new Error('tiny module: shape too large for one page');

  const weights = new Float32Array([2, 2, 2, 2, 1, 1, 1, 1]);
  const dataString = [...new Uint8Array(weights.buffer)].map((b) => '\\' + b.toString(16).padStart(2, '0')).join('');
  const x = `(v128.load offset=${INPUT} (local.get $i))`;
  const two = `(v128.load (i32.const ${WEIGHTS}))`;
  const one = `(v128.load (i32.const ${WEIGHTS + 16}))`;
  const affine = opts.relaxedSimd ? `(f32x4.relaxed_madd ${x} ${two} ${one})` : `(f32x4.add (f32x4.mul ${x} ${two}) ${one})`;
  const mem = opts.importedMemory ?? meta.memory;
  const wat = `(module
    (import "env" "memory" (memory $m ${mem.pages} ${mem.maxPages} shared))
    (data $w "${dataString}")
    (func $init (export "init")
      (memory.init $w (i32.const ${WEIGHTS}) (i32.const 0) (i32.const 32))
      (data.drop $w))
    (func $kernel_0 (export "kernel_0") (param $tid i32) (param $nthreads i32) (local $i i32)
      (if (f32.ne (f32.load (i32.const ${INPUT})) (f32.load (i32.const ${INPUT}))) (then (unreachable)))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $i) (i32.const ${bytes})))
        (v128.store offset=${output} (local.get $i) ${affine})
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next))))
    (func $run (export "run") (call $kernel_0 (i32.const 0) (i32.const 1))))`;

  const mod = binaryen.parseText(wat);
  try {
    const F = binaryen.Features;
    mod.setFeatures(F.MVP | F.Atomics | F.BulkMemory | F.SIMD128 | (opts.relaxedSimd ? F.RelaxedSIMD : 0));
    if (!mod.validate()) throw new Error('tiny module: binaryen validation failed');
    if (!opts.noMeta) mod.addCustomSection(META_SECTION, new TextEncoder().encode(JSON.stringify(meta)));
    return { wasm: mod.emitBinary(), meta };
  } finally {
    mod.dispose();
  }
}

function align16(n: number): number {
  return Math.ceil(n / 16) * 16;
}
