// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss (opset 12/13). Input [N, C, d...], target
// [N, d...] (int32/int64), optional weight [C]; ignore_index marks targets that contribute nothing.
// reduction 'none' gives [N, d...], 'sum' the sum, 'mean' (default) the sum over the summed weights
// of the targets used. SoftmaxCrossEntropyLoss is NLL of LogSoftmax(scores) along axis 1 and can
// also output those log-probabilities.

import type { Node, Tensor } from '../../../ir/graph.js';
import type { OpCtx, OpSchema, StaticValue } from '../op-schema.js';
import { attrInt, attrString, hasAttr } from './util/attrs.js';
import { FLOAT_TYPES, INDEX_TYPES, checkArity, checkDtype, need, opFail } from './util/check.js';
import { fromFn, scalar, tensorInts, toNumbers } from './util/tensor-data.js';

export { lossSchemas, REDUCTIONS };

const REDUCTIONS = ['none', 'sum', 'mean'];

function check(node: Node, ctx: OpCtx, x: StaticValue, t: StaticValue, w: StaticValue | undefined): string {
  checkDtype(node, ctx, x.dtype, FLOAT_TYPES, 'input');
  checkDtype(node, ctx, t.dtype, INDEX_TYPES, 'target');
  if (x.shape.length < 2) opFail(node, ctx, 'E_SHAPE', `input must be [N, C, ...], got [${x.shape}]`);
  const want = [x.shape[0], ...x.shape.slice(2)];
  if (t.shape.join() !== want.join()) opFail(node, ctx, 'E_SHAPE', `target must be [${want}], got [${t.shape}]`);
  if (w && (w.shape.join() !== `${x.shape[1]}` || w.dtype !== x.dtype)) opFail(node, ctx, 'E_SHAPE', `weight must be ${x.dtype} [${x.shape[1]}]`);
  const r = attrString(node, 'reduction', 'mean', ctx);
  if (!REDUCTIONS.includes(r)) opFail(node, ctx, 'E_MODEL', `unknown reduction '${r}'`);
  return r;
}

/** NLL of log-probabilities `logp` (numbers, [N, C, D] flattened). */
function nll(node: Node, ctx: OpCtx | undefined, logp: Float64Array, shape: number[], target: Tensor, weight: Tensor | undefined, dtype: Tensor['dtype']): Tensor {
  const [N, C] = shape, D = shape.slice(2).reduce((a, b) => a * b, 1);
  const t = tensorInts(target), w = weight ? toNumbers(weight) : undefined;
  const ii = hasAttr(node, 'ignore_index') ? attrInt(node, 'ignore_index', 0, ctx) : undefined;
  const loss = new Float64Array(N * D);
  let wsum = 0;
  for (let n = 0; n < N; n++) for (let d = 0; d < D; d++) {
    const c = t[n * D + d];
    if (c === ii) continue;
    if (c < 0 || c >= C) opFail(node, ctx, 'E_SHAPE', `target ${c} is out of range [0, ${C})`);
    const wc = w ? w[c] : 1;
    loss[n * D + d] = -logp[(n * C + c) * D + d] * wc;
    wsum += wc;
  }
  const r = attrString(node, 'reduction', 'mean', ctx);
  if (r === 'none') return fromFn(dtype, target.shape, (i) => loss[i]);
  const sum = loss.reduce((a, b) => a + b, 0);
  return scalar(dtype, r === 'sum' ? sum : sum / wsum);
}

function logSoftmax(x: Tensor): Float64Array {
  const [N, C] = x.shape, D = x.shape.slice(2).reduce((a, b) => a * b, 1);
  const v = toNumbers(x), out = new Float64Array(v.length);
  for (let n = 0; n < N; n++) for (let d = 0; d < D; d++) {
    let m = -Infinity, s = 0;
    for (let c = 0; c < C; c++) m = Math.max(m, v[(n * C + c) * D + d]);
    for (let c = 0; c < C; c++) s += Math.exp(v[(n * C + c) * D + d] - m);
    for (let c = 0; c < C; c++) out[(n * C + c) * D + d] = v[(n * C + c) * D + d] - m - Math.log(s);
  }
  return out;
}

const nllSchema = (since: number, until: number | undefined): OpSchema => ({
  op: 'NegativeLogLikelihoodLoss', since, until,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 2, 3);
    const x = need(node, ctx, inputs, 0), t = need(node, ctx, inputs, 1);
    const r = check(node, ctx, x, t, inputs[2]);
    return [{ dtype: x.dtype, shape: r === 'none' ? t.shape : [] }];
  },
  evaluate(node, inputs, ctx) {
    const x = need(node, ctx, inputs, 0);
    return [nll(node, ctx, toNumbers(x), x.shape, need(node, ctx, inputs, 1), inputs[2], x.dtype)];
  },
});

const sceSchema = (since: number, until: number | undefined): OpSchema => ({
  op: 'SoftmaxCrossEntropyLoss', since, until,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 2, 3);
    const x = need(node, ctx, inputs, 0), t = need(node, ctx, inputs, 1);
    const r = check(node, ctx, x, t, inputs[2]);
    return [{ dtype: x.dtype, shape: r === 'none' ? t.shape : [] }, { dtype: x.dtype, shape: x.shape }];
  },
  evaluate(node, inputs, ctx) {
    const x = need(node, ctx, inputs, 0);
    const lp = logSoftmax(x);
    return [nll(node, ctx, lp, x.shape, need(node, ctx, inputs, 1), inputs[2], x.dtype), fromFn(x.dtype, x.shape, (i) => lp[i])];
  },
});

const lossSchemas: OpSchema[] = [nllSchema(12, 12), nllSchema(13, undefined), sceSchema(12, 12), sceSchema(13, undefined)];
