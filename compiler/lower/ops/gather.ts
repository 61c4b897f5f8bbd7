// Gather(axis): out[a..., q..., b...] = data[a..., wrap(indices[q...]), b...]; negative indices count from the end.
// A fused elementwise epilogue (fuse-epilogue-tree: an embedding's position Add) is applied before the store.

import type { Expr } from '../../ir/loop.js';
import { add, bin, c, load, regTypeOf, v } from '../../ir/loop.js';
import type { OpLowerer } from '../context.js';
import { axesOf, normAxis } from '../index-math.js';
import { pointwiseKernel } from './elementwise.js';
import { epilogueOf } from '../epilogue.js';

export const lowerGather: OpLowerer = (node, ctx) => {
  const data = ctx.buf(node.inputs[0]), ind = ctx.buf(node.inputs[1]), out = ctx.buf(node.outputs[0]);
  const r = data.shape.length, q = ind.shape.length;
  const axis = normAxis((node.attrs.axis as number | undefined) ?? 0, r);
  const axes = axesOf(out.shape);
  const ov = axes.map((a) => v(a.name));
  const raw = load(ind.name, ov.slice(axis, axis + q));
  const i32: Expr = ind.dtype === 'i64' ? { k: 'cast', t: 'i32', a: raw } : raw;
  const dim = data.shape[axis];
  const wrapped: Expr = { k: 'select', c: bin('lt', i32, c(0)), a: add(i32, c(dim)), b: i32 };
  const idx = [...ov.slice(0, axis), wrapped, ...ov.slice(axis + q)];
  const body = epilogueOf(node, ctx, load(data.name, idx), ov);
  return [pointwiseKernel(node.name, { name: node.name, out: out.name, type: regTypeOf(out.dtype), axes, body }, false)];
};
