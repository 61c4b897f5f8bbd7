// Timing for the tuner: a loaded module's inputs filled, a whole run's outputs, and paired timings
// (two modules' calls interleaved, so a machine that speeds up or slows down moves both alike).

import { dtypeInfo } from '../../runtime/tensor.js';
import type { LoadedModel } from '../../runtime/loader.js';

export { fillInputs, outputBytes, sameOutputs, timePairs, median };
export type { PairTiming };

interface PairTiming {
  /** Median ms of A's calls, of B's calls. */
  a: number;
  b: number;
  /** Median over the pairs of B's time over A's. */
  ratio: number;
}

/**
 * Writes inputs into the module's memory: float inputs from a fixed pseudo-random sequence in
 * [-1, 1) (the same for every module), other inputs zero (a valid index for any axis).
 */
function fillInputs(m: LoadedModel): void {
  let seed = 12345;
  for (const t of m.meta.inputs) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    const bytes = n * dtypeInfo(t.dtype).bytes;
    if (t.dtype === 'float32') {
      const f = new Float32Array(m.memory.buffer, t.offset, n);
      for (let i = 0; i < n; i++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        f[i] = seed / 2 ** 31 - 1;
      }
    } else {
      new Uint8Array(m.memory.buffer, t.offset, bytes).fill(0);
    }
  }
}

/** The outputs' bytes after the run just made (copies). */
function outputBytes(m: LoadedModel): Uint8Array[] {
  return m.meta.outputs.map((t) => new Uint8Array(m.memory.buffer, t.offset, t.shape.reduce((a, b) => a * b, 1) * dtypeInfo(t.dtype).bytes).slice());
}

/**
 * Whether two runs' outputs agree: float32 outputs to within 1e-4 of the larger magnitude, or the
 * same NaN or infinity (a tile changes which outputs are computed together, not the order of any
 * sum, so they should be equal); the rest byte for byte. Returns the first difference, or undefined.
 */
function sameOutputs(m: LoadedModel, a: Uint8Array[], b: Uint8Array[]): string | undefined {
  for (let o = 0; o < a.length; o++) {
    const t = m.meta.outputs[o]!;
    if (t.dtype === 'float32') {
      const x = new Float32Array(a[o]!.buffer), y = new Float32Array(b[o]!.buffer);
      for (let i = 0; i < x.length; i++) {
        const p = x[i]!, q = y[i]!;
        const close = Number.isFinite(p) && Number.isFinite(q) && Math.abs(p - q) <= 1e-4 * Math.max(1, Math.abs(p), Math.abs(q));
        if (!close && !Object.is(p, q)) return `output '${t.name}'[${i}]: ${x[i]} against ${y[i]}`;
      }
    } else if (a[o]!.some((v, i) => v !== b[o]![i])) {
      return `output '${t.name}' differs`;
    }
  }
  return undefined;
}

/** `pairs` calls of each, alternating which goes first; `before` runs untimed ahead of every call. */
function timePairs(a: () => void, b: () => void, pairs: number, before: () => void = () => {}): PairTiming {
  const ta: number[] = [], tb: number[] = [], r: number[] = [];
  const time = (f: () => void) => {
    before();
    const t0 = performance.now();
    f();
    return performance.now() - t0;
  };
  for (let i = 0; i < pairs; i++) {
    let x: number, y: number;
    if (i % 2) {
      x = time(a);
      y = time(b);
    } else {
      y = time(b);
      x = time(a);
    }
    ta.push(x);
    tb.push(y);
    r.push(y / x);
  }
  return { a: median(ta), b: median(tb), ratio: median(r) };
}

/** The middle value; of an even count, the upper of the two (so two ratios must both pass a bound). */
function median(xs: readonly number[]): number {
  const s = [...xs].sort((p, q) => p - q);
  return s[s.length >> 1]!;
}
