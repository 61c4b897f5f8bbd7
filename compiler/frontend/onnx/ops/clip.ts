// Clip: min/max are attributes (float, default -inf/+inf) before opset 11, optional scalar inputs after.

import type { Node, Tensor } from '../../../ir/graph.js';
import type { OpCtx, OpSchema, StaticValue } from '../op-schema.js';
import { attrFloat } from './util/attrs.js';
import { NUMERIC_TYPES, checkArity, checkDtype, need, opFail } from './util/check.js';
import { mapUnary } from './util/elementwise.js';
import { reader, type Elem } from './util/tensor-data.js';

export { clipSchemas };

function checkBound(node: Node, ctx: OpCtx, x: StaticValue, v: StaticValue | undefined, what: string): void {
  if (!v) return;
  if (v.dtype !== x.dtype) opFail(node, ctx, 'E_SHAPE', `${what} has type ${v.dtype}, input has ${x.dtype}`);
  if (v.shape.reduce((a, b) => a * b, 1) !== 1) opFail(node, ctx, 'E_SHAPE', `${what} must be a scalar, got shape [${v.shape}]`);
}

function clamp(lo: Elem | undefined, hi: Elem | undefined): (x: Elem) => Elem {
  return (x) => {
    let y = x;
    if (lo !== undefined && y < lo) y = lo;
    if (hi !== undefined && y > hi) y = hi;
    return y;
  };
}

const first = (t: Tensor | undefined): Elem | undefined => (t ? reader(t)(0) : undefined);

const clipSchemas: OpSchema[] = [
  {
    op: 'Clip', since: 1, until: 10,
    infer(node, inputs, ctx) {
      checkArity(node, ctx, 1, 1);
      const x = need(node, ctx, inputs, 0);
      checkDtype(node, ctx, x.dtype, ['float32', 'float64', 'float16'], 'input');
      attrFloat(node, 'min', -Infinity, ctx);
      attrFloat(node, 'max', Infinity, ctx);
      return [{ dtype: x.dtype, shape: x.shape }];
    },
    evaluate(node, inputs, ctx) {
      const x = need(node, ctx, inputs, 0);
      return [mapUnary(x, x.dtype, clamp(attrFloat(node, 'min', -Infinity, ctx), attrFloat(node, 'max', Infinity, ctx)))];
    },
  },
  {
    op: 'Clip', since: 11,
    infer(node, inputs, ctx) {
      checkArity(node, ctx, 1, 3);
      const x = need(node, ctx, inputs, 0);
      checkDtype(node, ctx, x.dtype, NUMERIC_TYPES, 'input');
      checkBound(node, ctx, x, inputs[1], 'min');
      checkBound(node, ctx, x, inputs[2], 'max');
      return [{ dtype: x.dtype, shape: x.shape }];
    },
    evaluate(node, inputs, ctx) {
      const x = need(node, ctx, inputs, 0);
      return [mapUnary(x, x.dtype, clamp(first(inputs[1]), first(inputs[2])))];
    },
  },
];
