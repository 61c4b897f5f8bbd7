// Concat: one copy stage per input, each writing its slab of the output, except inputs that were
// computed in place (compiler/lower/plan-concat.ts).

import { add, c, load, regTypeOf } from '../../ir/loop.js';
import type { OpLowerer } from '../context.js';
import { sliceView } from '../views.js';
import { axesOf, normAxis, vars } from '../index-math.js';
import { pointwiseKernel } from './elementwise.js';

export const lowerConcat: OpLowerer = (node, ctx) => {
  const out = ctx.buf(node.outputs[0]);
  const axis = normAxis(node.attrs.axis as number, out.shape.length);
  let at = 0;
  const kernels = [];
  for (const [k, name] of node.inputs.entries()) {
    const x = ctx.buf(name);
    const slab = sliceView(out, out.shape.map((_, d) => (d === axis ? at : 0)), x.shape);
    const inPlace = x.storage === out.storage && x.offset === slab.offset && x.strides.every((s, d) => x.shape[d] === 1 || s === slab.strides[d]);   // (a unit dim's stride is never used)
    if (x.shape[axis] === 0 || inPlace) { at += x.shape[axis]; continue; }   // computed in place (plan-concat)
    const axes = axesOf(x.shape);
    const idx = vars(axes);
    const outIdx = idx.map((e, d) => (d === axis ? add(e, c(at)) : e));
    kernels.push(pointwiseKernel(`${node.name}.${k}`, { name: `${node.name}.${k}`, out: out.name, type: regTypeOf(out.dtype), axes, body: load(x.name, idx), outIndex: outIdx },
      out.dtype === 'f32' || out.dtype === 'i32'));
    at += x.shape[axis];
  }
  return kernels;
};
