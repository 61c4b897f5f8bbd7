// ReduceMean / ReduceSum / ReduceMax. `axes` is an attribute until ReduceSum-13 / ReduceMean,Max-18,
// then an optional int64 input with noop_with_empty_axes. No axes = reduce all. keepdims default 1.

import type { DType, Node, Tensor } from '../../../ir/graph.js';
import type { OpCtx, OpSchema } from '../op-schema.js';
import { attrInt, attrInts } from './util/attrs.js';
import { NUMERIC_TYPES, checkArity, checkDtype, need, normAxes } from './util/check.js';
import { broadcastMap, constInts } from './util/shape.js';
import { fromFn, isBig, reader, tensorInts } from './util/tensor-data.js';

export { reduceSchemas, reducePlan, reduceSchema };
export type { ReducePlan };

type Kind = 'ReduceMean' | 'ReduceSum' | 'ReduceMax';

interface ReducePlan { keep: number[]; shape: number[]; axes: number[]; identity: boolean }

/** Output shape and reduced axes of a reduction (keepdims, noop_with_empty_axes honoured). */
function reducePlan(node: Node, ctx: OpCtx | undefined, shape: number[], axesIn: number[] | undefined, fromInput: boolean): ReducePlan {
  const keepdims = attrInt(node, 'keepdims', 1, ctx) === 1;
  const empty = !axesIn || axesIn.length === 0;
  if (empty && fromInput && attrInt(node, 'noop_with_empty_axes', 0, ctx) === 1) return { keep: shape, shape, axes: [], identity: true };
  const axes = empty ? shape.map((_, k) => k) : normAxes(node, ctx, axesIn, shape.length);
  const set = new Set(axes);
  const keep = shape.map((d, k) => (set.has(k) ? 1 : d));
  return { keep, shape: keepdims ? keep : shape.filter((_, k) => !set.has(k)), axes, identity: false };
}

function reduceEval(kind: Kind, x: Tensor, p: ReducePlan, dtype: DType): Tensor {
  if (p.identity) return x;
  const map = broadcastMap(p.keep, x.shape);
  const n = p.keep.reduce((a, b) => a * b, 1);
  const r = reader(x);
  const count = new Float64Array(n);
  if (isBig(dtype)) {
    const acc: bigint[] = new Array<bigint>(n).fill(0n);
    const seen = new Uint8Array(n);
    for (let i = 0; i < map.length; i++) {
      const o = map[i];
      const v = r(i) as bigint;
      count[o]++;
      if (kind === 'ReduceMax') acc[o] = seen[o] && acc[o] >= v ? acc[o] : v;
      else acc[o] += v;
      seen[o] = 1;
    }
    return fromFn(dtype, p.shape, (o) => (kind === 'ReduceMean' ? (count[o] ? acc[o] / BigInt(count[o]) : 0n) : acc[o]));
  }
  const acc = new Float64Array(n).fill(kind === 'ReduceMax' ? -Infinity : 0);
  for (let i = 0; i < map.length; i++) {
    const o = map[i];
    const v = r(i) as number;
    count[o]++;
    acc[o] = kind === 'ReduceMax' ? (v > acc[o] || Number.isNaN(v) ? v : acc[o]) : acc[o] + v;
  }
  return fromFn(dtype, p.shape, (o) => (kind === 'ReduceMean' ? acc[o] / count[o] : acc[o]));
}

type Evaluate = (x: Tensor, p: ReducePlan, dtype: DType) => Tensor;

/** A reduction's schema: axes as an attribute (fromInput false) or as input 1. */
function reduceSchema(op: string, since: number, until: number | undefined, fromInput: boolean, evaluate: Evaluate): OpSchema {
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
      return [evaluate(x, reducePlan(node, ctx, x.shape, axes, fromInput), x.dtype)];
    },
  };
}

const schema = (kind: Kind, since: number, until: number | undefined, fromInput: boolean) =>
  reduceSchema(kind, since, until, fromInput, (x, p, dtype) => reduceEval(kind, x, p, dtype));

const reduceSchemas: OpSchema[] = [
  schema('ReduceSum', 1, 12, false), schema('ReduceSum', 13, undefined, true),
  schema('ReduceMean', 1, 17, false), schema('ReduceMean', 18, undefined, true),
  schema('ReduceMax', 1, 17, false), schema('ReduceMax', 18, undefined, true),
];
