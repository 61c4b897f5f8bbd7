// MatMul with numpy semantics: batch dims broadcast; a 1-D A gets a leading 1, a 1-D B a trailing 1,
// and those dims are removed from the result.

import { numel, type Node } from '../../../ir/graph.js';
import type { OpCtx, OpSchema } from '../op-schema.js';
import { NUMERIC_TYPES, checkArity, checkDtype, need, opFail, sameDtype } from './util/check.js';
import { broadcastMap, broadcastShapes } from './util/shape.js';
import { fromFn, toNumbers } from './util/tensor-data.js';

export { matmulSchemas, matmulShape };

interface Plan { m: number; k: number; n: number; batch: number[]; aBatch: number[]; bBatch: number[]; shape: number[] }

function matmulShape(node: Node, ctx: OpCtx | undefined, a: number[], b: number[]): Plan {
  if (a.length === 0 || b.length === 0) opFail(node, ctx, 'E_SHAPE', 'MatMul inputs must have rank >= 1');
  const a2 = a.length === 1 ? [1, a[0]] : a;
  const b2 = b.length === 1 ? [b[0], 1] : b;
  const [m, k] = a2.slice(-2);
  const [kb, n] = b2.slice(-2);
  if (k !== kb) opFail(node, ctx, 'E_SHAPE', `inner dims differ: [${a}] x [${b}]`);
  const aBatch = a2.slice(0, -2);
  const bBatch = b2.slice(0, -2);
  const batch = broadcastShapes(node, ctx, [aBatch, bBatch]);
  const shape = [...batch, ...(a.length === 1 ? [] : [m]), ...(b.length === 1 ? [] : [n])];
  return { m, k, n, batch, aBatch, bBatch, shape };
}

const matmulSchemas: OpSchema[] = [{
  op: 'MatMul',
  since: 1,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 2, 2);
    const a = need(node, ctx, inputs, 0);
    const b = need(node, ctx, inputs, 1);
    checkDtype(node, ctx, a.dtype, NUMERIC_TYPES, 'A');
    const dtype = sameDtype(node, ctx, [a, b]);
    return [{ dtype, shape: matmulShape(node, ctx, a.shape, b.shape).shape }];
  },
  evaluate(node, inputs, ctx) {
    const aT = need(node, ctx, inputs, 0);
    const bT = need(node, ctx, inputs, 1);
    const { m, k, n, batch, aBatch, bBatch, shape } = matmulShape(node, ctx, aT.shape, bT.shape);
    const a = toNumbers(aT);
    const b = toNumbers(bT);
    const aMap = broadcastMap(aBatch, batch);
    const bMap = broadcastMap(bBatch, batch);
    const out = new Float64Array(numel(batch) * m * n);
    for (let t = 0; t < aMap.length; t++) {
      const aOff = aMap[t] * m * k;
      const bOff = bMap[t] * k * n;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let acc = 0;
          for (let p = 0; p < k; p++) acc += a[aOff + i * k + p] * b[bOff + p * n + j];
          out[(t * m + i) * n + j] = acc;
        }
      }
    }
    return [fromFn(aT.dtype, shape, (i) => out[i])];
  },
}];
