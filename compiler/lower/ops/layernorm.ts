// LayerNormalization over the trailing axes (from `axis`), viewed as rows [O, D]:
// mean and variance per row (two reductions), then y = (x - mean) * rsqrt(var + eps) * scale + bias,
// vectorized along the row. Rows of at least 8 reduce with vector accumulators (row-reduce.ts).
// Every stage is a parallel loop over rows touching only its own row, so the stages merge into one
// loop (merge-loops.ts): a row is normalized while in cache, with no barrier between stages.

import type { Expr, Stmt } from '../../ir/loop.js';
import { add, bin, f, load, mul, sub, v } from '../../ir/loop.js';
import { AccelcError } from '../../errors.js';
import { ACC } from '../../schedule/compute.js';
import type { Schedule } from '../../schedule/schedule.js';
import { lowerStage } from '../../schedule/lower-stage.js';
import type { OpLowerer } from '../context.js';
import { normAxis } from '../index-math.js';
import { mergeOuterLoops } from '../merge-loops.js';
import { ROW_TILE, rowReduceStages } from '../row-reduce.js';
import { pointwiseKernel } from './elementwise.js';

export const lowerLayerNorm: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]);
  if (x.dtype !== 'f32') throw new AccelcError({ code: 'E_UNSUPPORTED', message: `LayerNormalization on ${x.dtype}`, node: node.name, op: node.op, model: ctx.modelName });
  const axis = normAxis((node.attrs.axis as number | undefined) ?? -1, x.shape.length);
  const eps = (node.attrs.epsilon as number | undefined) ?? 1e-5;
  const O = x.shape.slice(0, axis).reduce((a, b) => a * b, 1), D = x.shape.slice(axis).reduce((a, b) => a * b, 1);
  const xv = ctx.view(x, [O, D]), yv = ctx.view(ctx.buf(node.outputs[0]), [O, D]);
  const scale = ctx.view(ctx.buf(node.inputs[1]), [D]);
  const bias = node.inputs[2] ? ctx.view(ctx.buf(node.inputs[2]), [D]) : undefined;
  // The optional Mean and InvStdDev outputs (X's leading dims) hold the per-row statistics.
  const stat = (k: number, what: string) => (node.outputs[k] ? ctx.view(ctx.buf(node.outputs[k]), [O]) : ctx.temp(`${node.name}.${what}`, 'f32', [O]));
  const mean = stat(1, 'mean'), inv = stat(2, 'inv');
  const row: Schedule = [{ p: 'cache_write', at: 'o' }, { p: 'parallel', axis: 'o' }];
  const xAt = (d: Expr) => load(xv.name, [v('o'), d]);
  const sq = (d: Expr) => { const c = sub(xAt(d), load(mean.name, [v('o')])); return mul(c, c); };
  const meanEpi = mul({ k: 'var', name: ACC }, f(1 / D));
  const invEpi = bin('div', f(1), { k: 'un', op: 'sqrt', a: add(mul({ k: 'var', name: ACC }, f(1 / D)), f(eps)) });
  const part = D >= ROW_TILE && O > 1 ? ctx.temp(`${node.name}.part`, 'f32', [O, ROW_TILE]) : undefined;
  const reduce = (what: string, out: typeof mean, elem: (d: Expr) => Expr, epilogue: Expr): Stmt[] => (part
    ? rowReduceStages({ name: `${node.name}.${what}`, op: 'sum', elem, out, part, O, N: D, epilogue })
    : [lowerStage({ name: `${node.name}.${what}`, out: out.name, type: 'f32', axes: [{ name: 'o', extent: O }],
      reduce: { op: 'sum', axes: [{ name: 'd', extent: D }] }, body: elem(v('d')), epilogue }, row)]);
  let y = mul(mul(sub(xAt(v('d')), load(mean.name, [v('o')])), load(inv.name, [v('o')])), load(scale.name, [v('d')]));
  if (bias) y = add(y, load(bias.name, [v('d')]));
  const norm = pointwiseKernel(`${node.name}.norm`, { name: `${node.name}.norm`, out: yv.name, type: 'f32', axes: [{ name: 'o', extent: O }, { name: 'd', extent: D }], body: y }, true);
  const stages = [...reduce('mean', mean, xAt, meanEpi), ...reduce('var', inv, sq, invEpi), norm.body];
  return [{ name: node.name, body: mergeOuterLoops(stages), flops: 8 * O * D }];
};
