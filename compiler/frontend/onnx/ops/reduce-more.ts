// The reductions beyond Sum/Mean/Max: ReduceMin, ReduceProd, ReduceL1, ReduceL2, ReduceLogSum,
// ReduceLogSumExp, ReduceSumSquare. `axes` is an attribute through opset 17, an optional int64
// input (constant) from 18 with noop_with_empty_axes. keepdims default 1; no axes = all.

import type { DType, Node, Tensor } from '../../../ir/graph.js';
import type { OpCtx, OpSchema } from '../op-schema.js';
import { attrInt, attrInts } from './util/attrs.js';
import { NUMERIC_TYPES, checkArity, checkDtype, need, normAxes } from './util/check.js';
import { broadcastMap, constInts } from './util/shape.js';
import { fromFn, reader, tensorInts } from './util/tensor-data.js';

export { moreReduceSchemas, reducePlan, REDUCERS };
export type { ReducePlan };

interface ReducePlan { keep: number[]; shape: number[]; axes: number[]; identity: boolean }

function reducePlan(node: Node, ctx: OpCtx | undefined, shape: number[], axesIn: number[] | undefined, fromInput: boolean): ReducePlan {
  const keepdims = attrInt(node, 'keepdims', 1, ctx) === 1;
  const empty = !axesIn || axesIn.length === 0;
  if (empty && fromInput && attrInt(node, 'noop_with_empty_axes', 0, ctx) === 1) return { keep: shape, shape, axes: [], identity: true };
  const axes = empty ? shape.map((_, k) => k) : normAxes(node, ctx, axesIn, shape.length);
  const set = new Set(axes);
  const keep = shape.map((d, k) => (set.has(k) ? 1 : d));
  return { keep, shape: keepdims ? keep : shape.filter((_, k) => !set.has(k)), axes, identity: false };
}

interface Reducer { init: number; pre: (x: number) => number; combine: (a: number, x: number) => number; post: (a: number) => number }

const REDUCERS: Record<string, Reducer> = {
  ReduceMin: { init: Infinity, pre: (x) => x, combine: (a, x) => (x < a || Number.isNaN(x) ? x : a), post: (a) => a },
  ReduceProd: { init: 1, pre: (x) => x, combine: (a, x) => a * x, post: (a) => a },
  ReduceL1: { init: 0, pre: Math.abs, combine: (a, x) => a + x, post: (a) => a },
  ReduceL2: { init: 0, pre: (x) => x * x, combine: (a, x) => a + x, post: Math.sqrt },
  ReduceLogSum: { init: 0, pre: (x) => x, combine: (a, x) => a + x, post: Math.log },
  ReduceLogSumExp: { init: 0, pre: Math.exp, combine: (a, x) => a + x, post: Math.log },
  ReduceSumSquare: { init: 0, pre: (x) => x * x, combine: (a, x) => a + x, post: (a) => a },
};

function reduceEval(op: string, x: Tensor, p: ReducePlan, dtype: DType): Tensor {
  if (p.identity) return x;
  const red = REDUCERS[op], map = broadcastMap(p.keep, x.shape), r = reader(x);
  const acc = new Float64Array(p.keep.reduce((a, b) => a * b, 1)).fill(red.init);
  for (let i = 0; i < map.length; i++) acc[map[i]] = red.combine(acc[map[i]], red.pre(Number(r(i))));
  return fromFn(dtype, p.shape, (o) => red.post(acc[o]));
}

function schema(op: string, since: number, until: number | undefined, fromInput: boolean): OpSchema {
  const attrAxes = (node: Node, ctx: OpCtx | undefined) => (node.attrs.axes === undefined ? undefined : attrInts(node, 'axes', undefined, ctx));
  return {
    op, since, until,
    infer(node, inputs, ctx) {
      checkArity(node, ctx, 1, fromInput ? 2 : 1);
      const x = need(node, ctx, inputs, 0);
      checkDtype(node, ctx, x.dtype, NUMERIC_TYPES, 'data');
      if (inputs[1]) checkDtype(node, ctx, inputs[1].dtype, ['int64'], 'axes');
      const axes = fromInput ? (inputs[1] ? constInts(node, ctx, inputs[1], 'axes input') : undefined) : attrAxes(node, ctx);
      return [{ dtype: x.dtype, shape: reducePlan(node, ctx, x.shape, axes, fromInput).shape }];
    },
    evaluate(node, inputs, ctx) {
      const x = need(node, ctx, inputs, 0);
      const axes = fromInput ? (inputs[1] ? tensorInts(inputs[1]) : undefined) : attrAxes(node, ctx);
      return [reduceEval(op, x, reducePlan(node, ctx, x.shape, axes, fromInput), x.dtype)];
    },
  };
}

const moreReduceSchemas: OpSchema[] = Object.keys(REDUCERS).flatMap((op) => [schema(op, 1, 17, false), schema(op, 18, undefined, true)]);
