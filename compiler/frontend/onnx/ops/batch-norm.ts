// BatchNormalization, inference form: Y = (X - mean) / sqrt(var + epsilon) * scale + B.
// X [N, C, ...]; scale, B, mean, var [C] (or X.shape[1:] when spatial=0, opsets < 9).
// Training mode (training_mode=1 or extra outputs) is refused.

import type { Node } from '../../../ir/graph.js';
import type { OpCtx, OpSchema } from '../op-schema.js';
import { attrFloat, attrInt } from './util/attrs.js';
import { FLOAT_TYPES, checkArity, checkDtype, need, opFail } from './util/check.js';
import { broadcastMap } from './util/shape.js';
import { fromFn, toNumbers } from './util/tensor-data.js';

export { batchNormSchemas };

function paramShape(node: Node, ctx: OpCtx | undefined, x: number[], since: number): number[] {
  if (x.length < 2) opFail(node, ctx, 'E_SHAPE', `X must be [N, C, ...], got [${x}]`);
  const spatial = since < 9 ? attrInt(node, 'spatial', 1, ctx) === 1 : true;
  return spatial ? [x[1]] : x.slice(1);
}

function schema(since: number, until: number | undefined): OpSchema {
  return {
    op: 'BatchNormalization', since, until,
    infer(node, inputs, ctx) {
      checkArity(node, ctx, 5, 5);
      if (since >= 14 && attrInt(node, 'training_mode', 0, ctx) !== 0) {
        opFail(node, ctx, 'E_UNSUPPORTED', 'training_mode=1 is not supported (inference only)');
      }
      if (node.outputs.slice(1).some((o) => o !== '')) opFail(node, ctx, 'E_UNSUPPORTED', 'training outputs (mean, var) are not supported');
      const x = need(node, ctx, inputs, 0);
      checkDtype(node, ctx, x.dtype, FLOAT_TYPES, 'X');
      const want = paramShape(node, ctx, x.shape, since);
      ['scale', 'B', 'mean', 'var'].forEach((what, i) => {
        const p = need(node, ctx, inputs, i + 1);
        checkDtype(node, ctx, p.dtype, FLOAT_TYPES, what);
        if (p.shape.join() !== want.join()) opFail(node, ctx, 'E_SHAPE', `${what} must be [${want}], got [${p.shape}]`);
      });
      return [{ dtype: x.dtype, shape: x.shape }, ...node.outputs.slice(1).map(() => ({ dtype: x.dtype, shape: [] }))];
    },
    evaluate(node, inputs, ctx) {
      const x = need(node, ctx, inputs, 0);
      const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => toNumbers(need(node, ctx, inputs, i)));
      const eps = attrFloat(node, 'epsilon', 1e-5, ctx);
      const ps = paramShape(node, ctx, x.shape, since);
      const keep = [1, ...ps, ...new Array<number>(x.shape.length - 1 - ps.length).fill(1)];
      const map = broadcastMap(keep, x.shape);
      const xs = toNumbers(x);
      return [fromFn(x.dtype, x.shape, (i) => {
        const c = map[i];
        return ((xs[i] - mean[c]) / Math.sqrt(variance[c] + eps)) * scale[c] + bias[c];
      })];
    },
  };
}

const batchNormSchemas: OpSchema[] = [schema(1, 13), schema(14, undefined)];
