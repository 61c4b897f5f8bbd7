// ConstantOfShape (opset 9): a tensor of the given constant shape filled with the one-element
// `value` attribute (default float32 0). An empty shape input gives a scalar.

import { numel, type Node, type Tensor } from '../../../ir/graph.js';
import type { OpCtx, OpSchema } from '../op-schema.js';
import { attrTensor } from './util/attrs.js';
import { checkArity, checkDtype, need, opFail } from './util/check.js';
import { checkElementCount, constInts } from './util/shape.js';
import { fromFn, reader, scalar, tensorInts } from './util/tensor-data.js';

export { constantOfShapeSchemas };

function fillValue(node: Node, ctx: OpCtx | undefined): Tensor {
  const v = attrTensor(node, 'value', ctx);
  if (!v) return scalar('float32', 0);
  if (numel(v.shape) !== 1) opFail(node, ctx, 'E_MODEL', `attribute 'value' must hold one element, got shape [${v.shape}]`);
  return v;
}

const constantOfShapeSchemas: OpSchema[] = [{
  op: 'ConstantOfShape',
  since: 9,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 1, 1);
    const s = need(node, ctx, inputs, 0);
    checkDtype(node, ctx, s.dtype, ['int64'], 'input');
    if (s.shape.length !== 1) opFail(node, ctx, 'E_SHAPE', `input must be 1-D, got [${s.shape}]`);
    const shape = constInts(node, ctx, s, 'shape input');
    checkElementCount(node, ctx, shape);
    return [{ dtype: fillValue(node, ctx).dtype, shape }];
  },
  evaluate(node, inputs, ctx) {
    const v = fillValue(node, ctx);
    const x = reader(v)(0);
    return [fromFn(v.dtype, tensorInts(need(node, ctx, inputs, 0)), () => x)];
  },
}];
