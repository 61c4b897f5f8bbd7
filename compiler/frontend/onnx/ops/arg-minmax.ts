// ArgMax / ArgMin (int64 indices) along `axis` (default 0), keepdims (default 1); ties go to the
// first index, or the last with select_last_index=1 (opset 12).

import type { Node, Tensor } from '../../../ir/graph.js';
import type { OpCtx, OpSchema } from '../op-schema.js';
import { attrInt } from './util/attrs.js';
import { NUMERIC_TYPES, checkArity, checkDtype, need, normAxis, opFail } from './util/check.js';
import { fromFn, toNumbers } from './util/tensor-data.js';

export { argSchemas, argPlan };

function argPlan(node: Node, ctx: OpCtx | undefined, shape: number[]): { axis: number; out: number[]; last: boolean } {
  if (shape.length === 0) opFail(node, ctx, 'E_SHAPE', 'input must have rank >= 1');
  const axis = normAxis(node, ctx, attrInt(node, 'axis', 0, ctx), shape.length);
  const keep = attrInt(node, 'keepdims', 1, ctx) === 1;
  const out = keep ? shape.map((d, k) => (k === axis ? 1 : d)) : shape.filter((_, k) => k !== axis);
  return { axis, out, last: attrInt(node, 'select_last_index', 0, ctx) === 1 };
}

function argEval(x: Tensor, axis: number, out: number[], last: boolean, isMax: boolean): Tensor {
  const v = toNumbers(x);
  const len = x.shape[axis], inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  return fromFn('int64', out, (i) => {
    const o = Math.floor(i / inner), n = i % inner;
    let best = 0;
    for (let j = 1; j < len; j++) {
      const a = v[(o * len + j) * inner + n], b = v[(o * len + best) * inner + n];
      if (isMax ? a > b || (last && a === b) : a < b || (last && a === b)) best = j;
    }
    return BigInt(best);
  });
}

const schema = (op: string): OpSchema => ({
  op, since: 1,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 1, 1);
    const x = need(node, ctx, inputs, 0);
    checkDtype(node, ctx, x.dtype, NUMERIC_TYPES, 'data');
    return [{ dtype: 'int64', shape: argPlan(node, ctx, x.shape).out }];
  },
  evaluate(node, inputs, ctx) {
    const x = need(node, ctx, inputs, 0);
    const { axis, out, last } = argPlan(node, ctx, x.shape);
    return [argEval(x, axis, out, last, op === 'ArgMax')];
  },
});

const argSchemas: OpSchema[] = [schema('ArgMax'), schema('ArgMin')];
