// Range (opset 11): start, start+delta, ... up to (excluding) limit; length max(ceil((limit-start)/delta), 0).

import type { Node, Tensor } from '../../../ir/graph.js';
import type { OpCtx, OpSchema, StaticValue } from '../op-schema.js';
import { checkArity, checkDtype, need, needConst, opFail, sameDtype } from './util/check.js';
import { checkElementCount } from './util/shape.js';
import { fromFn, isBig, reader } from './util/tensor-data.js';

export { rangeSchemas };

const TYPES = ['float32', 'float64', 'int16', 'int32', 'int64'] as const;

function scalarOf(node: Node, ctx: OpCtx | undefined, t: Tensor, what: string): number | bigint {
  if (t.data.length !== 1) opFail(node, ctx, 'E_SHAPE', `${what} must be a scalar, got shape [${t.shape}]`);
  return reader(t)(0);
}

function bounds(node: Node, ctx: OpCtx | undefined, ts: Tensor[]): { start: number | bigint; delta: number | bigint; n: number } {
  const [start, limit, delta] = ts.map((t, i) => scalarOf(node, ctx, t, ['start', 'limit', 'delta'][i]));
  if (Number(delta) === 0) opFail(node, ctx, 'E_SHAPE', 'delta must not be 0');
  const n = Math.max(Math.ceil((Number(limit) - Number(start)) / Number(delta)), 0);
  return { start, delta, n };
}

const rangeSchemas: OpSchema[] = [{
  op: 'Range',
  since: 11,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 3, 3);
    const vs: StaticValue[] = [0, 1, 2].map((i) => need(node, ctx, inputs, i));
    const dtype = sameDtype(node, ctx, vs);
    checkDtype(node, ctx, dtype, TYPES, 'inputs');
    const { n } = bounds(node, ctx, vs.map((v, i) => needConst(node, ctx, v, ['start', 'limit', 'delta'][i])));
    checkElementCount(node, ctx, [n]);
    return [{ dtype, shape: [n] }];
  },
  evaluate(node, inputs, ctx) {
    const ts = [0, 1, 2].map((i) => need(node, ctx, inputs, i));
    const { start, delta, n } = bounds(node, ctx, ts);
    const dtype = ts[0].dtype;
    if (isBig(dtype)) return [fromFn(dtype, [n], (i) => (start as bigint) + BigInt(i) * (delta as bigint))];
    return [fromFn(dtype, [n], (i) => (start as number) + i * (delta as number))];
  },
}];
