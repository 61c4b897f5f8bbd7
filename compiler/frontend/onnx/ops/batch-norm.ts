// BatchNormalization, inference form: Y = (X - mean) / sqrt(var + epsilon) * scale + B.
// X [N, C, ...]; scale, B, mean, var [C] (or X.shape[1:] when spatial=0, opsets < 9).
// Opset 14+ training_mode=1: Y from the batch's own mean and (biased) variance over every dim but 1,
// and the running_mean/running_var outputs mean * momentum + batch statistic * (1 - momentum).
// Older opsets' training outputs are refused.

import type { Node, Tensor } from '../../../ir/graph.js';
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
      const training = since >= 14 && attrInt(node, 'training_mode', 0, ctx) !== 0;
      if (!training && node.outputs.slice(1).some((o) => o !== '')) opFail(node, ctx, 'E_UNSUPPORTED', 'training outputs (mean, var) are not supported');
      const x = need(node, ctx, inputs, 0);
      checkDtype(node, ctx, x.dtype, FLOAT_TYPES, 'X');
      const want = paramShape(node, ctx, x.shape, since);
      ['scale', 'B', 'mean', 'var'].forEach((what, i) => {
        const p = need(node, ctx, inputs, i + 1);
        checkDtype(node, ctx, p.dtype, FLOAT_TYPES, what);
        if (p.shape.join() !== want.join()) opFail(node, ctx, 'E_SHAPE', `${what} must be [${want}], got [${p.shape}]`);
      });
      if (training) return [{ dtype: x.dtype, shape: x.shape }, { dtype: x.dtype, shape: want }, { dtype: x.dtype, shape: want }];
      return [{ dtype: x.dtype, shape: x.shape }, ...node.outputs.slice(1).map(() => ({ dtype: x.dtype, shape: [] }))];
    },
    evaluate(node, inputs, ctx) {
      const x = need(node, ctx, inputs, 0);
      if (since >= 14 && attrInt(node, 'training_mode', 0, ctx) !== 0) return trainingEval(node, ctx, x, inputs);
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

/** training_mode=1: normalize with the batch statistics, update the running ones. */
function trainingEval(node: Node, ctx: OpCtx | undefined, x: Tensor, inputs: Array<Tensor | undefined>): Tensor[] {
  const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => toNumbers(need(node, ctx, inputs, i)));
  const eps = attrFloat(node, 'epsilon', 1e-5, ctx), momentum = attrFloat(node, 'momentum', 0.9, ctx);
  const C = x.shape[1], S = x.shape.slice(2).reduce((a, b) => a * b, 1), N = x.shape[0], xs = toNumbers(x);
  const bm = new Float64Array(C), bv = new Float64Array(C);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let i = 0; i < S; i++) bm[c] += xs[(n * C + c) * S + i] / (N * S);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let i = 0; i < S; i++) bv[c] += (xs[(n * C + c) * S + i] - bm[c]) ** 2 / (N * S);
  return [
    fromFn(x.dtype, x.shape, (i) => { const c = Math.floor(i / S) % C; return ((xs[i] - bm[c]) / Math.sqrt(bv[c] + eps)) * scale[c] + bias[c]; }),
    fromFn(x.dtype, [C], (c) => mean[c] * momentum + bm[c] * (1 - momentum)),
    fromFn(x.dtype, [C], (c) => variance[c] * momentum + bv[c] * (1 - momentum)),
  ];
}
