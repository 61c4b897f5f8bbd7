// LayerNormalization over the trailing axes (from `axis`), viewed as rows [O, D]:
// mean and variance per row (two reductions), then y = (x - mean) * rsqrt(var + eps) * scale + bias,
// vectorized along the row. Rows of at least 8 reduce with vector accumulators (row-reduce.ts).
// Every stage is a parallel loop over rows touching only its own row, so the stages merge into one
// loop (merge-loops.ts): a row is normalized while in cache, with no barrier between stages.
// The stages (layerNormRows) also run on the rows of a GEMM's row block, inside the GEMM kernel
// (gemm-rows.ts).

import type { Buf, Expr, Stmt } from '../../ir/loop.js';
import { add, bin, f, load, mul, sub, v } from '../../ir/loop.js';
import { AccelcError } from '../../errors.js';
import { ACC } from '../../schedule/compute.js';
import { lowerStage } from '../../schedule/lower-stage.js';
import type { OpLowerer } from '../context.js';
import { pointwiseSchedule } from '../default-schedules.js';
import { normAxis } from '../index-math.js';
import { mergeOuterLoops } from '../merge-loops.js';
import { ROW_TILE, rowReduceStages, rowSchedule } from '../row-reduce.js';

/** Layer normalization of rows v('o') in 0..O of D elements. */
export interface LayerNormRows {
  name: string;
  O: number; D: number; eps: number;
  /** element `d` of row v('o') */
  x(d: Expr): Expr;
  out: Buf;
  /** where element `d` of row v('o') is stored in `out` */
  store(d: Expr): Expr[];
  scale: Buf; bias?: Buf;      // [D]
  mean: Buf; inv: Buf;         // [O]
  /** [O, ROW_TILE] partial lanes, for rows of at least ROW_TILE (vectorized reductions) */
  part?: Buf;
  /** false: the rows run inside the caller's parallel loop. Default true. */
  parallel?: boolean;
}

/** The per-row statistics of layer normalization: mean[o] and inv[o] = 1 / sqrt(var + eps). */
export type RowStats = Pick<LayerNormRows, 'name' | 'O' | 'D' | 'eps' | 'x' | 'mean' | 'inv' | 'part' | 'parallel'>;

export function rowStats(p: RowStats): Stmt[] {
  const { O, D } = p, par = p.parallel ?? true;
  const o = v('o');
  const sq = (d: Expr) => { const c = sub(p.x(d), load(p.mean.name, [o])); return mul(c, c); };
  const meanEpi = mul({ k: 'var', name: ACC }, f(1 / D));
  const invEpi = bin('div', f(1), { k: 'un', op: 'sqrt', a: add(mul({ k: 'var', name: ACC }, f(1 / D)), f(p.eps)) });
  const reduce = (what: string, out: Buf, elem: (d: Expr) => Expr, epilogue: Expr): Stmt[] => (p.part
    ? rowReduceStages({ name: `${p.name}.${what}`, op: 'sum', elem, out, part: p.part, O, N: D, epilogue, parallel: par })
    : [lowerStage({ name: `${p.name}.${what}`, out: out.name, type: 'f32', axes: [{ name: 'o', extent: O }],
      reduce: { op: 'sum', axes: [{ name: 'd', extent: D }] }, body: elem(v('d')), epilogue }, rowSchedule([{ p: 'cache_write', at: 'o' }, { p: 'parallel', axis: 'o' }], par))]);
  return [...reduce('mean', p.mean, p.x, meanEpi), ...reduce('var', p.inv, sq, invEpi)];
}

export function layerNormRows(p: LayerNormRows): Stmt[] {
  const par = p.parallel ?? true;
  const o = v('o');
  let y = mul(mul(sub(p.x(v('d')), load(p.mean.name, [o])), load(p.inv.name, [o])), load(p.scale.name, [v('d')]));
  if (p.bias) y = add(y, load(p.bias.name, [v('d')]));
  const def = { name: `${p.name}.norm`, out: p.out.name, type: 'f32' as const, axes: [{ name: 'o', extent: p.O }, { name: 'd', extent: p.D }], body: y, outIndex: p.store(v('d')) };
  const norm = lowerStage(def, rowSchedule(pointwiseSchedule(def), par));
  return [...rowStats(p), norm];
}

export const lowerLayerNorm: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]);
  if (x.dtype !== 'f32') throw new AccelcError({ code: 'E_UNSUPPORTED', message: `LayerNormalization on ${x.dtype}`, node: node.name, op: node.op, model: ctx.modelName });
  const axis = normAxis((node.attrs.axis as number | undefined) ?? -1, x.shape.length);
  const eps = (node.attrs.epsilon as number | undefined) ?? 1e-5;
  const O = x.shape.slice(0, axis).reduce((a, b) => a * b, 1), D = x.shape.slice(axis).reduce((a, b) => a * b, 1);
  const xv = ctx.view(x, [O, D]), yv = ctx.view(ctx.buf(node.outputs[0]), [O, D]);
  // The optional Mean and InvStdDev outputs (X's leading dims) hold the per-row statistics.
  const stat = (k: number, what: string) => (node.outputs[k] ? ctx.view(ctx.buf(node.outputs[k]), [O]) : ctx.temp(`${node.name}.${what}`, 'f32', [O]));
  const stages = layerNormRows({
    name: node.name, O, D, eps,
    x: (d) => load(xv.name, [v('o'), d]),
    out: yv, store: (d) => [v('o'), d],
    scale: ctx.view(ctx.buf(node.inputs[1]), [D]),
    bias: node.inputs[2] ? ctx.view(ctx.buf(node.inputs[2]), [D]) : undefined,
    mean: stat(1, 'mean'), inv: stat(2, 'inv'),
    part: D >= ROW_TILE && O > 1 ? ctx.temp(`${node.name}.part`, 'f32', [O, ROW_TILE]) : undefined,
  });
  return [{ name: node.name, body: mergeOuterLoops(stages), flops: 8 * O * D }];
};
