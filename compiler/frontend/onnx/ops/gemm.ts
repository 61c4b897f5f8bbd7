// Gemm: Y = alpha * op(A) @ op(B) + beta * C, op = transpose if transA/transB; A, B 2-D,
// C optional (from opset 11) and unidirectionally broadcastable to [M, N].

import type { Node } from '../../../ir/graph.js';
import type { OpCtx, OpSchema } from '../op-schema.js';
import { attrFloat, attrInt } from './util/attrs.js';
import { NUMERIC_TYPES, checkArity, checkDtype, need, opFail, sameDtype } from './util/check.js';
import { broadcastMap, broadcastShapes } from './util/shape.js';
import { fromFn, toNumbers } from './util/tensor-data.js';

export { gemmSchemas };

interface Dims { m: number; k: number; n: number; transA: boolean; transB: boolean }

function dims(node: Node, ctx: OpCtx | undefined, a: number[], b: number[], c: number[] | undefined): Dims {
  if (a.length !== 2 || b.length !== 2) opFail(node, ctx, 'E_SHAPE', `A [${a}] and B [${b}] must be 2-D`);
  const transA = attrInt(node, 'transA', 0, ctx) !== 0;
  const transB = attrInt(node, 'transB', 0, ctx) !== 0;
  const [m, k] = transA ? [a[1], a[0]] : a;
  const [kb, n] = transB ? [b[1], b[0]] : b;
  if (k !== kb) opFail(node, ctx, 'E_SHAPE', `inner dims differ: A [${a}]${transA ? '^T' : ''} x B [${b}]${transB ? '^T' : ''}`);
  if (c) {
    const out = broadcastShapes(node, ctx, [[m, n], c]);
    if (out.length !== 2 || out[0] !== m || out[1] !== n) opFail(node, ctx, 'E_SHAPE', `C [${c}] does not broadcast to [${m},${n}]`);
  }
  return { m, k, n, transA, transB };
}

const gemmSchemas: OpSchema[] = [{
  op: 'Gemm',
  since: 1,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, ctx.opset >= 11 ? 2 : 3, 3);
    const a = need(node, ctx, inputs, 0);
    const b = need(node, ctx, inputs, 1);
    checkDtype(node, ctx, a.dtype, NUMERIC_TYPES, 'A');
    const dtype = sameDtype(node, ctx, inputs.filter((v) => v !== undefined));
    const d = dims(node, ctx, a.shape, b.shape, inputs[2]?.shape);
    return [{ dtype, shape: [d.m, d.n] }];
  },
  evaluate(node, inputs, ctx) {
    const aT = need(node, ctx, inputs, 0);
    const bT = need(node, ctx, inputs, 1);
    const cT = inputs[2];
    const { m, k, n, transA, transB } = dims(node, ctx, aT.shape, bT.shape, cT?.shape);
    const alpha = attrFloat(node, 'alpha', 1, ctx);
    const beta = attrFloat(node, 'beta', 1, ctx);
    const a = toNumbers(aT);
    const b = toNumbers(bT);
    const c = cT ? toNumbers(cT) : undefined;
    const cMap = cT ? broadcastMap(cT.shape, [m, n]) : undefined;
    return [fromFn(aT.dtype, [m, n], (idx) => {
      const i = Math.floor(idx / n);
      const j = idx % n;
      let acc = 0;
      for (let p = 0; p < k; p++) acc += a[transA ? p * m + i : i * k + p] * b[transB ? j * k + p : p * n + j];
      return alpha * acc + (c && cMap ? beta * c[cMap[idx]] : 0);
    })];
  },
}];
