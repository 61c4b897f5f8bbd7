// Transpose: out[j...] = in[i...] with i[perm[d]] = j[d].

import type { Expr } from '../../ir/loop.js';
import { load, v } from '../../ir/loop.js';
import type { OpLowerer } from '../context.js';
import { axesOf } from '../index-math.js';
import { pointwiseKernel } from './elementwise.js';

export const lowerTranspose: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]), out = ctx.buf(node.outputs[0]);
  const rank = x.shape.length;
  const perm = (node.attrs.perm as number[] | undefined) ?? [...Array(rank).keys()].reverse();
  const axes = axesOf(out.shape);
  const idx: Expr[] = new Array(rank);
  perm.forEach((p, d) => { idx[p] = v(axes[d].name); });
  const simple = out.dtype === 'f32' || out.dtype === 'i32';
  return [pointwiseKernel(node.name, { name: node.name, out: out.name, type: out.dtype === 'f32' ? 'f32' : out.dtype === 'i64' ? 'i64' : 'i32', axes, body: load(x.name, idx) }, simple)];
};
