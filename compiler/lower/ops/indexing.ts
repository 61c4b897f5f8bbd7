// Data-dependent indexing: GatherElements, ScatterElements/Scatter, GatherND, ScatterND, Trilu,
// OneHot. Indices are read as i32 (int64 indices are wrapped), negative ones count from the end.
// Scatters copy the data, then apply the updates in one serial stage (later updates win).

import type { Buf, Expr, RegType } from '../../ir/loop.js';
import { add, bin, c, load, mul, regTypeOf, sub } from '../../ir/loop.js';
import type { ComputeDef } from '../../schedule/compute.js';
import { lowerStage } from '../../schedule/lower-stage.js';
import type { LowerCtx, LoweredKernel, OpLowerer } from '../context.js';
import { axesOf, normAxis, vars } from '../index-math.js';
import { pointwiseKernel } from './elementwise.js';
import { konst } from './pointwise.js';

const sel = (cond: Expr, a: Expr, b: Expr): Expr => ({ k: 'select', c: cond, a, b });

/** An index value as i32, wrapped into [0, dim) when negative. */
function indexExpr(ind: Buf, idx: Expr[], dim: number): Expr {
  const raw = load(ind.name, idx);
  const i32: Expr = regTypeOf(ind.dtype) === 'i32' ? raw : { k: 'cast', t: 'i32', a: raw };
  return sel(bin('lt', i32, c(0)), add(i32, c(dim)), i32);
}

function copy(name: string, out: Buf, x: Buf): LoweredKernel {
  const axes = axesOf(out.shape);
  return pointwiseKernel(name, { name, out: out.name, type: regTypeOf(out.dtype), axes, body: load(x.name, vars(axes)) }, out.dtype === 'f32' || out.dtype === 'i32');
}

/** out[at] = combine(out[at], value) for every point of `axes`, serially. */
function serialUpdate(name: string, out: Buf, axes: ComputeDef['axes'], at: Expr[], value: Expr, reduction: string): LoweredKernel {
  const t: RegType = regTypeOf(out.dtype);
  const cur = load(out.name, at);
  const combined = reduction === 'add' ? add(cur, value) : reduction === 'mul' ? mul(cur, value)
    : reduction === 'max' ? bin('max', cur, value) : reduction === 'min' ? bin('min', cur, value) : value;
  const def: ComputeDef = { name, out: out.name, type: t, axes, body: combined, outIndex: at };
  return { name, body: lowerStage(def, []), flops: axes.reduce((a, x) => a * x.extent, 1) };
}

const lowerGatherElements: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]), ind = ctx.buf(node.inputs[1]), out = ctx.buf(node.outputs[0]);
  const axis = normAxis((node.attrs.axis as number | undefined) ?? 0, x.shape.length);
  const axes = axesOf(out.shape), o = vars(axes);
  const idx = o.map((e, d) => (d === axis ? indexExpr(ind, o, x.shape[axis]) : e));
  return [pointwiseKernel(node.name, { name: node.name, out: out.name, type: regTypeOf(out.dtype), axes, body: load(x.name, idx) }, false)];
};

const lowerScatterElements: OpLowerer = (node, ctx) => {
  const [x, ind, upd] = node.inputs.map((n) => ctx.buf(n));
  const out = ctx.buf(node.outputs[0]);
  const axis = normAxis((node.attrs.axis as number | undefined) ?? 0, x.shape.length);
  const axes = axesOf(ind.shape, 'u'), u = vars(axes);
  const at = u.map((e, d) => (d === axis ? indexExpr(ind, u, x.shape[axis]) : e));
  const kernels = [copy(`${node.name}.copy`, out, x)];
  if (ind.shape.every((d) => d > 0)) kernels.push(serialUpdate(`${node.name}.scatter`, out, axes, at, load(upd.name, u), (node.attrs.reduction as string | undefined) ?? 'none'));
  return kernels;
};

