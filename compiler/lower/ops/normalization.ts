// InstanceNormalization, MeanVarianceNormalization, LRN, and BatchNormalization whose parameters
// are computed at run time (constant parameters go to lowerBatchNorm, which folds them).
// The first two: per-group mean and 1/std (two reductions, viewed [groups..., reduced...]), then
// a pointwise stage; LRN sums squares over a clamped channel window.

import type { Expr } from '../../ir/loop.js';
import { add, bin, c, f, load, mul, sub, v } from '../../ir/loop.js';
import { ACC, type ComputeDef } from '../../schedule/compute.js';
import { lowerStage } from '../../schedule/lower-stage.js';
import type { Buf } from '../../ir/loop.js';
import type { LowerCtx, LoweredKernel, OpLowerer } from '../context.js';
import { axesOf, normAxis, vars } from '../index-math.js';
import { lowerBatchNorm } from './elementwise.js';
import { pointwiseKernel } from './elementwise.js';

const acc: Expr = { k: 'var', name: ACC };
const stage = (def: ComputeDef): LoweredKernel => ({ name: def.name, body: lowerStage(def, []), flops: def.axes.reduce((a, x) => a * x.extent, 1) });

/**
 * Mean and 1/(std + eps) (or 1/sqrt(var + eps)) of x viewed as [G, R] per group g, into temps of [G].
 * `addEpsToStd`: MVN's std + eps instead of sqrt(var + eps).
 */
function moments(name: string, ctx: LowerCtx, xv: Buf, eps: number, addEpsToStd: boolean): { mean: Buf; inv: Buf; kernels: LoweredKernel[] } {
  const [G, R] = xv.shape;
  const mean = ctx.temp(`${name}.mean`, 'f32', [G]), inv = ctx.temp(`${name}.inv`, 'f32', [G]);
  const g = [{ name: 'g', extent: G }], red = { axes: [{ name: 'r', extent: R }] };
  const x = load(xv.name, [v('g'), v('r')]), centered = sub(x, load(mean.name, [v('g')]));
  const variance = mul(acc, f(1 / R));
  const invStd: Expr = addEpsToStd
    ? bin('div', f(1), add({ k: 'un', op: 'sqrt', a: variance }, f(eps)))
    : bin('div', f(1), { k: 'un', op: 'sqrt', a: add(variance, f(eps)) });
  return {
    mean, inv,
    kernels: [
      stage({ name: `${name}.mean`, out: mean.name, type: 'f32', axes: g, reduce: { op: 'sum', ...red }, body: x, epilogue: mul(acc, f(1 / R)) }),
      stage({ name: `${name}.var`, out: inv.name, type: 'f32', axes: g, reduce: { op: 'sum', ...red }, body: mul(centered, centered), epilogue: invStd }),
    ],
  };
}

const lowerInstanceNorm: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]), out = ctx.buf(node.outputs[0]);
  const [N, C] = x.shape, S = x.shape.slice(2).reduce((a, b) => a * b, 1);
  const scale = ctx.buf(node.inputs[1]), bias = ctx.buf(node.inputs[2]);
  const m = moments(node.name, ctx, ctx.view(x, [N * C, S]), (node.attrs.epsilon as number | undefined) ?? 1e-5, false);
  const xv = ctx.view(x, [N, C, S]), ov = ctx.view(out, [N, C, S]);
  const gIdx = [add(mul(v('i0'), c(C)), v('i1'))];
  const body = add(mul(mul(sub(load(xv.name, [v('i0'), v('i1'), v('i2')]), load(m.mean.name, gIdx)), load(m.inv.name, gIdx)), load(scale.name, [v('i1')])), load(bias.name, [v('i1')]));
  return [...m.kernels, pointwiseKernel(`${node.name}.norm`, { name: `${node.name}.norm`, out: ov.name, type: 'f32', axes: axesOf([N, C, S]), body }, true)];
};

const lowerMvn: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]), out = ctx.buf(node.outputs[0]);
  const rank = x.shape.length;
  const axes = new Set(((node.attrs.axes as number[] | undefined) ?? [0, 2, 3].filter((a) => a < rank)).map((a) => normAxis(a, rank)));
  // Gather the reduced dims last: a transposed copy [kept..., reduced...], then the moments.
  const kept = x.shape.map((_, k) => k).filter((k) => !axes.has(k)), red = [...axes].sort((a, b) => a - b);
  const perm = [...kept, ...red];
  const G = kept.reduce((a, k) => a * x.shape[k], 1), R = red.reduce((a, k) => a * x.shape[k], 1);
  const tShape = perm.map((k) => x.shape[k]);
  const t = ctx.temp(`${node.name}.t`, 'f32', tShape);
  const tAxes = axesOf(tShape), tIdx: Expr[] = new Array(rank);
  perm.forEach((k, d) => { tIdx[k] = v(tAxes[d].name); });
  const copy = pointwiseKernel(`${node.name}.gather`, { name: `${node.name}.gather`, out: t.name, type: 'f32', axes: tAxes, body: load(x.name, tIdx) }, false);
  const m = moments(node.name, ctx, ctx.view(t, [G, R]), 1e-9, true);
  // y[i...] = (x - mean[g]) * inv[g], g the flat index of the kept dims.
  const oAxes = axesOf(x.shape), o = vars(oAxes);
  const g = kept.reduce<Expr>((acc2, k) => add(mul(acc2, c(x.shape[k])), o[k]), c(0));
  const body = mul(sub(load(x.name, o), load(m.mean.name, [g])), load(m.inv.name, [g]));
  return [copy, ...m.kernels, pointwiseKernel(`${node.name}.norm`, { name: `${node.name}.norm`, out: out.name, type: 'f32', axes: oAxes, body }, false)];
};

