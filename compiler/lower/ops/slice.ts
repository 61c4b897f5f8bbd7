// Slice (opset >= 10: starts/ends/axes/steps inputs; opset < 10: attributes), constant parameters.

import { add, c, load, mul, regTypeOf } from '../../ir/loop.js';
import { AccelcError } from '../../errors.js';
import type { Node } from '../../ir/graph.js';
import type { LowerCtx, OpLowerer } from '../context.js';
import { axesOf, normAxis, vars } from '../index-math.js';
import { pointwiseKernel } from './elementwise.js';

/** Start and step per axis of a Slice with constant parameters (clamped as the spec says). */
export function sliceParams(node: Node, ctx: LowerCtx, shape: readonly number[]): { start: number[]; step: number[] } {
  const rank = shape.length;
  const arr = (i: number, attr: string): number[] | undefined => {
    if (ctx.graph.opset < 10) return node.attrs[attr] as number[] | undefined;
    if (!node.inputs[i]) return undefined;
    const d = ctx.constOf(node.inputs[i]);
    if (!d) throw new AccelcError({ code: 'E_UNSUPPORTED', message: `Slice ${attr} must be constant`, node: node.name, op: node.op, model: ctx.modelName });
    return Array.from(d, Number);
  };
  const starts = arr(1, 'starts')!;
  const axesA = arr(3, 'axes') ?? starts.map((_, i) => i);
  const steps = arr(4, 'steps') ?? starts.map(() => 1);
  const start = new Array<number>(rank).fill(0), step = new Array<number>(rank).fill(1);
  axesA.forEach((a0, k) => {
    const a = normAxis(a0, rank), dim = shape[a], st = steps[k];
    let s = starts[k];
    if (s < 0) s += dim;
    s = st > 0 ? Math.min(Math.max(s, 0), dim) : Math.min(Math.max(s, -1), dim - 1);
    start[a] = s; step[a] = st;
  });
  return { start, step };
}

export const lowerSlice: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]), out = ctx.buf(node.outputs[0]);
  const { start, step } = sliceParams(node, ctx, x.shape);
  const axes = axesOf(out.shape);
  const idx = vars(axes).map((e, d) => add(mul(e, c(step[d])), c(start[d])));
  return [pointwiseKernel(node.name, { name: node.name, out: out.name, type: regTypeOf(out.dtype), axes, body: load(x.name, idx) }, out.dtype === 'f32' || out.dtype === 'i32')];
};
