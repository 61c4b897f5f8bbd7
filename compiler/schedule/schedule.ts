// A schedule is data: an ordered list of primitive applications on one stage. It is printed, stored
// in tuning logs and replayed; `applySchedule` checks each primitive's legality before applying it.

import type { LoopKind } from '../ir/loop.js';

export type TailStrategy =
  | 'shift'   // the last tile is shifted inwards to overlap the previous one (needs extent >= factor; idempotent stages only)
  | 'guard'   // iterations past the end are skipped with an if
  | 'exact';  // the factor divides the extent

export type Primitive =
  | { p: 'split'; axis: string; factor: number; outer: string; inner: string; tail?: TailStrategy }
  | { p: 'fuse'; outer: string; inner: string; fused: string }
  | { p: 'reorder'; order: string[] }
  | { p: 'vectorize'; axis: string }
  | { p: 'unroll'; axis: string }
  | { p: 'parallel'; axis: string }
  /** Accumulate in a register tile (a 'local' buffer) inside loop `at`, written back once per tile. */
  | { p: 'cache_write'; at: string }
  /**
   * How reads of `buf` are broadcast across vector lanes (XNNPACK's two GEMM flavours):
   * 'load-splat' (the default) loads each element with v128.load32_splat; 'splat' loads the
   * element's aligned group of 4 with one v128.load and shuffles the lane out (f32 buffers whose
   * last dim is a multiple of 4, read at a constant last index, e.g. a GEMM's prepacked A panel
   * with the row loop unrolled; other reads fall back to load-splat).
   */
  | { p: 'broadcast'; buf: string; strategy: BroadcastStrategy };

export type BroadcastStrategy = 'load-splat' | 'splat';

export type Schedule = Primitive[];

export function printPrimitive(x: Primitive): string {
  switch (x.p) {
    case 'split': return `split(${x.axis}, ${x.factor}) -> ${x.outer}, ${x.inner}${x.tail ? ` [${x.tail}]` : ''}`;
    case 'fuse': return `fuse(${x.outer}, ${x.inner}) -> ${x.fused}`;
    case 'reorder': return `reorder(${x.order.join(', ')})`;
    case 'cache_write': return `cache_write(local, at ${x.at})`;
    case 'broadcast': return `broadcast(${x.buf}, ${x.strategy})`;
    default: return `${x.p}(${x.axis})`;
  }
}

export function printSchedule(s: Schedule): string {
  return s.map(printPrimitive).join('\n');
}

export const LOOP_KIND_OF: Record<'vectorize' | 'unroll' | 'parallel', LoopKind> = {
  vectorize: 'vectorize', unroll: 'unroll', parallel: 'parallel',
};
