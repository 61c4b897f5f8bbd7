// EyeLike (opset 9): a 2-D tensor shaped like the input with ones on diagonal k, in `dtype`
// (default: the input's type).

import type { Node } from '../../../ir/graph.js';
import type { OpCtx, OpSchema } from '../op-schema.js';
import { dtypeFromOnnx } from '../dtype.js';
import { attrInt } from './util/attrs.js';
import { ALL_TYPES, checkArity, checkDtype, need, opFail } from './util/check.js';
import { fromFn } from './util/tensor-data.js';
import type { DType } from '../../../ir/graph.js';

export { eyeLikeSchemas };

function outType(node: Node, ctx: OpCtx | undefined, x: DType): DType {
  if (node.attrs.dtype === undefined) return x;
  const d = dtypeFromOnnx(attrInt(node, 'dtype', undefined, ctx));
  if (!d || d === 'string') return opFail(node, ctx, 'E_UNSUPPORTED', `dtype ${String(node.attrs.dtype)} is not supported`);
  return d;
}

const eyeLikeSchemas: OpSchema[] = [{
  op: 'EyeLike', since: 9,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 1, 1);
    const x = need(node, ctx, inputs, 0);
    checkDtype(node, ctx, x.dtype, ALL_TYPES, 'input');
    if (x.shape.length !== 2) opFail(node, ctx, 'E_SHAPE', `input must be 2-D, got [${x.shape}]`);
    const dtype = outType(node, ctx, x.dtype);
    const k = attrInt(node, 'k', 0, ctx);
    // Known from the shape alone: a constant, unless it is too large to carry as weights.
    const small = x.shape[0] * x.shape[1] <= 1 << 20;
    const value = small ? fromFn(dtype, x.shape, (i) => (i % x.shape[1]) - Math.floor(i / x.shape[1]) === k ? 1 : 0) : undefined;
    return [{ dtype, shape: x.shape, value }];
  },
  evaluate(node, inputs, ctx) {
    const x = need(node, ctx, inputs, 0);
    const k = attrInt(node, 'k', 0, ctx);
    return [fromFn(outType(node, ctx, x.dtype), x.shape, (i) => (i % x.shape[1]) - Math.floor(i / x.shape[1]) === k ? 1 : 0)];
  },
}];
