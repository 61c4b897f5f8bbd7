// Softmax / LogSoftmax. Opset 1-12: coerce to 2-D at `axis` (default 1) and normalize each row of
// prod(dims[axis:]) elements. Opset 13+: normalize along the single axis (default -1).

import { numel, type Node, type Tensor } from '../../../ir/graph.js';
import type { OpCtx, OpSchema } from '../op-schema.js';
import { attrInt } from './util/attrs.js';
import { FLOAT_TYPES, checkArity, checkDtype, need, normAxis, opFail } from './util/check.js';
import { fromFn, toNumbers } from './util/tensor-data.js';

export { softmaxSchemas };

/** outer x len x inner blocks; normalization runs over len with stride inner. */
function blocks(node: Node, ctx: OpCtx | undefined, shape: number[], coerce2d: boolean): [number, number, number] {
  const r = shape.length;
  if (coerce2d) {
    const axis = attrInt(node, 'axis', 1, ctx);
    if (axis < -r || axis > r) opFail(node, ctx, 'E_MODEL', `axis ${axis} is out of range for rank ${r}`);
    const a = axis < 0 ? axis + r : axis;
    return [numel(shape.slice(0, a)), numel(shape.slice(a)), 1];
  }
  if (r === 0) opFail(node, ctx, 'E_SHAPE', 'input must have rank >= 1');
  const a = normAxis(node, ctx, attrInt(node, 'axis', -1, ctx), r);
  return [numel(shape.slice(0, a)), shape[a], numel(shape.slice(a + 1))];
}

function softmaxOf(x: Tensor, [outer, len, inner]: [number, number, number], log: boolean): Tensor {
  const v = toNumbers(x);
  const out = new Float64Array(v.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      let max = -Infinity;
      for (let j = 0; j < len; j++) max = Math.max(max, v[base + j * inner]);
      let sum = 0;
      for (let j = 0; j < len; j++) sum += Math.exp(v[base + j * inner] - max);
      for (let j = 0; j < len; j++) {
        const z = v[base + j * inner] - max;
        out[base + j * inner] = log ? z - Math.log(sum) : Math.exp(z) / sum;
      }
    }
  }
  return fromFn(x.dtype, x.shape, (i) => out[i]);
}

function schema(op: string, since: number, until: number | undefined): OpSchema {
  const coerce2d = since < 13;
  const log = op === 'LogSoftmax';
  return {
    op, since, until,
    infer(node, inputs, ctx) {
      checkArity(node, ctx, 1, 1);
      const x = need(node, ctx, inputs, 0);
      checkDtype(node, ctx, x.dtype, FLOAT_TYPES, 'input');
      blocks(node, ctx, x.shape, coerce2d);
      return [{ dtype: x.dtype, shape: x.shape }];
    },
    evaluate(node, inputs, ctx) {
      const x = need(node, ctx, inputs, 0);
      return [softmaxOf(x, blocks(node, ctx, x.shape, coerce2d), log)];
    },
  };
}

const softmaxSchemas: OpSchema[] = ['Softmax', 'LogSoftmax'].flatMap((op) => [schema(op, 1, 12), schema(op, 13, undefined)]);
