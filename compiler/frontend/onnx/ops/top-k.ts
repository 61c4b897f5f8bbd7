// TopK: the k largest (largest=1, default) or smallest elements along `axis` (default -1), sorted,
// ties to the lower index; outputs Values and Indices (int64). k is an attribute in opset 1, a
// constant int64 input [1] from 10; largest/sorted from 11.

import type { Node, Tensor } from '../../../ir/graph.js';
import type { OpCtx, OpSchema, StaticValue } from '../op-schema.js';
import { attrInt } from './util/attrs.js';
import { NUMERIC_TYPES, checkArity, checkDtype, need, normAxis, opFail } from './util/check.js';
import { constInts } from './util/shape.js';
import { fromFn, tensorInts, toNumbers } from './util/tensor-data.js';

export { topKSchemas };

function geometry(node: Node, ctx: OpCtx | undefined, shape: number[], k: number): { axis: number; out: number[] } {
  if (shape.length === 0) opFail(node, ctx, 'E_SHAPE', 'input must have rank >= 1');
  const axis = normAxis(node, ctx, attrInt(node, 'axis', -1, ctx), shape.length);
  if (!Number.isInteger(k) || k < 0 || k > shape[axis]) opFail(node, ctx, 'E_SHAPE', `k ${k} is out of range for axis ${axis} of size ${shape[axis]}`);
  return { axis, out: shape.map((d, i) => (i === axis ? k : d)) };
}

function topK(x: Tensor, axis: number, k: number, largest: boolean): Tensor[] {
  const out = x.shape.map((d, i) => (i === axis ? k : d));
  const n = x.shape[axis], inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const v = toNumbers(x);
  const order = (o: number, s: number) => {
    const ids = Array.from({ length: n }, (_, j) => j);
    const at = (j: number) => v[(o * n + j) * inner + s];
    ids.sort((a, b) => (at(a) === at(b) ? a - b : largest ? at(b) - at(a) : at(a) - at(b)));
    return ids;
  };
  const cache = new Map<number, number[]>();
  const pick = (i: number) => {
    const s = i % inner, r = Math.floor(i / inner) % k, o = Math.floor(i / (inner * k));
    const key = o * inner + s;
    if (!cache.has(key)) cache.set(key, order(o, s));
    return { j: cache.get(key)![r], o, s };
  };
  return [
    fromFn(x.dtype, out, (i) => { const { j, o, s } = pick(i); return v[(o * n + j) * inner + s]; }),
    fromFn('int64', out, (i) => BigInt(pick(i).j)),
  ];
}

function schema(since: number, until: number | undefined): OpSchema {
  const kOf = (node: Node, ctx: OpCtx | undefined, read: () => number[] | undefined) => {
    if (since < 10) return attrInt(node, 'k', undefined, ctx);
    const ks = read();
    if (!ks || ks.length !== 1) return opFail(node, ctx, 'E_SHAPE', 'K must hold one value');
    return ks[0];
  };
  return {
    op: 'TopK', since, until,
    infer(node, inputs, ctx) {
      checkArity(node, ctx, since < 10 ? 1 : 2, since < 10 ? 1 : 2);
      const x = need(node, ctx, inputs, 0);
      checkDtype(node, ctx, x.dtype, NUMERIC_TYPES, 'X');
      const k = kOf(node, ctx, () => constInts(node, ctx, need(node, ctx, inputs, 1) as StaticValue, 'K input'));
      const { out } = geometry(node, ctx, x.shape, k);
      return [{ dtype: x.dtype, shape: out }, { dtype: 'int64', shape: out }];
    },
    evaluate(node, inputs, ctx) {
      const x = need(node, ctx, inputs, 0);
      const k = kOf(node, ctx, () => tensorInts(need(node, ctx, inputs, 1)));
      const { axis } = geometry(node, ctx, x.shape, k);
      return topK(x, axis, k, since < 11 || attrInt(node, 'largest', 1, ctx) === 1);
    },
  };
}

const topKSchemas: OpSchema[] = [schema(1, 9), schema(10, 10), schema(11, undefined)];
