// ReduceMin/Prod/L1/L2/LogSum/LogSumExp/SumSquare, ArgMax/ArgMin, Hardmax and CumSum, over
// constant axes. A reduction is one stage: pre-map each element, combine (sum, min or prod),
// post-map the result (sqrt, log). LogSumExp subtracts the maximum first, for range.

import type { Expr, RegType } from '../../ir/loop.js';
import { add, bin, c, f, load, mul, regTypeOf, sub, v } from '../../ir/loop.js';
import { ACC, type Axis, type ComputeDef, type ReduceOp } from '../../schedule/compute.js';
import type { Schedule } from '../../schedule/schedule.js';
import { lowerStage } from '../../schedule/lower-stage.js';
import type { Buf } from '../../ir/loop.js';
import type { LowerCtx, LoweredKernel, OpLowerer } from '../context.js';
import { axesOf, normAxis, vars } from '../index-math.js';
import { pointwiseKernel } from './elementwise.js';
import { castTo, konst } from './pointwise.js';

const sel = (cond: Expr, a: Expr, b: Expr): Expr => ({ k: 'select', c: cond, a, b });
const acc: Expr = { k: 'var', name: ACC };

interface Split { spatial: Axis[]; reduce: Axis[]; inIdx: Expr[]; outShape: number[] }

/** Splits x's dims into kept (s<k>) and reduced (r<k>) axes; the output is viewed without the reduced dims. */
function splitAxes(x: Buf, red: Set<number>): Split {
  const spatial: Axis[] = [], reduce: Axis[] = [], inIdx: Expr[] = [];
  x.shape.forEach((d, i) => {
    const a = { name: red.has(i) ? `r${i}` : `s${i}`, extent: d };
    (red.has(i) ? reduce : spatial).push(a);
    inIdx.push(v(a.name));
  });
  return { spatial, reduce, inIdx, outShape: spatial.map((a) => a.extent) };
}

function reducedAxes(node: LowerCtxNode, ctx: LowerCtx, rank: number): Set<number> {
  const axesIn = node.inputs[1] ? ctx.constOf(node.inputs[1]) : undefined;
  let axes = (axesIn ? Array.from(axesIn, Number) : (node.attrs.axes as number[] | undefined)) ?? [];
  if (!axes.length) axes = node.attrs.noop_with_empty_axes === 1 ? [] : [...Array(rank).keys()];
  return new Set(axes.map((a) => normAxis(a, rank)));
}
type LowerCtxNode = Parameters<OpLowerer>[0];

/** One reduction stage into `out` (viewed as the kept dims). */
function reduceStage(name: string, ctx: LowerCtx, out: Buf, sp: Split, op: ReduceOp, t: RegType, body: Expr, epilogue?: Expr): LoweredKernel {
  const outView = ctx.view(out, sp.spatial.length ? sp.outShape : [1]);
  const axes = sp.spatial.length ? sp.spatial : [{ name: 'z', extent: 1 }];
  const def: ComputeDef = {
    name, out: outView.name, type: t, axes,
    reduce: { op, axes: sp.reduce.length ? sp.reduce : [{ name: 'r', extent: 1 }] },
    body, outIndex: sp.spatial.length ? vars(sp.spatial) : [c(0)], epilogue,
  };
  const last = axes[axes.length - 1].name;
  const par = axes.find((a) => a.extent > 1);
  const sched: Schedule = [{ p: 'cache_write', at: last }, ...(par ? [{ p: 'parallel' as const, axis: par.name }] : [])];
  return { name, body: lowerStage(def, sched), flops: x0(sp) };
}
const x0 = (sp: Split) => [...sp.spatial, ...sp.reduce].reduce((a, x) => a * x.extent, 1);

