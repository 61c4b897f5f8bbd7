// Size: the number of elements, an int64 scalar known from the (static) input shape.

import { numel } from '../../../ir/graph.js';
import type { OpSchema } from '../op-schema.js';
import { checkArity, need } from './util/check.js';
import { scalar } from './util/tensor-data.js';

export { sizeSchemas };

const sizeSchemas: OpSchema[] = [{
  op: 'Size', since: 1,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 1, 1);
    const value = scalar('int64', BigInt(numel(need(node, ctx, inputs, 0).shape)));
    return [{ dtype: 'int64', shape: [], value }];
  },
  evaluate(node, inputs, ctx) {
    return [scalar('int64', BigInt(numel(need(node, ctx, inputs, 0).shape)))];
  },
}];
