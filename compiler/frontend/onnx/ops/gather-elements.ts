// GatherElements (opset 11) and ScatterElements (11; reduction none/add/mul from 16, max/min from
// 18) / Scatter (9-10, the same as ScatterElements without reduction). Indices (int32/int64) have
// the data's rank; negative indices count from the end of `axis`.

import type { Node, Tensor } from '../../../ir/graph.js';
import type { OpCtx, OpSchema } from '../op-schema.js';
import { attrInt, attrString } from './util/attrs.js';
import { ALL_TYPES, INDEX_TYPES, checkArity, checkDtype, need, normAxis, opFail } from './util/check.js';
import { unravel, ravel } from './util/coords.js';
import { fromFn, reader, tensorInts, writer, type Elem } from './util/tensor-data.js';

export { gatherElementsSchemas, SCATTER_REDUCTIONS };

const SCATTER_REDUCTIONS = ['none', 'add', 'mul', 'max', 'min'];

function wrapIndex(node: Node, ctx: OpCtx | undefined, j: number, dim: number): number {
  if (j < -dim || j >= dim) opFail(node, ctx, 'E_SHAPE', `index ${j} is out of range for a dimension of size ${dim}`);
  return j < 0 ? j + dim : j;
}

function checkRanks(node: Node, ctx: OpCtx | undefined, data: number[], idx: number[]): number {
  if (data.length === 0 || idx.length !== data.length) opFail(node, ctx, 'E_SHAPE', `indices [${idx}] must have the rank of data [${data}]`);
  return normAxis(node, ctx, attrInt(node, 'axis', 0, ctx), data.length);
}

const gather: OpSchema = {
  op: 'GatherElements', since: 11,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 2, 2);
    const x = need(node, ctx, inputs, 0), idx = need(node, ctx, inputs, 1);
    checkDtype(node, ctx, x.dtype, ALL_TYPES, 'data');
    checkDtype(node, ctx, idx.dtype, INDEX_TYPES, 'indices');
    checkRanks(node, ctx, x.shape, idx.shape);
    return [{ dtype: x.dtype, shape: idx.shape }];
  },
  evaluate(node, inputs, ctx) {
    const x: Tensor = need(node, ctx, inputs, 0), idx: Tensor = need(node, ctx, inputs, 1);
    const axis = checkRanks(node, ctx, x.shape, idx.shape);
    const ind = tensorInts(idx), r = reader(x);
    return [fromFn(x.dtype, idx.shape, (i) => {
      const c = unravel(i, idx.shape);
      c[axis] = wrapIndex(node, ctx, ind[i], x.shape[axis]);
      return r(ravel(c, x.shape));
    })];
  },
};

function combine(kind: string, a: Elem, b: Elem): Elem {
  switch (kind) {
    case 'add': return typeof a === 'bigint' ? a + (b as bigint) : a + Number(b);
    case 'mul': return typeof a === 'bigint' ? a * (b as bigint) : a * Number(b);
    case 'max': return a >= b ? a : b;
    case 'min': return a <= b ? a : b;
    default: return b;
  }
}

function scatter(op: string, since: number, until: number | undefined): OpSchema {
  const reduction = (node: Node, ctx: OpCtx | undefined) => {
    const r = since >= 16 ? attrString(node, 'reduction', 'none', ctx) : 'none';
    if (!SCATTER_REDUCTIONS.slice(0, since >= 18 ? 5 : 3).includes(r)) opFail(node, ctx, 'E_MODEL', `unknown reduction '${r}'`);
    return r;
  };
  return {
    op, since, until,
    infer(node, inputs, ctx) {
      checkArity(node, ctx, 3, 3);
      const [x, idx, upd] = [0, 1, 2].map((i) => need(node, ctx, inputs, i));
      checkDtype(node, ctx, x.dtype, ALL_TYPES, 'data');
      checkDtype(node, ctx, idx.dtype, INDEX_TYPES, 'indices');
      checkRanks(node, ctx, x.shape, idx.shape);
      if (upd.shape.join() !== idx.shape.join() || upd.dtype !== x.dtype) opFail(node, ctx, 'E_SHAPE', `updates [${upd.shape}] must match indices [${idx.shape}] and data's type`);
      reduction(node, ctx);
      return [{ dtype: x.dtype, shape: x.shape }];
    },
    evaluate(node, inputs, ctx) {
      const [x, idx, upd] = [0, 1, 2].map((i) => need(node, ctx, inputs, i));
      const axis = checkRanks(node, ctx, x.shape, idx.shape), kind = reduction(node, ctx);
      const out = fromFn(x.dtype, x.shape, reader(x));
      const get = reader(out), put = writer(out.dtype, out.data), u = reader(upd), ind = tensorInts(idx);
      for (let i = 0; i < ind.length; i++) {
        const c = unravel(i, idx.shape);
        c[axis] = wrapIndex(node, ctx, ind[i], x.shape[axis]);
        const o = ravel(c, x.shape);
        put(o, combine(kind, get(o), u(i)));
      }
      return [out];
    },
  };
}

const gatherElementsSchemas: OpSchema[] = [gather, scatter('Scatter', 9, 10), scatter('ScatterElements', 11, undefined)];
