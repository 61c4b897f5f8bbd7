// Per-kernel timing (SessionOptions.profile): each thread adds, for each kernel, the time from its
// call to its return (kernels end synchronised inside the module, so that includes waiting for the
// other threads' chunks) to its own slot of a shared Float64Array laid out [kernel][thread]. Only
// that thread writes its slots; the main thread reads them between runs (ordered by the control
// block's atomics).

import type { ModuleMeta } from './meta.js';

export { KernelProfile };
export type { KernelTiming };

interface KernelTiming {
  index: number;
  name: string;
  ops: string[];
  /** Mean ms per run in the kernel (its in-kernel waits included), for each thread. */
  computeMs: number[];
  /** computeMs averaged over the threads. */
  wallMs: number;
}

class KernelProfile {
  readonly buffer: SharedArrayBuffer;
  readonly kernels: number;
  readonly threads: number;
  private readonly f64: Float64Array;
  runs = 0;

  constructor(kernels: number, threads: number, buffer?: SharedArrayBuffer) {
    this.kernels = kernels;
    this.threads = threads;
    this.buffer = buffer ?? new SharedArrayBuffer(kernels * threads * 8);
    this.f64 = new Float64Array(this.buffer);
  }

  add(kernel: number, tid: number, ms: number): void {
    this.f64[kernel * this.threads + tid] += ms;
  }

  report(meta: ModuleMeta): KernelTiming[] {
    const runs = Math.max(1, this.runs);
    return meta.kernels.slice(0, this.kernels).map((km, k) => {
      const computeMs = Array.from({ length: this.threads }, (_, t) => this.f64[k * this.threads + t]! / runs);
      const wallMs = computeMs.reduce((a, c) => a + c, 0) / this.threads;
      return { index: k, name: km.name, ops: km.ops, computeMs, wallMs };
    });
  }

  reset(): void {
    this.f64.fill(0);
    this.runs = 0;
  }
}
