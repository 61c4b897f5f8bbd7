// CumSum (opset 11): running sum along `axis` (an int scalar input, constant); exclusive=1 leaves
// out the element itself, reverse=1 sums from the end.

import type { Node, Tensor } from '../../../ir/graph.js';
import type { OpCtx, OpSchema, StaticValue } from '../op-schema.js';
import { attrInt } from './util/attrs.js';
import { INDEX_TYPES, NUMERIC_TYPES, checkArity, checkDtype, need, normAxis, opFail } from './util/check.js';
import { constInts } from './util/shape.js';
import { fromFn, isBig, reader, tensorInts } from './util/tensor-data.js';

export { cumsumSchemas };

function axisOf(node: Node, ctx: OpCtx | undefined, v: number[], rank: number): number {
  if (v.length !== 1) opFail(node, ctx, 'E_SHAPE', 'axis must be a scalar');
  return normAxis(node, ctx, v[0], rank);
}

const cumsumSchemas: OpSchema[] = [{
  op: 'CumSum', since: 11,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 2, 2);
    const x = need(node, ctx, inputs, 0), a: StaticValue = need(node, ctx, inputs, 1);
    checkDtype(node, ctx, x.dtype, NUMERIC_TYPES, 'x');
    checkDtype(node, ctx, a.dtype, INDEX_TYPES, 'axis');
    axisOf(node, ctx, constInts(node, ctx, a, 'axis input'), x.shape.length);
    return [{ dtype: x.dtype, shape: x.shape }];
  },
  evaluate(node, inputs, ctx) {
    const x: Tensor = need(node, ctx, inputs, 0);
    const axis = axisOf(node, ctx, tensorInts(need(node, ctx, inputs, 1)), x.shape.length);
    const excl = attrInt(node, 'exclusive', 0, ctx) === 1, rev = attrInt(node, 'reverse', 0, ctx) === 1;
    const len = x.shape[axis], inner = x.shape.slice(axis + 1).reduce((p, q) => p * q, 1);
    const r = reader(x), big = isBig(x.dtype);
    return [fromFn(x.dtype, x.shape, (i) => {
      const j = Math.floor(i / inner) % len, base = i - j * inner;
      let acc: number | bigint = big ? 0n : 0;
      for (let k = 0; k < len; k++) {
        const inside = rev ? (excl ? k > j : k >= j) : (excl ? k < j : k <= j);
        if (inside) acc = big ? (acc as bigint) + (r(base + k * inner) as bigint) : (acc as number) + Number(r(base + k * inner));
      }
      return acc;
    })];
  },
}];
