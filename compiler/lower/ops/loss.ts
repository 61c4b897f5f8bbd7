// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss. Inputs viewed as [N, C, D]:
//   (SCE) log-softmax along C, into the log_prob output or a temporary: max, sum of exp, subtract;
//   loss[n, d] = -logp[n, t, d] * w[t], 0 where t == ignore_index (t clamped for the load);
//   'sum' reduces it, 'mean' divides by the summed weights of the targets used.

import type { Node } from '../../ir/graph.js';
import type { Buf, Expr } from '../../ir/loop.js';
import { add, bin, c, f, load, mul, regTypeOf, sub, v } from '../../ir/loop.js';
import { ACC, type ComputeDef } from '../../schedule/compute.js';
import type { Schedule } from '../../schedule/schedule.js';
import { lowerStage } from '../../schedule/lower-stage.js';
import type { LowerCtx, LoweredKernel, OpLowerer } from '../context.js';
import { konst } from './pointwise.js';

const sel = (cond: Expr, a: Expr, b: Expr): Expr => ({ k: 'select', c: cond, a, b });
const stage = (def: ComputeDef, s: Schedule = []): LoweredKernel => ({ name: def.name, body: lowerStage(def, s), flops: def.axes.reduce((a, x) => a * x.extent, 1) });

/** Log-softmax of x [N, C, D] along C into out [N, C, D]. */
function logSoftmax(node: Node, ctx: LowerCtx, x: Buf, out: Buf, [N, C, D]: number[]): LoweredKernel[] {
  const mx = ctx.temp(`${node.name}.max`, 'f32', [N, D]), sm = ctx.temp(`${node.name}.sum`, 'f32', [N, D]);
  const row = [{ name: 'n', extent: N }, { name: 'd', extent: D }], nd = [v('n'), v('d')], ncd = [v('n'), v('c'), v('d')];
  const full = [{ name: 'n', extent: N }, { name: 'c', extent: C }, { name: 'd', extent: D }];
  const red = { axes: [{ name: 'c', extent: C }] };
  const shifted = sub(load(x.name, ncd), load(mx.name, nd));
  return [
    stage({ name: `${node.name}.max`, out: mx.name, type: 'f32', axes: row, reduce: { op: 'max', ...red }, body: load(x.name, ncd) }),
    stage({ name: `${node.name}.sumexp`, out: sm.name, type: 'f32', axes: row, reduce: { op: 'sum', ...red }, body: { k: 'call', fn: 'exp', args: [shifted] } }),
    stage({ name: `${node.name}.logp`, out: out.name, type: 'f32', axes: full, body: sub(shifted, { k: 'call', fn: 'log', args: [load(sm.name, nd)] }) }),
  ];
}

function nll(node: Node, ctx: LowerCtx, logp: Buf, [N, C, D]: number[]): LoweredKernel[] {
  const t = ctx.view(ctx.buf(node.inputs[1]), [N, D]), out = ctx.buf(node.outputs[0]);
  const w = node.inputs[2] ? ctx.buf(node.inputs[2]) : undefined;
  const reduction = (node.attrs.reduction as string | undefined) ?? 'mean';
  const tt = regTypeOf(t.dtype);
  const raw = load(t.name, [v('n'), v('d')]);
  const ti: Expr = tt === 'i32' ? raw : { k: 'cast', t: 'i32', a: raw };
  const idx = bin('min', bin('max', ti, c(0)), c(C - 1));
  const ignored = typeof node.attrs.ignore_index === 'number' ? bin('eq', raw, konst(node.attrs.ignore_index, tt)) : undefined;
  const weight = w ? load(w.name, [idx]) : f(1);
  const used = (e: Expr) => (ignored ? sel(ignored, f(0), e) : e);
  const lossAt = used(mul({ k: 'un', op: 'neg', a: load(logp.name, [v('n'), idx, v('d')]) }, weight));
  const axes = [{ name: 'n', extent: N }, { name: 'd', extent: D }];
  if (reduction === 'none') return [stage({ name: `${node.name}.loss`, out: ctx.view(out, [N, D]).name, type: 'f32', axes, body: lossAt })];
  const total = ctx.view(out, [1]);
  const all = { axes: [{ name: 'n', extent: N }, { name: 'd', extent: D }] };
  const one = [{ name: 'z', extent: 1 }];
  if (reduction === 'sum') return [stage({ name: `${node.name}.sum`, out: total.name, type: 'f32', axes: one, reduce: { op: 'sum', ...all }, body: lossAt, outIndex: [c(0)] })];
  const wsum = ctx.temp(`${node.name}.wsum`, 'f32', [1]);
  return [
    stage({ name: `${node.name}.wsum`, out: wsum.name, type: 'f32', axes: one, reduce: { op: 'sum', ...all }, body: used(weight), outIndex: [c(0)] }),
    stage({ name: `${node.name}.mean`, out: total.name, type: 'f32', axes: one, reduce: { op: 'sum', ...all }, body: lossAt, outIndex: [c(0)],
      epilogue: bin('div', { k: 'var', name: ACC }, load(wsum.name, [c(0)])) }),
  ];
}

function dims(x: Buf): number[] {
  return [x.shape[0], x.shape[1], x.shape.slice(2).reduce((a, b) => a * b, 1)];
}

const lowerNll: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]);
  return nll(node, ctx, ctx.view(x, dims(x)), dims(x));
};

const lowerSce: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]), d = dims(x);
  const logp = node.outputs[1] ? ctx.view(ctx.buf(node.outputs[1]), d) : ctx.temp(`${node.name}.logp`, 'f32', d);
  return [...logSoftmax(node, ctx, ctx.view(x, d), logp, d), ...nll(node, ctx, logp, d)];
};

export const LOSS_LOWERINGS: Record<string, OpLowerer> = {
  NegativeLogLikelihoodLoss: lowerNll,
  SoftmaxCrossEntropyLoss: lowerSce,
};
void add;
