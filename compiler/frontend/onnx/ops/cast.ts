// Cast: attribute `to` is a type name string in opset 1-5, a TensorProto.DataType code from 6.
// Conversions follow C: float -> int truncates toward zero (out of range wraps), x -> bool is x != 0.

import type { DType, Node } from '../../../ir/graph.js';
import { dtypeFromOnnx, onnxCodeFromName, onnxTypeName } from '../dtype.js';
import type { OpCtx, OpSchema } from '../op-schema.js';
import { attrInt, attrString } from './util/attrs.js';
import { ALL_TYPES, checkArity, checkDtype, need, opFail } from './util/check.js';
import { mapUnary } from './util/elementwise.js';

export { castSchemas };

function target(node: Node, ctx: OpCtx | undefined, byName: boolean): DType {
  const code = byName ? onnxCodeFromName(attrString(node, 'to', undefined, ctx)) : attrInt(node, 'to', undefined, ctx);
  const dtype = dtypeFromOnnx(code);
  if (!dtype || dtype === 'string') opFail(node, ctx, 'E_UNSUPPORTED', `cast to ${onnxTypeName(code)} is not supported`);
  return dtype;
}

function cast(since: number, until: number | undefined): OpSchema {
  const byName = since < 6;
  return {
    op: 'Cast', since, until,
    infer(node, inputs, ctx) {
      checkArity(node, ctx, 1, 1);
      const x = need(node, ctx, inputs, 0);
      checkDtype(node, ctx, x.dtype, ALL_TYPES, 'input');
      return [{ dtype: target(node, ctx, byName), shape: x.shape }];
    },
    evaluate(node, inputs, ctx) {
      const x = need(node, ctx, inputs, 0);
      return [mapUnary(x, target(node, ctx, byName), (v) => v)];
    },
  };
}

const castSchemas: OpSchema[] = [cast(1, 5), cast(6, undefined)];
