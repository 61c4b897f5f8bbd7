// Expand (opset 8): broadcast the input with a constant shape, numpy style in both directions.

import type { OpSchema } from '../op-schema.js';
import { ALL_TYPES, checkArity, checkDtype, need, opFail } from './util/check.js';
import { broadcastMap, broadcastShapes, checkElementCount, constInts, gatherElems } from './util/shape.js';
import { tensorInts } from './util/tensor-data.js';

export { expandSchemas };

const expandSchemas: OpSchema[] = [{
  op: 'Expand',
  since: 8,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 2, 2);
    const x = need(node, ctx, inputs, 0);
    const s = need(node, ctx, inputs, 1);
    checkDtype(node, ctx, x.dtype, ALL_TYPES, 'input');
    checkDtype(node, ctx, s.dtype, ['int64'], 'shape');
    if (s.shape.length !== 1) opFail(node, ctx, 'E_SHAPE', `shape input must be 1-D, got [${s.shape}]`);
    const target = constInts(node, ctx, s, 'shape input');
    if (target.some((d) => !Number.isInteger(d) || d < 0)) opFail(node, ctx, 'E_SHAPE', `shape [${target}] has a negative dimension`);
    const shape = broadcastShapes(node, ctx, [x.shape, target]);
    checkElementCount(node, ctx, shape);
    return [{ dtype: x.dtype, shape }];
  },
  evaluate(node, inputs, ctx) {
    const x = need(node, ctx, inputs, 0);
    const shape = broadcastShapes(node, ctx, [x.shape, tensorInts(need(node, ctx, inputs, 1))]);
    return [gatherElems(x, broadcastMap(x.shape, shape), shape)];
  },
}];
