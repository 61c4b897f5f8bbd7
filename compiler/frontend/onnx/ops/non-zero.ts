// NonZero (opset 9) and Compress (9/11): outputs whose shape depends on the data, so they are
// computed at compile time: the input (NonZero) or the condition (Compress) must be a constant.

import { numel, type Node, type Tensor } from '../../../ir/graph.js';
import type { OpCtx, OpSchema, StaticValue } from '../op-schema.js';
import { attrInt } from './util/attrs.js';
import { ALL_TYPES, checkArity, checkDtype, need, needConst, normAxis } from './util/check.js';
import { unravel } from './util/coords.js';
import { gatherElems as gatherElemsOf } from './util/shape.js';
import { fromFn, reader, toNumbers } from './util/tensor-data.js';

export { nonZeroSchemas, compressMap };

function nonZero(x: Tensor): Tensor {
  const r = reader(x), hits: number[] = [];
  for (let i = 0; i < x.data.length; i++) if (Number(r(i)) !== 0) hits.push(i);
  const rank = x.shape.length;
  return fromFn('int64', [rank, hits.length], (i) => BigInt(unravel(hits[i % hits.length], x.shape)[Math.floor(i / hits.length)]));
}

/** Compress as a gather: the output shape and, per output element, its input offset. */
function compressMap(node: Node, ctx: OpCtx | undefined, shape: number[], cond: Tensor): { shape: number[]; map: Int32Array } {
  const c = toNumbers(cond);
  const hasAxis = node.attrs.axis !== undefined;
  const flat = hasAxis ? shape : [numel(shape)];
  const axis = hasAxis ? normAxis(node, ctx, attrInt(node, 'axis', 0, ctx), shape.length) : 0;
  const keep: number[] = [];
  for (let j = 0; j < Math.min(c.length, flat[axis]); j++) if (c[j] !== 0) keep.push(j);
  const out = flat.map((d, k) => (k === axis ? keep.length : d));
  const inner = flat.slice(axis + 1).reduce((a, b) => a * b, 1), len = flat[axis];
  const map = new Int32Array(numel(out));
  for (let i = 0; i < map.length; i++) {
    const n = i % inner, j = Math.floor(i / inner) % keep.length, o = Math.floor(i / (inner * keep.length));
    map[i] = (o * len + keep[j]) * inner + n;
  }
  return { shape: out, map };
}

const nonZeroSchema: OpSchema = {
  op: 'NonZero', since: 9,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 1, 1);
    const x: StaticValue = need(node, ctx, inputs, 0);
    checkDtype(node, ctx, x.dtype, ALL_TYPES, 'input');
    const value = nonZero(needConst(node, ctx, x, 'input (NonZero\'s output shape depends on its values)'));
    return [{ dtype: 'int64', shape: value.shape, value }];
  },
  evaluate(node, inputs, ctx) {
    return [nonZero(need(node, ctx, inputs, 0))];
  },
};

const compress = (since: number, until: number | undefined): OpSchema => ({
  op: 'Compress', since, until,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 2, 2);
    const x = need(node, ctx, inputs, 0), cond: StaticValue = need(node, ctx, inputs, 1);
    checkDtype(node, ctx, x.dtype, ALL_TYPES, 'input');
    checkDtype(node, ctx, cond.dtype, ['bool'], 'condition');
    const { shape } = compressMap(node, ctx, x.shape, needConst(node, ctx, cond, 'condition input'));
    return [{ dtype: x.dtype, shape }];
  },
  evaluate(node, inputs, ctx) {
    const x = need(node, ctx, inputs, 0);
    const { shape, map } = compressMap(node, ctx, x.shape, need(node, ctx, inputs, 1));
    return [gatherElemsOf(x, map, shape)];
  },
});

const nonZeroSchemas: OpSchema[] = [nonZeroSchema, compress(9, 10), compress(11, undefined)];
