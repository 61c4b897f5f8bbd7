// Identity and Dropout (inference: identity). Dropout's optional mask output is all true
// (bool from opset 10, the input's type before); opset 12 takes ratio/training_mode as inputs.

import type { DType, Node } from '../../../ir/graph.js';
import { DynamicShapeError } from '../../../errors.js';
import type { OpCtx, OpSchema, StaticValue } from '../op-schema.js';
import { ALL_TYPES, checkArity, checkDtype, need, opFail } from './util/check.js';
import { fromFn, reader } from './util/tensor-data.js';

export { identitySchemas };

const identity: OpSchema = {
  op: 'Identity',
  since: 1,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 1, 1);
    const x = need(node, ctx, inputs, 0);
    return [{ dtype: x.dtype, shape: x.shape, value: x.const }];
  },
  evaluate(node, inputs, ctx) {
    return [need(node, ctx, inputs, 0)];
  },
};

function checkInference(node: Node, ctx: OpCtx, inputs: Array<StaticValue | undefined>): void {
  const mode = inputs[2];
  if (!mode) return;
  // Whether this Dropout is the identity must be known when compiling (a specialiser can bind it).
  const needed = (v: StaticValue) => new DynamicShapeError({ message: `'${v.name}' decides whether Dropout is the identity and must be a constant`, model: ctx.model, node: node.name, op: node.op, value: v.name });
  if (!mode.const) throw needed(mode);
  const training = reader(mode.const)(0) !== 0;
  if (training && inputs[1] && !inputs[1].const) throw needed(inputs[1]);
  const ratio = inputs[1]?.const ? Number(reader(inputs[1].const)(0)) : 0.5;
  if (training && ratio !== 0) opFail(node, ctx, 'E_UNSUPPORTED', 'training_mode must be a constant false (inference only)');
}

function dropout(since: number, until: number | undefined): OpSchema {
  const maskType = (x: DType): DType => (since >= 10 ? 'bool' : x);
  return {
    op: 'Dropout', since, until,
    infer(node, inputs, ctx) {
      checkArity(node, ctx, 1, since >= 12 ? 3 : 1);
      const x = need(node, ctx, inputs, 0);
      checkDtype(node, ctx, x.dtype, ALL_TYPES, 'data');
      if (since >= 12) checkInference(node, ctx, inputs);
      return [
        { dtype: x.dtype, shape: x.shape, value: x.const },
        { dtype: maskType(x.dtype), shape: x.shape },
      ].slice(0, Math.max(1, node.outputs.length));
    },
    evaluate(node, inputs, ctx) {
      const x = need(node, ctx, inputs, 0);
      return [x, fromFn(maskType(x.dtype), x.shape, () => 1)].slice(0, Math.max(1, node.outputs.length));
    },
  };
}

const identitySchemas: OpSchema[] = [identity, dropout(1, 9), dropout(10, 11), dropout(12, undefined)];
