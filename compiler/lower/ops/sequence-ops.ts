// ReverseSequence (a gather along time by each batch entry's length) and MaxUnpool (zeros, then a
// serial scatter of X to the flat positions in I; positions outside the output are dropped).

import type { Expr } from '../../ir/loop.js';
import { add, bin, c, load, mul, regTypeOf, sub } from '../../ir/loop.js';
import type { ComputeDef } from '../../schedule/compute.js';
import { lowerStage } from '../../schedule/lower-stage.js';
import type { OpLowerer } from '../context.js';
import { axesOf, vars } from '../index-math.js';
import { pointwiseKernel } from './elementwise.js';
import { konst } from './pointwise.js';

const sel = (cond: Expr, a: Expr, b: Expr): Expr => ({ k: 'select', c: cond, a, b });
const asI32 = (e: Expr, t: string): Expr => (t === 'i64' ? { k: 'cast', t: 'i32', a: e } : e);

const lowerReverseSequence: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]), lens = ctx.buf(node.inputs[1]), out = ctx.buf(node.outputs[0]);
  const time = (node.attrs.time_axis as number | undefined) ?? 0, batch = (node.attrs.batch_axis as number | undefined) ?? 1;
  const axes = axesOf(out.shape), o = vars(axes);
  const len = asI32(load(lens.name, [o[batch]]), lens.dtype);
  const t = sel(bin('lt', o[time], len), sub(sub(len, c(1)), o[time]), o[time]);
  const idx = o.map((e, d) => (d === time ? t : e));
  return [pointwiseKernel(node.name, { name: node.name, out: out.name, type: regTypeOf(out.dtype), axes, body: load(x.name, idx) }, false)];
};

const lowerMaxUnpool: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]), ind = ctx.buf(node.inputs[1]), out = ctx.buf(node.outputs[0]);
  const n = out.shape.reduce((a, b) => a * b, 1), t = regTypeOf(out.dtype);
  const flat = ctx.view(out, [n]);
  const zero = pointwiseKernel(`${node.name}.zero`, { name: `${node.name}.zero`, out: flat.name, type: t, axes: axesOf([n]), body: konst(0, t) }, t === 'f32');
  // I indexes the default output shape; an output_shape only pads it: map the position across.
  const k = x.shape.length - 2, kernel = node.attrs.kernel_shape as number[];
  const strides = (node.attrs.strides as number[] | undefined) ?? new Array<number>(k).fill(1);
  const pads = (node.attrs.pads as number[] | undefined) ?? new Array<number>(2 * k).fill(0);
  const base = [x.shape[0], x.shape[1], ...x.shape.slice(2).map((d, i) => (d - 1) * strides[i] + kernel[i] - pads[i] - pads[i + k])];
  const baseN = base.reduce((a, b) => a * b, 1);
  const axes = axesOf(x.shape, 'u'), u = vars(axes);
  const j = asI32(load(ind.name, u), ind.dtype);
  const coords = base.map((_, d) => bin('rem', bin('div', j, c(base.slice(d + 1).reduce((a, b) => a * b, 1))), c(base[d])));
  const fits = coords.map((e, d) => bin('lt', e, c(out.shape[d]))).reduce((a, b) => bin('and', a, b));
  const inside = bin('and', bin('and', bin('ge', j, c(0)), bin('lt', j, c(baseN))), fits);
  const pos = coords.reduce<Expr>((acc, e, d) => add(mul(acc, c(out.shape[d])), e), c(0));
  const at = sel(inside, pos, c(0));
  // Positions outside write the value already at 0 back to 0 (a no-op).
  const value = sel(inside, load(x.name, u), load(flat.name, [c(0)]));
  const def: ComputeDef = { name: `${node.name}.scatter`, out: flat.name, type: t, axes, body: value, outIndex: [at] };
  return [zero, { name: def.name, body: lowerStage(def, []), flops: x.shape.reduce((a, b) => a * b, 1) }];
};

export const SEQUENCE_OP_LOWERINGS: Record<string, OpLowerer> = { ReverseSequence: lowerReverseSequence, MaxUnpool: lowerMaxUnpool };