const REDUCERS: Record<string, { op: ReduceOp; float: boolean; pre: (x: Expr, t: RegType) => Expr; post?: (a: Expr) => Expr }> = {
  ReduceMin: { op: 'min', float: false, pre: (x) => x },
  ReduceProd: { op: 'prod', float: false, pre: (x) => x },
  ReduceL1: { op: 'sum', float: false, pre: (x, t) => (t === 'f32' ? { k: 'un', op: 'abs', a: x } : sel(bin('lt', x, konst(0, t)), sub(konst(0, t), x), x)) },
  ReduceL2: { op: 'sum', float: true, pre: (x) => mul(x, x), post: (a) => ({ k: 'un', op: 'sqrt', a }) },
  ReduceLogSum: { op: 'sum', float: true, pre: (x) => x, post: (a) => ({ k: 'call', fn: 'log', args: [a] }) },
  ReduceSumSquare: { op: 'sum', float: false, pre: (x) => mul(x, x) },
};

const lowerReduceMore: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]), out = ctx.buf(node.outputs[0]);
  const sp = splitAxes(x, reducedAxes(node, ctx, x.shape.length));
  const r = REDUCERS[node.op];
  const xt = regTypeOf(x.dtype), t: RegType = r.float ? 'f32' : xt;
  const body = r.pre(castTo(load(x.name, sp.inIdx), xt, t), t);
  return [reduceStage(node.name, ctx, out, sp, r.op, t, body, r.post?.(acc))];
};

/** log(sum(exp(x - max))) + max. */
const lowerLogSumExp: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]), out = ctx.buf(node.outputs[0]);
  const sp = splitAxes(x, reducedAxes(node, ctx, x.shape.length));
  const mx = ctx.temp(`${node.name}.max`, 'f32', sp.spatial.length ? sp.outShape : [1]);
  const xin = castTo(load(x.name, sp.inIdx), regTypeOf(x.dtype), 'f32');
  const mIdx = sp.spatial.length ? vars(sp.spatial) : [c(0)];
  const k1 = reduceStage(`${node.name}.max`, ctx, mx, sp, 'max', 'f32', xin);
  const shifted = sub(xin, load(mx.name, mIdx));
  const k2 = reduceStage(`${node.name}.sum`, ctx, out, sp, 'sum', 'f32', { k: 'call', fn: 'exp', args: [shifted] },
    add({ k: 'call', fn: 'log', args: [acc] }, load(mx.name, mIdx)));
  return [k1, k2];
};

/** ArgMax/ArgMin: the extreme value, then the first (or last) index holding it. */
const lowerArg: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]), out = ctx.buf(node.outputs[0]);
  const axis = normAxis((node.attrs.axis as number | undefined) ?? 0, x.shape.length);
  const sp = splitAxes(x, new Set([axis]));
  const xt = regTypeOf(x.dtype);
  const ext = ctx.temp(`${node.name}.ext`, xt === 'f32' ? 'f32' : xt === 'i64' ? 'i64' : 'i32', sp.spatial.length ? sp.outShape : [1]);
  const xin = load(x.name, sp.inIdx);
  const eIdx = sp.spatial.length ? vars(sp.spatial) : [c(0)];
  const isMax = node.op === 'ArgMax', last = node.attrs.select_last_index === 1;
  const k1 = reduceStage(`${node.name}.ext`, ctx, ext, sp, isMax ? 'max' : 'min', regTypeOf(ext.dtype), xin);
  const j: Expr = { k: 'cast', t: 'i64', a: v(`r${axis}`) };
  const none = konst(last ? -1 : x.shape[axis], 'i64');
  const k2 = reduceStage(`${node.name}.index`, ctx, out, sp, last ? 'max' : 'min', 'i64', sel(bin('eq', xin, load(ext.name, eIdx)), j, none));
  return [k1, k2];
};

