// Row maps of data-movement nodes. A value of shape [N, m1..mk, s1..sj] whose trailing dims
// s1..sj hold E elements is seen as N batches of rows of E contiguous elements (rows = m1*..*mk,
// row-major). Reshape, Transpose, Concat, Split and Slice that leave the batch axis and the
// trailing E-element block alone only move whole rows: for each output, which (input, input row)
// every output row comes from. Anything else (or a node that touches the block) has no row map.

import type { Graph, Node } from '../ir/graph.js';
import { normAxis } from './index-math.js';
import { sliceParams } from './ops/slice.js';
import type { LowerCtx } from './context.js';

/** Output row r of an output: input `input`, row `row`. */
export interface RowRef { input: number; row: number }

export const RESHAPE_OPS = new Set(['Identity', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Dropout']);
export const MOVE_OPS = new Set([...RESHAPE_OPS, 'Transpose', 'Concat', 'Split', 'Slice']);

const prod = (a: readonly number[]) => a.reduce((x, y) => x * y, 1);

/** Where the trailing E-element block starts (the last such axis >= 1), if the shape has N batches of rows of E. */
export function blockStart(shape: readonly number[], n: number, e: number): number | undefined {
  if (shape.length < 2 || shape[0] !== n) return undefined;
  for (let s = shape.length; s >= 1; s--) if (prod(shape.slice(s)) === e) return s;
  return undefined;
}

/** Mixed-radix digits of `r` over dims (row-major). */
function digits(r: number, dims: readonly number[]): number[] {
  const out = new Array<number>(dims.length);
  for (let d = dims.length - 1; d >= 0; d--) { out[d] = r % dims[d]; r = Math.floor(r / dims[d]); }
  return out;
}
const rowOf = (idx: readonly number[], dims: readonly number[]) => idx.reduce((a, x, d) => a * dims[d] + x, 0);

/** The data inputs of a move node (the others are shape or index parameters). */
export function dataInputs(n: Node): string[] {
  return n.op === 'Concat' ? n.inputs : [n.inputs[0]];
}

/** Per output, the source of each of its rows; undefined when the node does not only move rows. */
export function rowMaps(n: Node, g: Graph, N: number, E: number): RowRef[][] | undefined {
  const shape = (v: string) => g.values.get(v)?.shape as number[] | undefined;
  const ins = dataInputs(n).map(shape), outs = n.outputs.map(shape);
  if (n.outputs.some((o) => !o) || [...ins, ...outs].some((s) => !s || !s.every((d) => typeof d === 'number'))) return undefined;
  const inS = ins as number[][], outS = outs as number[][];
  const x = inS[0], s = blockStart(x, N, E);
  if (s === undefined) return undefined;
  const mid = x.slice(1, s);
  const rows = (sh: number[]) => prod(sh.slice(1, s));
  const sameBlock = (sh: number[]) => sh.length === x.length && sh[0] === N && sh.slice(s).every((d, i) => d === x[s + i]);
  if (RESHAPE_OPS.has(n.op)) {
    if (n.outputs.length !== 1 || blockStart(outS[0], N, E) === undefined) return undefined;
    return [Array.from({ length: rows(x) }, (_, r) => ({ input: 0, row: r }))];
  }
  if (n.op === 'Transpose') {
    const perm = (n.attrs.perm as number[] | undefined) ?? [...x.keys()].reverse();
    if (perm[0] !== 0 || perm.some((p, d) => d >= s && p !== d)) return undefined;
    const om = outS[0].slice(1, s);
    return [Array.from({ length: prod(om) }, (_, r) => {
      const j = digits(r, om), i = new Array<number>(mid.length);
      perm.slice(1, s).forEach((p, d) => { i[p - 1] = j[d]; });
      return { input: 0, row: rowOf(i, mid) };
    })];
  }
  if (n.op === 'Concat' || n.op === 'Split') {
    const whole = n.op === 'Concat' ? outS[0] : x, parts = n.op === 'Concat' ? inS : outS;
    const axis = normAxis((n.attrs.axis as number | undefined) ?? 0, whole.length);
    if (axis < 1 || axis >= s || !parts.every(sameBlock) || !sameBlock(whole)) return undefined;
    const starts = parts.map((_, k) => parts.slice(0, k).reduce((a, p) => a + p[axis], 0));
    const wm = whole.slice(1, s);
    if (n.op === 'Concat') {
      return [Array.from({ length: prod(wm) }, (_, r) => {
        const j = digits(r, wm), a = j[axis - 1];
        const k = parts.findIndex((p, q) => a >= starts[q] && a < starts[q] + p[axis]);
        j[axis - 1] = a - starts[k];
        return { input: k, row: rowOf(j, parts[k].slice(1, s)) };
      })];
    }
    return parts.map((p, k) => Array.from({ length: rows(p) }, (_, r) => {
      const j = digits(r, p.slice(1, s));
      j[axis - 1] += starts[k];
      return { input: 0, row: rowOf(j, wm) };
    }));
  }
  if (n.op === 'Slice') {
    const ctx = { graph: g, modelName: g.name, constOf: (v: string) => g.values.get(v)?.const?.data } as LowerCtx;
    if (n.inputs.slice(1).some((v) => v && !g.values.get(v)?.const)) return undefined;
    const { start, step } = sliceParams(n, ctx, x);
    const o = outS[0];
    if (!sameBlock(o) || step.some((st, d) => (d === 0 || d >= s) && (st !== 1 || start[d] !== 0))) return undefined;
    const om = o.slice(1, s);
    return [Array.from({ length: prod(om) }, (_, r) => {
      const j = digits(r, om).map((q, d) => start[d + 1] + q * step[d + 1]);
      return { input: 0, row: rowOf(j, mid) };
    })];
  }
  return undefined;
}