const lowerLrn: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]), out = ctx.buf(node.outputs[0]);
  const [N, C] = x.shape, S = x.shape.slice(2).reduce((a, b) => a * b, 1);
  const size = node.attrs.size as number, alpha = (node.attrs.alpha as number | undefined) ?? 1e-4;
  const beta = (node.attrs.beta as number | undefined) ?? 0.75, bias = (node.attrs.bias as number | undefined) ?? 1;
  const lo = Math.floor((size - 1) / 2);
  const xv = ctx.view(x, [N, C, S]), ov = ctx.view(out, [N, C, S]);
  const sq = ctx.temp(`${node.name}.sq`, 'f32', [N, C, S]);
  // window tap k covers channel c - lo + k; taps outside [0, C) add nothing.
  const ch = add(sub(v('c'), c(lo)), v('k'));
  const inside = bin('and', bin('ge', ch, c(0)), bin('lt', ch, c(C)));
  const xk = load(xv.name, [v('n'), bin('min', bin('max', ch, c(0)), c(C - 1)), v('s')]);
  const axes = [{ name: 'n', extent: N }, { name: 'c', extent: C }, { name: 's', extent: S }];
  const k1 = stage({ name: `${node.name}.sumsq`, out: sq.name, type: 'f32', axes, reduce: { op: 'sum', axes: [{ name: 'k', extent: size }] },
    body: { k: 'select', c: inside, a: mul(xk, xk), b: f(0) } });
  const denom: Expr = { k: 'call', fn: 'pow', args: [add(f(bias), mul(f(alpha / size), load(sq.name, [v('n'), v('c'), v('s')]))), f(beta)] };
  const k2 = stage({ name: `${node.name}.norm`, out: ov.name, type: 'f32', axes, body: bin('div', load(xv.name, [v('n'), v('c'), v('s')]), denom) });
  return [k1, k2];
};

/** BatchNormalization, training_mode=1: batch statistics per channel, then Y and the running statistics. */
const lowerBatchNormTraining: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]), out = ctx.buf(node.outputs[0]);
  const [N, C] = x.shape, S = x.shape.slice(2).reduce((a, b) => a * b, 1);
  const [scale, bias, runMean, runVar] = node.inputs.slice(1, 5).map((n) => ctx.buf(n));
  const eps = (node.attrs.epsilon as number | undefined) ?? 1e-5, momentum = (node.attrs.momentum as number | undefined) ?? 0.9;
  const xv = ctx.view(x, [N, C, S]), ov = ctx.view(out, [N, C, S]);
  const mean = ctx.temp(`${node.name}.mean`, 'f32', [C]), variance = ctx.temp(`${node.name}.var`, 'f32', [C]);
  const chan = [{ name: 'c', extent: C }], red = { axes: [{ name: 'n', extent: N }, { name: 's', extent: S }] };
  const xe = load(xv.name, [v('n'), v('c'), v('s')]), centered = sub(xe, load(mean.name, [v('c')]));
  const kernels = [
    stage({ name: `${node.name}.mean`, out: mean.name, type: 'f32', axes: chan, reduce: { op: 'sum', ...red }, body: xe, epilogue: mul(acc, f(1 / (N * S))) }),
    stage({ name: `${node.name}.var`, out: variance.name, type: 'f32', axes: chan, reduce: { op: 'sum', ...red }, body: mul(centered, centered), epilogue: mul(acc, f(1 / (N * S))) }),
    stage({ name: `${node.name}.norm`, out: ov.name, type: 'f32', axes: [{ name: 'n', extent: N }, ...chan, { name: 's', extent: S }],
      body: add(mul(bin('div', centered, { k: 'un', op: 'sqrt', a: add(load(variance.name, [v('c')]), f(eps)) }), load(scale.name, [v('c')])), load(bias.name, [v('c')])) }),
  ];
  const running = (k: number, input: Buf, batch: Buf) => {
    if (!node.outputs[k]) return;
    const o = ctx.buf(node.outputs[k]);
    kernels.push(stage({ name: `${node.name}.running${k}`, out: o.name, type: 'f32', axes: chan,
      body: add(mul(load(input.name, [v('c')]), f(momentum)), mul(load(batch.name, [v('c')]), f(1 - momentum))) }));
  };
  running(1, runMean, mean);
  running(2, runVar, variance);
  return kernels;
};

/** BatchNormalization: constant parameters fold (lowerBatchNorm); run-time ones are read; or training mode. */
const lowerBatchNormAny: OpLowerer = (node, ctx) => {
  if (ctx.graph.opset >= 14 && node.attrs.training_mode === 1) return lowerBatchNormTraining(node, ctx);
  if (node.inputs.slice(1, 5).every((n) => ctx.constOf(n))) return lowerBatchNorm(node, ctx);
  const x = ctx.buf(node.inputs[0]), out = ctx.buf(node.outputs[0]);
  const [scale, bias, mean, variance] = node.inputs.slice(1, 5).map((n) => ctx.buf(n));
  const eps = (node.attrs.epsilon as number | undefined) ?? 1e-5;
  const axes = axesOf(out.shape), ci = [vars(axes)[1]];
  const norm = bin('div', sub(load(x.name, vars(axes)), load(mean.name, ci)), { k: 'un', op: 'sqrt', a: add(load(variance.name, ci), f(eps)) });
  return [pointwiseKernel(node.name, { name: node.name, out: out.name, type: 'f32', axes, body: add(mul(norm, load(scale.name, ci)), load(bias.name, ci)) }, false)];
};

export const NORMALIZATION_LOWERINGS: Record<string, OpLowerer> = {
  InstanceNormalization: lowerInstanceNorm,
  MeanVarianceNormalization: lowerMvn,
  LRN: lowerLrn,
  BatchNormalization: lowerBatchNormAny,
};
