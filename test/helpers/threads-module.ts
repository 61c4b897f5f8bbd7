// A hand-written multi-kernel module following the accelc ABI (runtime/meta.ts), for testing the
// worker pool without the compiler. Input x: float32 [64]; output y: float32 [64].
//   kernel 0 'scale'    a[i] = x[i] * 2 + 1                   (parallel over i)
//   kernel 1 'reverse'  y[i] = a[63 - i]                       (parallel: reads the other threads' chunks)
//   kernel 2 'trap'     when x[0] is NaN, the last thread traps in stage 1; the others wait at the
//                       module's in-kernel barrier (words 0 and 64, as the compiler emits it)
//   kernel 3 'spin'     each thread spins x[1] million iterations (x[1] = 0: none)
// So y = reverse(2x + 1), and x[0], x[1] pick the faults. Kernels 0 and 1 end at the barrier, as
// ABI format 2 asks (the runtime no longer synchronises between kernels).

import binaryen from 'binaryen';
import { BARRIER_COUNT, BARRIER_GEN, META_FORMAT, META_SECTION, type ModuleMeta } from '../../runtime/meta.js';

export const THREADS_N = 64;
const WEIGHTS = 1024, X = 2048, A = 4096, Y = 8192, SINK = 12288;

export function buildThreadsModule(opts: { maxThreads?: number; name?: string } = {}): { wasm: Uint8Array; meta: ModuleMeta } {
  const n = THREADS_N;
  const kernel = (name: string, ops: string[]) => ({ name, ops, nodes: [name], flops: n, bytes: 8 * n });
  const meta: ModuleMeta = {
    format: META_FORMAT,
    name: opts.name ?? 'threads',
    compiler: 'test',
    inputs: [{ name: 'x', dtype: 'float32', shape: [n], offset: X }],
    outputs: [{ name: 'y', dtype: 'float32', shape: [n], offset: Y }],
    kernels: [kernel('scale', ['Mul', 'Add']), kernel('reverse', ['Slice']), kernel('trap', ['Custom']), kernel('spin', ['Custom'])],
    memory: { pages: 1, maxPages: 2 },
    scratch: { offset: 16384, bytesPerThread: 0, maxThreads: opts.maxThreads ?? 8 },
    weights: { bytes: 8 },
    features: { simd: false, relaxedSimd: false },
  };
  const weights = new Float32Array([2, 1]);
  const data = [...new Uint8Array(weights.buffer)].map((b) => '\\' + b.toString(16).padStart(2, '0')).join('');
  // [lo, hi) of thread tid's chunk of n items, as the compiler splits a parallel loop.
  const chunk = `
      (local.set $c (i32.div_u (i32.add (i32.const ${n}) (i32.sub (local.get $nt) (i32.const 1))) (local.get $nt)))
      (local.set $i (i32.mul (local.get $tid) (local.get $c)))
      (local.set $hi (select (i32.const ${n}) (i32.add (local.get $i) (local.get $c))
        (i32.lt_u (i32.const ${n}) (i32.add (local.get $i) (local.get $c)))))`;
  const forChunk = (body: string) => `${chunk}
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $hi)))
        ${body}
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))`;
  const params = '(param $tid i32) (param $nt i32) (local $i i32) (local $hi i32) (local $c i32)';
  const at = (base: number, idx: string) => `(i32.add (i32.const ${base}) (i32.shl ${idx} (i32.const 2)))`;
  const wat = `(module
    (import "env" "memory" (memory $m 1 2 shared))
    (data $w "${data}")
    (func $barrier (param $n i32) (local $gen i32)
      (if (i32.le_s (local.get $n) (i32.const 1)) (then (return)))
      (local.set $gen (i32.atomic.load (i32.const ${BARRIER_GEN})))
      (if (i32.eq (i32.atomic.rmw.add (i32.const ${BARRIER_COUNT}) (i32.const 1)) (i32.sub (local.get $n) (i32.const 1)))
        (then
          (i32.atomic.store (i32.const ${BARRIER_COUNT}) (i32.const 0))
          (drop (i32.atomic.rmw.add (i32.const ${BARRIER_GEN}) (i32.const 1)))
          (drop (memory.atomic.notify (i32.const ${BARRIER_GEN}) (local.get $n))))
        (else
          (block $out (loop $wait
            (br_if $out (i32.ne (i32.atomic.load (i32.const ${BARRIER_GEN})) (local.get $gen)))
            (drop (memory.atomic.wait32 (i32.const ${BARRIER_GEN}) (local.get $gen) (i64.const -1)))
            (br $wait))))))
    (func (export "init")
      (memory.init $w (i32.const ${WEIGHTS}) (i32.const 0) (i32.const 8))
      (data.drop $w))
    (func $k0 (export "kernel_0") ${params}
      ${forChunk(`(f32.store ${at(A, '(local.get $i)')}
          (f32.add (f32.mul (f32.load ${at(X, '(local.get $i)')}) (f32.load (i32.const ${WEIGHTS}))) (f32.load (i32.const ${WEIGHTS + 4}))))`)}
      (call $barrier (local.get $nt)))
    (func $k1 (export "kernel_1") ${params}
      ${forChunk(`(f32.store ${at(Y, '(local.get $i)')} (f32.load ${at(A, `(i32.sub (i32.const ${n - 1}) (local.get $i))`)}))`)}
      (call $barrier (local.get $nt)))
    (func $k2 (export "kernel_2") ${params}
      (if (i32.and (f32.ne (f32.load (i32.const ${X})) (f32.load (i32.const ${X})))
                   (i32.eq (local.get $tid) (i32.sub (local.get $nt) (i32.const 1))))
        (then (unreachable)))
      (call $barrier (local.get $nt)))
    (func $k3 (export "kernel_3") ${params}
      (local.set $hi (i32.mul (i32.trunc_sat_f32_u (f32.load (i32.const ${X + 4}))) (i32.const 1000000)))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $hi)))
        (local.set $c (i32.add (local.get $c) (i32.xor (local.get $i) (local.get $c))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
      (i32.store ${at(SINK, '(local.get $tid)')} (local.get $c)))
    (func (export "run")
      (call $k0 (i32.const 0) (i32.const 1)) (call $k1 (i32.const 0) (i32.const 1))
      (call $k2 (i32.const 0) (i32.const 1)) (call $k3 (i32.const 0) (i32.const 1))))`;

  const mod = binaryen.parseText(wat);
  try {
    const F = binaryen.Features;
    mod.setFeatures(F.MVP | F.Atomics | F.BulkMemory | F.NontrappingFPToInt);
    if (!mod.validate()) throw new Error('threads module: binaryen validation failed');
    mod.addCustomSection(META_SECTION, new TextEncoder().encode(JSON.stringify(meta)));
    return { wasm: mod.emitBinary(), meta };
  } finally {
    mod.dispose();
  }
}

/** The expected output for input x: reverse(2x + 1), in float32. */
export function expectedThreadsOutput(x: Float32Array): Float32Array {
  const y = new Float32Array(THREADS_N);
  for (let i = 0; i < THREADS_N; i++) y[i] = Math.fround(Math.fround(x[THREADS_N - 1 - i]! * 2) + 1);
  return y;
}
