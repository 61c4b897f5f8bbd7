// InstanceNormalization (per sample and channel over the spatial dims), LRN (across channels) and
// MeanVarianceNormalization (over `axes`, default [0, 2, 3]; divides by std + 1e-9).

import type { Node, Tensor } from '../../../ir/graph.js';
import type { OpCtx, OpSchema } from '../op-schema.js';
import { attrFloat, attrInt, attrInts } from './util/attrs.js';
import { FLOAT_TYPES, checkArity, checkDtype, need, normAxes, opFail } from './util/check.js';
import { broadcastMap } from './util/shape.js';
import { fromFn, toNumbers } from './util/tensor-data.js';

export { normalizationSchemas, MVN_EPSILON };

const MVN_EPSILON = 1e-9;

function instanceNorm(node: Node, ctx: OpCtx | undefined, x: Tensor, scale: Tensor, bias: Tensor): Tensor {
  const [N, C] = x.shape, S = x.shape.slice(2).reduce((a, b) => a * b, 1);
  const v = toNumbers(x), s = toNumbers(scale), b = toNumbers(bias), eps = attrFloat(node, 'epsilon', 1e-5, ctx);
  const out = new Float64Array(v.length);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) {
    const base = (n * C + c) * S;
    let m = 0, q = 0;
    for (let i = 0; i < S; i++) m += v[base + i];
    m /= S;
    for (let i = 0; i < S; i++) q += (v[base + i] - m) ** 2;
    const inv = 1 / Math.sqrt(q / S + eps);
    for (let i = 0; i < S; i++) out[base + i] = (v[base + i] - m) * inv * s[c] + b[c];
  }
  return fromFn(x.dtype, x.shape, (i) => out[i]);
}

function lrn(node: Node, ctx: OpCtx | undefined, x: Tensor): Tensor {
  const [, C] = x.shape, S = x.shape.slice(2).reduce((a, b) => a * b, 1);
  const size = attrInt(node, 'size', undefined, ctx), alpha = attrFloat(node, 'alpha', 1e-4, ctx);
  const beta = attrFloat(node, 'beta', 0.75, ctx), bias = attrFloat(node, 'bias', 1, ctx);
  const lo = Math.floor((size - 1) / 2), hi = Math.ceil((size - 1) / 2);
  const v = toNumbers(x);
  return fromFn(x.dtype, x.shape, (i) => {
    const c = Math.floor(i / S) % C, base = i - c * S;
    let sq = 0;
    for (let k = Math.max(0, c - lo); k <= Math.min(C - 1, c + hi); k++) sq += v[base + k * S] ** 2;
    return v[i] / (bias + (alpha / size) * sq) ** beta;
  });
}

function mvnAxes(node: Node, ctx: OpCtx | undefined, rank: number): number[] {
  return normAxes(node, ctx, attrInts(node, 'axes', [0, 2, 3].filter((a) => a < rank), ctx), rank);
}

function mvn(node: Node, ctx: OpCtx | undefined, x: Tensor): Tensor {
  const axes = new Set(mvnAxes(node, ctx, x.shape.length));
  const keep = x.shape.map((d, k) => (axes.has(k) ? 1 : d));
  const map = broadcastMap(keep, x.shape), v = toNumbers(x);
  const n = keep.reduce((a, b) => a * b, 1), count = v.length / n;
  const mean = new Float64Array(n), sq = new Float64Array(n);
  for (let i = 0; i < v.length; i++) mean[map[i]] += v[i] / count;
  for (let i = 0; i < v.length; i++) sq[map[i]] += (v[i] - mean[map[i]]) ** 2 / count;
  return fromFn(x.dtype, x.shape, (i) => (v[i] - mean[map[i]]) / (Math.sqrt(sq[map[i]]) + MVN_EPSILON));
}

const instanceSchema: OpSchema = {
  op: 'InstanceNormalization', since: 1,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 3, 3);
    const [x, s, b] = [0, 1, 2].map((i) => need(node, ctx, inputs, i));
    checkDtype(node, ctx, x.dtype, FLOAT_TYPES, 'input');
    if (x.shape.length < 3) opFail(node, ctx, 'E_SHAPE', `input must be [N, C, D...], got [${x.shape}]`);
    for (const p of [s, b]) if (p.shape.join() !== `${x.shape[1]}` || p.dtype !== x.dtype) opFail(node, ctx, 'E_SHAPE', `scale and B must be ${x.dtype} [${x.shape[1]}]`);
    return [{ dtype: x.dtype, shape: x.shape }];
  },
  evaluate(node, inputs, ctx) {
    const [x, s, b] = [0, 1, 2].map((i) => need(node, ctx, inputs, i));
    return [instanceNorm(node, ctx, x, s, b)];
  },
};

const lrnSchema: OpSchema = {
  op: 'LRN', since: 1,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 1, 1);
    const x = need(node, ctx, inputs, 0);
    checkDtype(node, ctx, x.dtype, FLOAT_TYPES, 'X');
    if (x.shape.length < 3) opFail(node, ctx, 'E_SHAPE', `X must be [N, C, D...], got [${x.shape}]`);
    if (attrInt(node, 'size', undefined, ctx) < 1) opFail(node, ctx, 'E_MODEL', 'size must be positive');
    return [{ dtype: x.dtype, shape: x.shape }];
  },
  evaluate: (node, inputs, ctx) => [lrn(node, ctx, need(node, ctx, inputs, 0))],
};

const mvnSchema: OpSchema = {
  op: 'MeanVarianceNormalization', since: 9,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 1, 1);
    const x = need(node, ctx, inputs, 0);
    checkDtype(node, ctx, x.dtype, FLOAT_TYPES, 'X');
    mvnAxes(node, ctx, x.shape.length);
    return [{ dtype: x.dtype, shape: x.shape }];
  },
  evaluate: (node, inputs, ctx) => [mvn(node, ctx, need(node, ctx, inputs, 0))],
};

const normalizationSchemas: OpSchema[] = [instanceSchema, lrnSchema, mvnSchema];
