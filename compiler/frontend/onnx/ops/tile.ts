// Tile (opset 6): repeats the input `repeats[k]` times along each axis (repeats constant).

import type { OpSchema } from '../op-schema.js';
import { ALL_TYPES, checkArity, checkDtype, need, opFail } from './util/check.js';
import { unravel, ravel } from './util/coords.js';
import { checkElementCount, constInts, gatherElems } from './util/shape.js';
import { tensorInts } from './util/tensor-data.js';

export { tileSchemas };

function tiled(shape: number[], reps: number[]): number[] {
  return shape.map((d, k) => d * reps[k]);
}

const tileSchemas: OpSchema[] = [{
  op: 'Tile', since: 6,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 2, 2);
    const x = need(node, ctx, inputs, 0), r = need(node, ctx, inputs, 1);
    checkDtype(node, ctx, x.dtype, ALL_TYPES, 'input');
    checkDtype(node, ctx, r.dtype, ['int64'], 'repeats');
    const reps = constInts(node, ctx, r, 'repeats input');
    if (reps.length !== x.shape.length || reps.some((v) => !Number.isInteger(v) || v < 0)) {
      opFail(node, ctx, 'E_SHAPE', `repeats [${reps}] must be ${x.shape.length} non-negative integers`);
    }
    const shape = tiled(x.shape, reps);
    checkElementCount(node, ctx, shape);
    return [{ dtype: x.dtype, shape }];
  },
  evaluate(node, inputs, ctx) {
    const x = need(node, ctx, inputs, 0);
    const shape = tiled(x.shape, tensorInts(need(node, ctx, inputs, 1)));
    const n = shape.reduce((a, b) => a * b, 1);
    const map = new Int32Array(n);
    for (let i = 0; i < n; i++) map[i] = ravel(unravel(i, shape).map((c, k) => c % x.shape[k]), x.shape);
    return [gatherElems(x, map, shape)];
  },
}];
