// Trilu (opset 14): keep the upper (upper=1, default) or lower triangle of the last two dims,
// shifted by the diagonal offset k (an optional int64 scalar input, constant), zero elsewhere.

import type { Node, Tensor } from '../../../ir/graph.js';
import type { OpCtx, OpSchema } from '../op-schema.js';
import { attrInt } from './util/attrs.js';
import { ALL_TYPES, checkArity, checkDtype, need, opFail } from './util/check.js';
import { constInts } from './util/shape.js';
import { fromFn, reader, tensorInts } from './util/tensor-data.js';

export { triluSchemas, keepTri };

/** Whether element (i, j) of a matrix is kept. */
function keepTri(upper: boolean, k: number, i: number, j: number): boolean {
  return upper ? j - i >= k : j - i <= k;
}

function kOf(node: Node, ctx: OpCtx | undefined, ks: number[] | undefined): number {
  if (!ks) return 0;
  if (ks.length !== 1) opFail(node, ctx, 'E_SHAPE', 'k must be a scalar');
  return ks[0];
}

const triluSchemas: OpSchema[] = [{
  op: 'Trilu', since: 14,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 1, 2);
    const x = need(node, ctx, inputs, 0);
    checkDtype(node, ctx, x.dtype, ALL_TYPES, 'input');
    if (x.shape.length < 2) opFail(node, ctx, 'E_SHAPE', `input must have rank >= 2, got [${x.shape}]`);
    if (inputs[1]) {
      checkDtype(node, ctx, inputs[1].dtype, ['int64'], 'k');
      kOf(node, ctx, constInts(node, ctx, inputs[1], 'k input'));
    }
    return [{ dtype: x.dtype, shape: x.shape }];
  },
  evaluate(node, inputs, ctx) {
    const x: Tensor = need(node, ctx, inputs, 0);
    const k = kOf(node, ctx, inputs[1] ? tensorInts(inputs[1]) : undefined);
    const upper = attrInt(node, 'upper', 1, ctx) === 1;
    const [R, C] = x.shape.slice(-2);
    const r = reader(x);
    return [fromFn(x.dtype, x.shape, (i) => (keepTri(upper, k, Math.floor(i / C) % R, i % C) ? r(i) : 0))];
  },
}];