/** GatherND/ScatterND addressing: data index from tuple coordinates t (idx dims but the last) and slice coordinates s. */
function ndIndex(x: Buf, ind: Buf, b: number, t: Expr[], s: Expr[]): Expr[] {
  const q = ind.shape[ind.shape.length - 1];
  const picked = Array.from({ length: q }, (_, k) => indexExpr(ind, [...t, c(k)], x.shape[b + k]));
  return [...t.slice(0, b), ...picked, ...s];
}

const lowerGatherND: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]), ind = ctx.buf(node.inputs[1]), out = ctx.buf(node.outputs[0]);
  const b = (node.attrs.batch_dims as number | undefined) ?? 0;
  const m = ind.shape.length;
  const axes = axesOf(out.shape), o = vars(axes);
  const body = load(x.name, ndIndex(x, ind, b, o.slice(0, m - 1), o.slice(m - 1)));
  return [pointwiseKernel(node.name, { name: node.name, out: out.name, type: regTypeOf(out.dtype), axes, body }, false)];
};

const lowerScatterND: OpLowerer = (node, ctx) => {
  const [x, ind, upd] = node.inputs.map((n) => ctx.buf(n));
  const out = ctx.buf(node.outputs[0]);
  const m = ind.shape.length;
  const axes = axesOf(upd.shape, 'u'), u = vars(axes);
  const at = ndIndex(x, ind, 0, u.slice(0, m - 1), u.slice(m - 1));
  const kernels = [copy(`${node.name}.copy`, out, x)];
  if (upd.shape.every((d) => d > 0)) kernels.push(serialUpdate(`${node.name}.scatter`, out, axes, at, load(upd.name, u), (node.attrs.reduction as string | undefined) ?? 'none'));
  return kernels;
};

const lowerTrilu: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]), out = ctx.buf(node.outputs[0]);
  const kData = node.inputs[1] ? ctx.constOf(node.inputs[1]) : undefined;
  const k = kData ? Number(kData[0]) : 0;
  const upper = ((node.attrs.upper as number | undefined) ?? 1) === 1;
  const axes = axesOf(out.shape), o = vars(axes), r = o.length;
  const diff = sub(o[r - 1], o[r - 2]);
  const keep = upper ? bin('ge', diff, c(k)) : bin('le', diff, c(k));
  const t = regTypeOf(out.dtype);
  return [pointwiseKernel(node.name, { name: node.name, out: out.name, type: t, axes, body: sel(keep, load(x.name, o), konst(0, t)) }, false)];
};

const lowerOneHot: OpLowerer = (node, ctx) => {
  const ind = ctx.buf(node.inputs[0]), values = ctx.buf(node.inputs[2]), out = ctx.buf(node.outputs[0]);
  const rank = out.shape.length, a = (node.attrs.axis as number | undefined) ?? -1;
  const axis = a < 0 ? a + rank : a, depth = out.shape[axis];
  const axes = axesOf(out.shape), o = vars(axes);
  const iIdx = o.filter((_, d) => d !== axis);
  const raw = load(ind.name, iIdx);
  const it = regTypeOf(ind.dtype);
  const asInt: Expr = it === 'f32' ? { k: 'cast', t: 'i32', a: raw } : it === 'i64' ? { k: 'cast', t: 'i32', a: raw } : raw;
  const k = sel(bin('lt', asInt, c(0)), add(asInt, c(depth)), asInt);
  const vv = ctx.view(values, [2]);
  const body = sel(bin('eq', k, o[axis]), load(vv.name, [c(1)]), load(vv.name, [c(0)]));
  return [pointwiseKernel(node.name, { name: node.name, out: out.name, type: regTypeOf(out.dtype), axes, body }, false)];
};

export const INDEXING_LOWERINGS: Record<string, OpLowerer> = {
  GatherElements: lowerGatherElements,
  Scatter: lowerScatterElements,
  ScatterElements: lowerScatterElements,
  GatherND: lowerGatherND,
  ScatterND: lowerScatterND,
  Trilu: lowerTrilu,
  OneHot: lowerOneHot,
};

export type { LowerCtx };
