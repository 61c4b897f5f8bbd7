// Per-kernel timing (SessionOptions.profile): each thread adds, for each kernel, the time spent in
// it and the time spent waiting at the barrier after it, to its own slots of a shared
// Float64Array laid out [kernel][thread][compute, wait]. Only that thread writes its slots; the
// main thread reads them between runs (ordered by the control block's atomics).

import type { ModuleMeta } from './meta.js';

export { KernelProfile };
export type { KernelTiming };

interface KernelTiming {
  index: number;
  name: string;
  ops: string[];
  /** Mean ms per run in the kernel, for each thread. */
  computeMs: number[];
  /** Mean ms per run waiting at the barrier after the kernel, for each thread. */
  waitMs: number[];
  /**
   * Mean ms per run from the kernel's start to the barrier's release: threads start a kernel
   * together and leave its barrier together, so each thread's compute + wait, averaged over threads.
   */
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
    this.buffer = buffer ?? new SharedArrayBuffer(kernels * threads * 2 * 8);
    this.f64 = new Float64Array(this.buffer);
  }

  add(kernel: number, tid: number, computeMs: number, waitMs: number): void {
    const at = (kernel * this.threads + tid) * 2;
    this.f64[at] += computeMs;
    this.f64[at + 1] += waitMs;
  }

  report(meta: ModuleMeta): KernelTiming[] {
    const runs = Math.max(1, this.runs);
    const per = (k: number, t: number, j: number) => this.f64[(k * this.threads + t) * 2 + j]! / runs;
    return meta.kernels.slice(0, this.kernels).map((km, k) => {
      const computeMs = Array.from({ length: this.threads }, (_, t) => per(k, t, 0));
      const waitMs = computeMs.map((_, t) => per(k, t, 1));
      const wallMs = computeMs.reduce((a, c, t) => a + c + waitMs[t]!, 0) / this.threads;
      return { index: k, name: km.name, ops: km.ops, computeMs, waitMs, wallMs };
    });
  }

  reset(): void {
    this.f64.fill(0);
    this.runs = 0;
  }
}
