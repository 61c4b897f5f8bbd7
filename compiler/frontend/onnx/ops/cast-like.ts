// CastLike (opset 15): Cast to the type of the second input.

import type { OpSchema } from '../op-schema.js';
import { ALL_TYPES, checkArity, checkDtype, need } from './util/check.js';
import { mapUnary } from './util/elementwise.js';

export { castLikeSchemas };

const castLikeSchemas: OpSchema[] = [{
  op: 'CastLike', since: 15,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 2, 2);
    const x = need(node, ctx, inputs, 0), like = need(node, ctx, inputs, 1);
    checkDtype(node, ctx, x.dtype, ALL_TYPES, 'input');
    checkDtype(node, ctx, like.dtype, ALL_TYPES, 'target_type');
    return [{ dtype: like.dtype, shape: x.shape }];
  },
  evaluate(node, inputs, ctx) {
    return [mapUnary(need(node, ctx, inputs, 0), need(node, ctx, inputs, 1).dtype, (v) => v)];
  },
}];
