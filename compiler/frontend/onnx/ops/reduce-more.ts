// The reductions beyond Sum/Mean/Max: ReduceMin, ReduceProd, ReduceL1, ReduceL2, ReduceLogSum,
// ReduceLogSumExp, ReduceSumSquare. `axes` is an attribute through opset 17, an optional int64
// input (constant) from 18 with noop_with_empty_axes. keepdims default 1; no axes = all.

import type { DType, Tensor } from '../../../ir/graph.js';
import type { OpSchema } from '../op-schema.js';
import { broadcastMap } from './util/shape.js';
import { fromFn, reader } from './util/tensor-data.js';
import { reduceSchema, type ReducePlan } from './reduce.js';

export { moreReduceSchemas, REDUCERS };

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

const schema = (op: string, since: number, until: number | undefined, fromInput: boolean) =>
  reduceSchema(op, since, until, fromInput, (x, p, dtype) => reduceEval(op, x, p, dtype));

const moreReduceSchemas: OpSchema[] = Object.keys(REDUCERS).flatMap((op) => [schema(op, 1, 17, false), schema(op, 18, undefined, true)]);