/** Hardmax: 1 at the first maximum along the axis, 0 elsewhere (viewed as [outer, len, inner]). */
const lowerHardmax: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]), out = ctx.buf(node.outputs[0]);
  const r = x.shape.length, prod = (a: number[]) => a.reduce((p, q) => p * q, 1);
  const opset13 = ctx.graph.opset >= 13;
  const a = normAxis((node.attrs.axis as number | undefined) ?? (opset13 ? -1 : 1), r);
  const dims = opset13 ? [prod(x.shape.slice(0, a)), x.shape[a], prod(x.shape.slice(a + 1))] : [prod(x.shape.slice(0, a)), prod(x.shape.slice(a)), 1];
  const xv = ctx.view(x, dims), ov = ctx.view(out, dims);
  const sp: Split = { spatial: [{ name: 's0', extent: dims[0] }, { name: 's2', extent: dims[2] }], reduce: [{ name: 'r1', extent: dims[1] }], inIdx: [v('s0'), v('r1'), v('s2')], outShape: [dims[0], dims[2]] };
  const mx = ctx.temp(`${node.name}.max`, 'f32', sp.outShape), first = ctx.temp(`${node.name}.first`, 'i32', sp.outShape);
  const xin = load(xv.name, sp.inIdx), oi = [v('s0'), v('s2')];
  const k1 = reduceStage(`${node.name}.max`, ctx, mx, sp, 'max', 'f32', xin);
  const k2 = reduceStage(`${node.name}.first`, ctx, first, sp, 'min', 'i32', sel(bin('eq', xin, load(mx.name, oi)), v('r1'), c(dims[1])));
  const axes = axesOf(dims);
  const k3 = pointwiseKernel(`${node.name}.onehot`, { name: `${node.name}.onehot`, out: ov.name, type: 'f32', axes,
    body: sel(bin('eq', load(first.name, [v('i0'), v('i2')]), v('i1')), f(1), f(0)) }, false);
  return [k1, k2, k3];
};

/** CumSum as a serial scan along the axis: out[0] = x[0] (or 0), out[j] = out[j-1] + x[j] (or x[j-1]). */
const lowerCumSum: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]), out = ctx.buf(node.outputs[0]);
  const axisData = ctx.constOf(node.inputs[1]);
  const axis = normAxis(Number(axisData![0]), x.shape.length);
  const excl = node.attrs.exclusive === 1, rev = node.attrs.reverse === 1;
  const len = x.shape[axis], t = regTypeOf(out.dtype);
  if (len === 0 || x.shape.includes(0)) return [];
  // Position p of the scan (0 = where it starts) is index p, or len-1-p in reverse.
  const at = (p: Expr): Expr => (rev ? sub(c(len - 1), p) : p);
  const idxWith = (o: Expr[], p: Expr) => o.map((e, d) => (d === axis ? at(p) : e));
  const firstAxes = axesOf(x.shape.map((d, k) => (k === axis ? 1 : d)));
  const fo = vars(firstAxes);
  const first: ComputeDef = { name: `${node.name}.first`, out: out.name, type: t, axes: firstAxes,
    body: excl ? konst(0, t) : load(x.name, idxWith(fo, c(0))), outIndex: idxWith(fo, c(0)) };
  const kernels: LoweredKernel[] = [{ name: first.name, body: lowerStage(first, []), flops: 0 }];
  if (len > 1) {
    const restAxes = axesOf(x.shape.map((d, k) => (k === axis ? len - 1 : d)));
    const ro = vars(restAxes), p = add(ro[axis], c(1));
    const rest: ComputeDef = { name: `${node.name}.scan`, out: out.name, type: t, axes: restAxes,
      body: add(load(out.name, idxWith(ro, ro[axis])), load(x.name, idxWith(ro, excl ? ro[axis] : p))), outIndex: idxWith(ro, p) };
    // The scan axis outermost and serial: every step reads the previous one's results.
    const order = [restAxes[axis].name, ...restAxes.filter((_, k) => k !== axis).map((a) => a.name)];
    kernels.push({ name: rest.name, body: lowerStage(rest, [{ p: 'reorder', order }]), flops: x.shape.reduce((a, b) => a * b, 1) });
  }
  return kernels;
};

export const REDUCE_MORE_LOWERINGS: Record<string, OpLowerer> = {
  ...Object.fromEntries(Object.keys(REDUCERS).map((op) => [op, lowerReduceMore])),
  ReduceLogSumExp: lowerLogSumExp,
  ArgMax: lowerArg,
  ArgMin: lowerArg,
  Hardmax: lowerHardmax,
  CumSum: lowerCumSum,
};
