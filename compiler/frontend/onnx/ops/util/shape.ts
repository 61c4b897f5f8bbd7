// Shape arithmetic for inference and evaluation: strides, numpy broadcasting, index maps.

import { numel, type Node, type Tensor } from '../../../../ir/graph.js';
import type { OpCtx, StaticValue } from '../../op-schema.js';
import { needConst, opFail } from './check.js';
import { fromFn, tensorInts, type Elem } from './tensor-data.js';

export { strides, broadcastShapes, broadcastMap, stridedMap, gatherElems, constInts, checkElementCount, MAX_ELEMENTS };

const MAX_ELEMENTS = 2 ** 31;

function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    s[k] = acc;
    acc *= shape[k];
  }
  return s;
}

/** numpy (multidirectional) broadcasting of several shapes. */
function broadcastShapes(node: Node, ctx: OpCtx | undefined, shapes: ReadonlyArray<readonly number[]>): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let k = 0; k < s.length; k++) {
      const o = rank - s.length + k;
      const d = s[k];
      if (d === out[o] || d === 1) continue;
      if (out[o] === 1) out[o] = d;
      else opFail(node, ctx, 'E_SHAPE', `shapes ${shapes.map((x) => `[${x}]`).join(' and ')} do not broadcast`);
    }
  }
  return out;
}

/** For every flat index of outShape, the flat index of the element of inShape broadcast onto it. */
function broadcastMap(inShape: readonly number[], outShape: readonly number[]): Int32Array {
  const padded = [...new Array<number>(outShape.length - inShape.length).fill(1), ...inShape];
  return stridedMap(outShape, strides(padded).map((s, k) => (padded[k] === 1 ? 0 : s)));
}

/** For every flat index of outShape, base + sum_k idx_k * srcStrides[k] (transpose, slice). */
function stridedMap(outShape: readonly number[], srcStrides: readonly number[], base = 0): Int32Array {
  const r = outShape.length;
  const n = numel(outShape);
  const map = new Int32Array(n);
  const idx = new Array<number>(r).fill(0);
  let off = base;
  for (let i = 0; i < n; i++) {
    map[i] = off;
    for (let k = r - 1; k >= 0; k--) {
      idx[k]++;
      off += srcStrides[k];
      if (idx[k] < outShape[k]) break;
      off -= srcStrides[k] * idx[k];
      idx[k] = 0;
    }
  }
  return map;
}

/** out[i] = t[map[i]], or `fill` where map[i] < 0. Copies raw storage, so it works for every dtype. */
function gatherElems(t: Tensor, map: Int32Array, shape: number[], fill: Elem = 0): Tensor {
  const src = t.data;
  const fillRaw = fromFn(t.dtype, [], () => fill).data[0]; // encoded in t's storage type
  const out = fromFn(t.dtype, shape, () => 0);
  const dst = out.data as unknown as { [i: number]: number | bigint };
  for (let i = 0; i < map.length; i++) dst[i] = map[i] >= 0 ? src[map[i]] : fillRaw;
  return out;
}

/** Integer contents of a constant input that determines a shape. */
function constInts(node: Node, ctx: OpCtx | undefined, v: StaticValue, what: string): number[] {
  return tensorInts(needConst(node, ctx, v, what));
}

function checkElementCount(node: Node, ctx: OpCtx | undefined, shape: readonly number[]): void {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) opFail(node, ctx, 'E_SHAPE', `output shape [${shape}] has an invalid dimension`);
    n *= d;
  }
  if (n > MAX_ELEMENTS) opFail(node, ctx, 'E_SHAPE', `output shape [${shape}] has more than ${MAX_ELEMENTS} elements`);
}
