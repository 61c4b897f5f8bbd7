// The contract between the compiler and the runtime: what a compiled .wasm carries in its
// custom section 'accelc' (UTF-8 JSON). The runtime needs nothing else to load and run a model.
//
// Module ABI (format 2):
//   import  env.memory : shared memory, initial = memory.pages, maximum = memory.maxPages
//   export  init()                  copies the weights (passive data segments) into memory; call once
//   export  kernel_<i>(tid, nthreads)  runs kernel i on thread `tid` of `nthreads`; every thread calls it
//   export  run()                   runs every kernel in order on one thread (= kernel_i(0, 1) for all i)
// Per-thread scratch for thread t lives at scratch.offset + t * scratch.bytesPerThread,
// t < scratch.maxThreads.
// Bytes [0, 1024) are reserved. A kernel made of several stages synchronises its threads between
// stages with a barrier on two i32 words there: BARRIER_GEN (a generation counter) and
// BARRIER_COUNT (threads arrived). They are zero after init(); a runtime that abandons a run with
// threads stuck or killed mid-kernel must store 0 into BARRIER_COUNT before the next run.
// Top-level parallel loops are scheduled dynamically (threads claim chunks with atomic counters in
// the region `sched`, see compiler/codegen/wasm/sched.ts): before a run with nthreads > 1 the
// runtime zeroes that region and the word SCHED_ABORT; to stop a run it stores 1 into SCHED_ABORT
// (threads waiting for chunks of other threads give up) and notifies the waiters (on word 8 of each
// 64-byte site). Tables the waits read (compiler/codegen/wasm/dataflow.ts) follow that region;
// init() writes them (a kernel-only variant module, built without weights, relies on the base
// module's init(), which writes the same tables at the same addresses).
// When kernel_i returns on a thread, kernel i+1 may start on it at once. Every thread must call
// every kernel, in order: a kernel either returns with all of its work done, or (when the next
// kernel follows it by group of rows, dataflow.ts) leaves the next kernel's chunks to wait for the
// rows they need; the last kernel returns with every kernel's work done.
// A thread waiting inside a kernel (at a barrier, or for other threads' chunks) polls its word up
// to SPIN_LIMIT times before it sleeps; the word is 0 in fresh memory (init() leaves it), which
// means the module's own default. A runtime may store another count there at any time (the waits
// read it as they begin): fewer polls when the process runs more workers than there are cores, so
// a waiter gives its core to a thread with work instead of spinning on it. (An older runtime never
// writes it, an older module never reads it: the ABI format stays 2.)

export const META_SECTION = 'accelc';
/**
 * A second module with the same kernels built with relaxed SIMD (fused multiply-add), no weights:
 * on an engine that validates it, a runtime runs kernels from it and init() from the main module,
 * both over the same memory.
 */
export const RELAXED_SECTION = 'accelc.relaxed';
export const META_FORMAT = 2;
export const BARRIER_GEN = 0;
export const BARRIER_COUNT = 64;
export const SCHED_ABORT = 128;
export const SPIN_LIMIT = 192;

export interface TensorMeta {
  name: string;
  dtype: string;        // ONNX-style dtype name: 'float32', 'int64', ...
  shape: number[];
  offset: number;       // byte address in memory, contiguous row-major
  /** An integer input that indexes axes (Gather, Scatter indices): the values it may hold, checked before a run. */
  ranges?: IndexRange[];
}

/**
 * An index input's allowed values and the node whose axes it indexes: every element indexes an axis
 * of `dims[0]`, or (GatherND/ScatterND) element i one of `dims[i % dims.length]`; an axis of d takes
 * -d .. d-1 (negative indices count from the end).
 */
export interface IndexRange {
  dims: number[];
  node: string;
  op: string;
}

export interface KernelMeta {
  name: string;
  ops: string[];
  nodes: string[];
  flops: number;
  bytes: number;
}

export interface ModuleMeta {
  format: number;
  name: string;
  compiler: string;     // accelc version that produced it
  inputs: TensorMeta[];
  outputs: TensorMeta[];
  kernels: KernelMeta[];
  memory: { pages: number; maxPages: number };
  scratch: { offset: number; bytesPerThread: number; maxThreads: number };
  /** Chunk counters of the dynamically scheduled loops (absent: none). */
  sched?: { offset: number; bytes: number };
  weights: { bytes: number };
  /** relaxedSimd: the main module needs relaxed SIMD; relaxedVariant: a relaxed copy is embedded. */
  features: { simd: boolean; relaxedSimd: boolean; relaxedVariant?: boolean };
}
