// Buffer views: reshape, slice and permute a Buf without moving data, whenever the result is still
// expressible as (shape, strides, offset) over the same storage. Reshape follows NumPy's no-copy
// rule: dims may merge or split only within runs that are contiguous with each other.

import type { Graph, Node, TypedArray } from '../ir/graph.js';
import type { Buf } from '../ir/loop.js';

export type ViewShape = Pick<Buf, 'shape' | 'strides' | 'offset'>;

/** Strides for `shape` over the elements of (shape0, strides0), or undefined if a copy is needed. */
export function reshapeStrides(shape0: readonly number[], strides0: readonly number[], shape: readonly number[]): number[] | undefined {
  // Size-1 dims constrain nothing: drop them from the source, give them stride 1 in the result.
  const os: number[] = [], ost: number[] = [];
  shape0.forEach((d, i) => { if (d !== 1) { os.push(d); ost.push(strides0[i]); } });
  const nd = [...shape.keys()].filter((i) => shape[i] !== 1);
  const out = shape.map(() => 1);
  let oi = 0, ni = 0;
  while (oi < os.length && ni < nd.length) {
    // the smallest groups of old dims [oi, oj) and new dims [ni, nj) with equal products
    let oj = oi + 1, nj = ni + 1, op = os[oi], np = shape[nd[ni]];
    while (op !== np) {
      if (op < np) { if (oj >= os.length) return undefined; op *= os[oj++]; }
      else { if (nj >= nd.length) return undefined; np *= shape[nd[nj++]]; }
    }
    for (let k = oi; k < oj - 1; k++) if (ost[k] !== ost[k + 1] * os[k + 1]) return undefined;   // not contiguous
    let st = ost[oj - 1];
    for (let k = nj - 1; k >= ni; k--) { out[nd[k]] = st; st *= shape[nd[k]]; }
    oi = oj; ni = nj;
  }
  return oi === os.length && ni === nd.length ? out : undefined;
}

export function isContiguous(b: ViewShape): boolean {
  let acc = 1;
  for (let i = b.shape.length - 1; i >= 0; i--) {
    if (b.shape[i] !== 1 && b.strides[i] !== acc) return false;
    acc *= b.shape[i];
  }
  return true;
}

/** The sub-box starting at `start` with `shape`, stepping `steps` (default 1) along each axis. */
export function sliceView(b: ViewShape, start: readonly number[], shape: readonly number[], steps?: readonly number[]): ViewShape {
  const offset = b.offset + start.reduce((a, s, i) => a + s * b.strides[i], 0);
  return { shape: [...shape], strides: b.strides.map((s, i) => s * (steps?.[i] ?? 1)), offset };
}

/** Transpose: out axis d is in axis perm[d]. */
export function permuteView(b: ViewShape, perm: readonly number[]): ViewShape {
  return { shape: perm.map((p) => b.shape[p]), strides: perm.map((p) => b.strides[p]), offset: b.offset };
}

/** The constant indices of a Gather that may be a view (gatherView): none with a fused epilogue. */
export function constantGatherIndices(g: Graph, n: Node): TypedArray | undefined {
  if (n.op !== 'Gather' || n.domain !== '' || n.attrs['accelc.epilogue'] !== undefined) return undefined;
  return g.values.get(n.inputs[1])?.const?.data;
}

/**
 * Gather along `axis` of constant indices in arithmetic progression (step >= 1, after wrapping
 * negative ones): a strided slice, with the axis dropped for a scalar index. Undefined otherwise.
 */
export function gatherView(b: ViewShape, axis: number, indices: readonly number[], scalar: boolean): ViewShape | undefined {
  const dim = b.shape[axis];
  const at = indices.map((i) => (i < 0 ? i + dim : i));
  if (!at.length || at.some((i) => i < 0 || i >= dim)) return undefined;
  const step = at.length > 1 ? at[1] - at[0] : 1;
  if (step < 1 || at.some((i, k) => i !== at[0] + k * step)) return undefined;
  const v = sliceView(b, b.shape.map((_, d) => (d === axis ? at[0] : 0)), b.shape.map((d, k) => (k === axis ? at.length : d)), b.shape.map((_, d) => (d === axis ? step : 1)));
  if (!scalar) return v;
  return { shape: v.shape.filter((_, d) => d !== axis), strides: v.strides.filter((_, d) => d !== axis), offset: v.offset };
}
