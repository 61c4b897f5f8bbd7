// GatherND (opset 11; batch_dims from 12) and ScatterND (11; reduction from 16). The last dim of
// indices (q) indexes the first q dims of data after the batch dims; the rest are sliced whole.

import type { Node, Tensor } from '../../../ir/graph.js';
import type { OpCtx, OpSchema } from '../op-schema.js';
import { attrInt, attrString } from './util/attrs.js';
import { ALL_TYPES, checkArity, checkDtype, need, opFail } from './util/check.js';
import { fromFn, reader, tensorInts, writer, type Elem } from './util/tensor-data.js';
import { SCATTER_REDUCTIONS } from './gather-elements.js';

export { gatherNdSchemas, gatherNdShape };

interface NdGeometry { b: number; q: number; batch: number; tuples: number; slice: number; outShape: number[] }

function gatherNdShape(node: Node, ctx: OpCtx | undefined, data: number[], idx: number[], b: number): NdGeometry {
  const r = data.length, m = idx.length;
  if (m < 1 || r < 1) opFail(node, ctx, 'E_SHAPE', 'data and indices must have rank >= 1');
  const q = idx[m - 1];
  if (b < 0 || b >= Math.min(r, m) || q < 1 || q > r - b) opFail(node, ctx, 'E_SHAPE', `indices [${idx}] cannot index data [${data}] with batch_dims ${b}`);
  for (let k = 0; k < b; k++) if (data[k] !== idx[k]) opFail(node, ctx, 'E_SHAPE', `batch dims differ: data [${data}], indices [${idx}]`);
  const prod = (a: number[]) => a.reduce((x, y) => x * y, 1);
  return {
    b, q, batch: prod(data.slice(0, b)), tuples: prod(idx.slice(b, m - 1)), slice: prod(data.slice(b + q)),
    outShape: [...idx.slice(0, m - 1), ...data.slice(b + q)],
  };
}

/** Flat offset in data of tuple t of batch n. */
function tupleOffset(node: Node, ctx: OpCtx | undefined, g: NdGeometry, data: number[], ind: number[], n: number, t: number): number {
  let off = 0;
  for (let k = 0; k < g.q; k++) {
    const dim = data[g.b + k];
    let j = ind[(n * g.tuples + t) * g.q + k];
    if (j < -dim || j >= dim) opFail(node, ctx, 'E_SHAPE', `index ${j} is out of range for a dimension of size ${dim}`);
    if (j < 0) j += dim;
    off = off * dim + j;
  }
  const inner = data.slice(g.b).reduce((x, y) => x * y, 1);
  return n * inner + off * g.slice;
}

const gatherNd = (since: number, until: number | undefined): OpSchema => ({
  op: 'GatherND', since, until,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 2, 2);
    const x = need(node, ctx, inputs, 0), idx = need(node, ctx, inputs, 1);
    checkDtype(node, ctx, x.dtype, ALL_TYPES, 'data');
    checkDtype(node, ctx, idx.dtype, ['int64'], 'indices');
    return [{ dtype: x.dtype, shape: gatherNdShape(node, ctx, x.shape, idx.shape, attrInt(node, 'batch_dims', 0, ctx)).outShape }];
  },
  evaluate(node, inputs, ctx) {
    const x: Tensor = need(node, ctx, inputs, 0), idx: Tensor = need(node, ctx, inputs, 1);
    const g = gatherNdShape(node, ctx, x.shape, idx.shape, attrInt(node, 'batch_dims', 0, ctx));
    const ind = tensorInts(idx), r = reader(x);
    return [fromFn(x.dtype, g.outShape, (i) => {
      const s = i % g.slice, t = Math.floor(i / g.slice) % g.tuples, n = Math.floor(i / (g.slice * g.tuples));
      return r(tupleOffset(node, ctx, g, x.shape, ind, n, t) + s);
    })];
  },
});

function combine(kind: string, a: Elem, b: Elem): Elem {
  if (kind === 'add') return typeof a === 'bigint' ? a + (b as bigint) : a + Number(b);
  if (kind === 'mul') return typeof a === 'bigint' ? a * (b as bigint) : a * Number(b);
  if (kind === 'max') return a >= b ? a : b;
  if (kind === 'min') return a <= b ? a : b;
  return b;
}

const scatterNd = (since: number, until: number | undefined): OpSchema => ({
  op: 'ScatterND', since, until,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 3, 3);
    const [x, idx, upd] = [0, 1, 2].map((i) => need(node, ctx, inputs, i));
    checkDtype(node, ctx, x.dtype, ALL_TYPES, 'data');
    checkDtype(node, ctx, idx.dtype, ['int64'], 'indices');
    const g = gatherNdShape(node, ctx, x.shape, idx.shape, 0);
    if (upd.shape.join() !== g.outShape.join() || upd.dtype !== x.dtype) opFail(node, ctx, 'E_SHAPE', `updates must be ${x.dtype} [${g.outShape}], got ${upd.dtype} [${upd.shape}]`);
    const red = since >= 16 ? attrString(node, 'reduction', 'none', ctx) : 'none';
    if (!SCATTER_REDUCTIONS.slice(0, since >= 18 ? 5 : 3).includes(red)) opFail(node, ctx, 'E_MODEL', `unknown reduction '${red}'`);
    return [{ dtype: x.dtype, shape: x.shape }];
  },
  evaluate(node, inputs, ctx) {
    const [x, idx, upd] = [0, 1, 2].map((i) => need(node, ctx, inputs, i));
    const g = gatherNdShape(node, ctx, x.shape, idx.shape, 0);
    const kind = since >= 16 ? attrString(node, 'reduction', 'none', ctx) : 'none';
    const out = fromFn(x.dtype, x.shape, reader(x));
    const get = reader(out), put = writer(out.dtype, out.data), u = reader(upd), ind = tensorInts(idx);
    for (let t = 0; t < g.tuples; t++) {
      const base = tupleOffset(node, ctx, g, x.shape, ind, 0, t);
      for (let s = 0; s < g.slice; s++) put(base + s, combine(kind, get(base + s), u(t * g.slice + s)));
    }
    return [out];
  },
});

const gatherNdSchemas: OpSchema[] = [gatherNd(11, 11), gatherNd(12, undefined), scatterNd(11, 15), scatterNd(16, undefined)];
