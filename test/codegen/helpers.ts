// Small hand-built Programs for the backend tests.

import type { Buf, Kernel, Program, ScalarType, Stmt, Storage } from '../../compiler/ir/loop.js';
import { contiguousStrides, SCALAR_BYTES } from '../../compiler/ir/loop.js';
import { emitWasm, type EmitWasmOptions } from '../../compiler/codegen/wasm/index.js';
import { Worker } from 'node:worker_threads';

export class ProgramBuilder {
  readonly bufs = new Map<string, Buf>();
  readonly storages = new Map<string, Storage>();
  readonly kernels: Kernel[] = [];
  private at = 1024;

  /** A contiguous global buffer with its own storage, placed after the previous one. */
  buf(name: string, dtype: ScalarType, shape: number[], region: Storage['region'] = 'arena', data?: Uint8Array): Buf {
    const bytes = Math.max(4, shape.reduce((a, b) => a * b, 1) * SCALAR_BYTES[dtype]);
    this.storages.set(name, { name, bytes, region, offset: this.at, data });
    this.at += Math.ceil(bytes / 64) * 64;
    const b: Buf = { name, dtype, shape, strides: contiguousStrides(shape), offset: 0, storage: name, scope: 'global' };
    this.bufs.set(name, b);
    return b;
  }

  view(name: string, of: Buf, shape: number[], strides: number[], offset = 0): Buf {
    const b: Buf = { name, dtype: of.dtype, shape, strides, offset, storage: of.storage, scope: 'global' };
    this.bufs.set(name, b);
    return b;
  }

  /** `flops`: the kernel's work, which caps how many chunks its dynamic loop is cut into (sched.ts's chunkCap). */
  kernel(name: string, body: Stmt, flops = 0): this {
    this.kernels.push({ name, ops: ['Test'], nodes: [name], body, flops, bytes: 0 });
    return this;
  }

  program(name = 'test', inputs: string[] = [], outputs: string[] = []): Program {
    const io = (n: string) => ({ name: n, dtype: this.bufs.get(n)!.dtype === 'f32' ? 'float32' : 'int32', shape: this.bufs.get(n)!.shape, buf: n });
    return { name, bufs: this.bufs, storages: this.storages, kernels: this.kernels, inputs: inputs.map(io), outputs: outputs.map(io) };
  }
}

export function localBuf(name: string, dtype: ScalarType, shape: number[]): Buf {
  return { name, dtype, shape, strides: contiguousStrides(shape), offset: 0, storage: '', scope: 'local' };
}


export interface Instance {
  memory: WebAssembly.Memory;
  exports: Record<string, (...args: number[]) => void>;
  f32(b: Buf): Float32Array;
  i32(b: Buf): Int32Array;
  view<T>(b: Buf, ctor: { new (buf: ArrayBufferLike, off: number, n: number): T; BYTES_PER_ELEMENT: number }): T;
  text?: () => string;
  /** Zeroes the chunk counters of dynamically scheduled loops, as the runtime does before a run. */
  resetSched(): void;
  /** Runs kernel_<k>(t, nthreads) on nthreads worker threads at once over this memory (counters reset first). */
  runThreads(k: number, nthreads: number): Promise<void>;
}

// A worker: instantiate the module over the shared memory, call one kernel with its thread id.
const THREAD_MAIN = `
const { workerData: d } = require('node:worker_threads');
const inst = new WebAssembly.Instance(d.module, { env: { memory: d.memory } });
inst.exports['kernel_' + d.k](d.tid, d.n);`;

/** Emit (verifying the IR between lowering passes), instantiate with a fresh shared memory, call init(). */
export function instantiate(p: Program, opts: EmitWasmOptions = {}): Instance {
  const { wasm, meta, text } = emitWasm(p, { lowering: { verify: true }, ...opts });
  const memory = new WebAssembly.Memory({ initial: meta.memory.pages, maximum: meta.memory.maxPages, shared: true });
  const inst = new WebAssembly.Instance(new WebAssembly.Module(wasm), { env: { memory } });
  const exports = inst.exports as unknown as Instance['exports'];
  exports.init();
  const addr = (b: Buf) => p.storages.get(b.storage)!.offset + b.offset * SCALAR_BYTES[b.dtype];
  const count = (b: Buf) => b.shape.reduce((a, x) => a * x, 1);
  const view = <T,>(b: Buf, ctor: { new (buf: ArrayBufferLike, off: number, n: number): T; BYTES_PER_ELEMENT: number }) =>
    new ctor(memory.buffer, addr(b), count(b));
  const resetSched = () => { if (meta.sched) new Int32Array(memory.buffer, meta.sched.offset, meta.sched.bytes / 4).fill(0); };
  const module = new WebAssembly.Module(wasm);
  const runThreads = async (k: number, n: number) => {
    resetSched();
    await Promise.all(Array.from({ length: n }, (_, tid) => new Promise<void>((resolve, reject) => {
      const w = new Worker(THREAD_MAIN, { eval: true, workerData: { module, memory, k, tid, n } });
      w.on('error', reject);
      w.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`thread ${tid} exited with ${code}`))));
    })));
  };
  return { memory, exports, text, view, f32: (b) => view(b, Float32Array), i32: (b) => view(b, Int32Array), resetSched, runThreads };
}

/** Deterministic pseudo-random floats in [-1, 1). */
export function randoms(n: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; out[i] = (s / 2 ** 32) * 2 - 1; }
  return out;
}
