// Flatten: [d0..d(axis-1), d(axis)..] -> [prod(before), prod(after)]. axis default 1, negative from opset 11.

import { numel, type Node } from '../../../ir/graph.js';
import type { OpCtx, OpSchema } from '../op-schema.js';
import { attrInt } from './util/attrs.js';
import { ALL_TYPES, checkArity, checkDtype, need, opFail } from './util/check.js';
import { shareTensor } from './util/tensor-data.js';

export { flattenSchemas };

function flatShape(node: Node, ctx: OpCtx | undefined, shape: number[]): number[] {
  const r = shape.length;
  const axis = attrInt(node, 'axis', 1, ctx);
  if (axis < -r || axis > r) opFail(node, ctx, 'E_MODEL', `axis ${axis} is out of range for rank ${r}`);
  const a = axis < 0 ? axis + r : axis;
  return [numel(shape.slice(0, a)), numel(shape.slice(a))];
}

const flattenSchemas: OpSchema[] = [{
  op: 'Flatten',
  since: 1,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 1, 1);
    const x = need(node, ctx, inputs, 0);
    checkDtype(node, ctx, x.dtype, ALL_TYPES, 'input');
    const shape = flatShape(node, ctx, x.shape);
    return [{ dtype: x.dtype, shape, value: x.const && shareTensor(x.const, shape) }];
  },
  evaluate(node, inputs, ctx) {
    const x = need(node, ctx, inputs, 0);
    return [shareTensor(x, flatShape(node, ctx, x.shape))];
  },
}];
