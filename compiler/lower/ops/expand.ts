// Expand: a broadcasting copy.

import { load, regTypeOf } from '../../ir/loop.js';
import type { OpLowerer } from '../context.js';
import { axesOf, broadcastIndex } from '../index-math.js';
import { pointwiseKernel } from './elementwise.js';

export const lowerExpand: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]), out = ctx.buf(node.outputs[0]);
  const axes = axesOf(out.shape);
  return [pointwiseKernel(node.name, { name: node.name, out: out.name, type: regTypeOf(out.dtype), axes, body: load(x.name, broadcastIndex(x.shape, axes)) }, out.dtype === 'f32' || out.dtype === 'i32')];
};
