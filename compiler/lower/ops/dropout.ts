// Dropout with its mask output (inference: the output is a copy, the mask all true). Without a mask
// Dropout is a buffer alias and never reaches a lowering.

import { c, load, regTypeOf } from '../../ir/loop.js';
import type { OpLowerer } from '../context.js';
import { axesOf, vars } from '../index-math.js';
import { pointwiseKernel } from './elementwise.js';

export const lowerDropout: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]), mask = ctx.buf(node.outputs[1]);
  const axes = axesOf(x.shape);
  const kernels = [];
  if (node.outputs[0]) {
    const out = ctx.buf(node.outputs[0]);
    kernels.push(pointwiseKernel(`${node.name}.copy`, { name: `${node.name}.copy`, out: out.name, type: regTypeOf(out.dtype), axes, body: load(x.name, vars(axes)) }, out.dtype === 'f32'));
  }
  const one = regTypeOf(mask.dtype) === 'f32' ? { k: 'const' as const, t: 'f32' as const, v: 1 } : c(1);
  kernels.push(pointwiseKernel(`${node.name}.mask`, { name: `${node.name}.mask`, out: mask.name, type: regTypeOf(mask.dtype), axes, body: one }, false));
  return kernels;
};
