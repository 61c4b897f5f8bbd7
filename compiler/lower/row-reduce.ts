// Vectorized sum/max along contiguous rows: reduce elem(o, 0..N) -> out[o], for N >= 8, where
// elem reads contiguous row o (e.g. x[o, a], or (x[o, a] - mean[o])^2).
// Reductions along the innermost (contiguous) axis do not vectorize as written (the reduced loop is
// the one with unit stride), so they are split by hand (rfactor): a partial stage accumulates two
// 4-lane vectors per row over 8-wide tiles, the last tile shifted inwards (min(j*8, N-8)), then a
// scalar stage folds the 8 lanes. A shifted tile counts N%8 .. 8 columns twice: harmless for max;
// for sum the epilogue subtracts them again. Both stages are parallel over rows `o` with the same
// chunks as the caller's other row stages, or serial when the caller's loop is the parallel one
// (rows normalized inside a GEMM kernel, gemm-rows.ts).

import type { Buf, Expr, Stmt } from '../ir/loop.js';
import { bin, c, load, mul, sub, v } from '../ir/loop.js';
import { substitute } from '../ir/subst.js';
import { ACC } from '../schedule/compute.js';
import type { Schedule } from '../schedule/schedule.js';
import { lowerStage } from '../schedule/lower-stage.js';
import { LANES } from './default-schedules.js';

export const ROW_TILE = 2 * LANES;

export interface RowReduce {
  name: string;
  op: 'sum' | 'max';
  /** the element at column `col` of row v('o') */
  elem(col: Expr): Expr;
  /** a [O] buffer receiving the result */
  out: Buf;
  /** a [O, ROW_TILE] scratch buffer for the partial lanes */
  part: Buf;
  O: number; N: number;
  /** applied to the finished row value (ACC) */
  epilogue?: Expr;
  /** false: no parallel loop over rows (the caller's loop hands out the rows). Default true. */
  parallel?: boolean;
}

/** A row stage's schedule with its parallel loop dropped when the rows run inside a caller's parallel loop. */
export function rowSchedule(s: Schedule, parallel = true): Schedule {
  return parallel ? s : s.filter((p) => p.p !== 'parallel');
}

export function rowReduceStages(r: RowReduce): Stmt[] {
  const { O, N } = r;
  const col = bin('add', N % ROW_TILE === 0 ? mul(v('j'), c(ROW_TILE)) : bin('min', mul(v('j'), c(ROW_TILE)), c(N - ROW_TILE)), v('t'));
  const partial: Schedule = [
    { p: 'split', axis: 't', factor: LANES, outer: 'tu', inner: 'tv' },
    { p: 'reorder', order: ['o', 'j', 'tu', 'tv'] },
    { p: 'cache_write', at: 'o' },
    { p: 'unroll', axis: 'tu' },
    { p: 'vectorize', axis: 'tv' },
    { p: 'parallel', axis: 'o' },
  ];
  const par = r.parallel ?? true;
  const partStage = lowerStage({
    name: `${r.name}.part`, out: r.part.name, type: 'f32',
    axes: [{ name: 'o', extent: O }, { name: 't', extent: ROW_TILE }],
    reduce: { op: r.op, axes: [{ name: 'j', extent: Math.ceil(N / ROW_TILE) }] },
    body: r.elem(col),
  }, rowSchedule(partial, par));
  // columns the shifted last tile counted twice: [N-8, 8*floor(N/8))
  const twice = r.op === 'sum' ? ROW_TILE * Math.ceil(N / ROW_TILE) - N : 0;
  let acc: Expr = { k: 'var', name: ACC };
  for (let q = 0; q < twice; q++) acc = sub(acc, r.elem(c(N - ROW_TILE + q)));
  const epi = r.epilogue ? substitute(r.epilogue, new Map([[ACC, acc]])) : twice ? acc : undefined;
  const foldStage = lowerStage({
    name: `${r.name}.fold`, out: r.out.name, type: 'f32',
    axes: [{ name: 'o', extent: O }],
    reduce: { op: r.op, axes: [{ name: 't', extent: ROW_TILE }] },
    body: load(r.part.name, [v('o'), v('t')]),
    epilogue: epi,
  }, rowSchedule([{ p: 'cache_write', at: 'o' }, { p: 'parallel', axis: 'o' }], par));
  return [partStage, foldStage];
}
