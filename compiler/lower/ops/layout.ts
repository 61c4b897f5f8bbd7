// Pure data movement, one copy stage per output: Split, Tile, DepthToSpace, SpaceToDepth, and
// Compress with a constant condition (a gather through a compile-time index table).

import type { Expr } from '../../ir/loop.js';
import { add, bin, c, load, mul, regTypeOf } from '../../ir/loop.js';
import type { LowerCtx, LoweredKernel, OpLowerer } from '../context.js';
import { axesOf, normAxis, vars } from '../index-math.js';
import { pointwiseKernel } from './elementwise.js';
import type { Buf } from '../../ir/loop.js';
import type { Node } from '../../ir/graph.js';

const div = (a: Expr, n: number) => bin('div', a, c(n));
const rem = (a: Expr, n: number) => bin('rem', a, c(n));
const simple = (b: Buf) => b.dtype === 'f32' || b.dtype === 'i32';

/** out[i...] = x[index(i...)], one stage. */
function copyKernel(name: string, out: Buf, x: Buf, index: (o: Expr[]) => Expr[], vectorizable = false): LoweredKernel {
  const axes = axesOf(out.shape);
  return pointwiseKernel(name, { name, out: out.name, type: regTypeOf(out.dtype), axes, body: load(x.name, index(vars(axes))) }, vectorizable && simple(out));
}

/** The part sizes (validated by the frontend): the split input or attribute, num_outputs, or equal parts. */
function splitSizes(node: Node, ctx: LowerCtx, dim: number): number[] {
  const n = node.outputs.length;
  const given = node.inputs[1] ? ctx.constOf(node.inputs[1]) : undefined;
  if (given) return Array.from(given, Number);
  if (Array.isArray(node.attrs.split)) return node.attrs.split as number[];
  if (typeof node.attrs.num_outputs === 'number') {
    const part = Math.ceil(dim / n);
    return Array.from({ length: n }, (_, i) => Math.max(0, Math.min(part, dim - i * part)));
  }
  return new Array<number>(n).fill(dim / n);
}

const lowerSplit: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]);
  const axis = normAxis((node.attrs.axis as number | undefined) ?? 0, x.shape.length);
  const sizes = splitSizes(node, ctx, x.shape[axis]);
  let at = 0;
  const kernels: LoweredKernel[] = [];
  node.outputs.forEach((name, k) => {
    const start = at;
    at += sizes[k];
    if (!name) return;
    const out = ctx.buf(name);
    if (out.shape.includes(0)) return;
    kernels.push(copyKernel(`${node.name}.${k}`, out, x, (o) => o.map((e, d) => (d === axis ? add(e, c(start)) : e)), axis < x.shape.length - 1));
  });
  return kernels;
};

const lowerTile: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]), out = ctx.buf(node.outputs[0]);
  return [copyKernel(node.name, out, x, (o) => o.map((e, d) => (x.shape[d] === out.shape[d] ? e : x.shape[d] === 1 ? c(0) : rem(e, x.shape[d]))))];
};

const lowerDepthSpace: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]), out = ctx.buf(node.outputs[0]);
  const b = node.attrs.blocksize as number;
  if (node.op === 'DepthToSpace') {
    const C = out.shape[1], crd = node.attrs.mode === 'CRD';
    return [copyKernel(node.name, out, x, ([n, ch, h, w]) => {
      const bh = rem(h, b), bw = rem(w, b);
      const ci = crd ? add(mul(ch, c(b * b)), add(mul(bh, c(b)), bw)) : add(mul(add(mul(bh, c(b)), bw), c(C)), ch);
      return [n, ci, div(h, b), div(w, b)];
    })];
  }
  const C = x.shape[1];
  return [copyKernel(node.name, out, x, ([n, ch, h, w]) => {
    const blk = div(ch, C);
    return [n, rem(ch, C), add(mul(h, c(b)), div(blk, b)), add(mul(w, c(b)), rem(blk, b))];
  })];
};

/** Compress: the frontend required a constant condition, so the gather map is a weight. */
const lowerCompress: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]), out = ctx.buf(node.outputs[0]);
  const cond = ctx.constOf(node.inputs[1]);
  if (!cond) throw new Error('accelc bug: Compress reached lowering without a constant condition');
  const hasAxis = node.attrs.axis !== undefined;
  const flat = hasAxis ? x.shape : [x.shape.reduce((a, b) => a * b, 1)];
  const axis = hasAxis ? normAxis(node.attrs.axis as number, x.shape.length) : 0;
  const keep: number[] = [];
  for (let j = 0; j < Math.min(cond.length, flat[axis]); j++) if (Number(cond[j]) !== 0) keep.push(j);
  const table = ctx.weight(`${node.name}.keep`, 'i32', [Math.max(1, keep.length)], Int32Array.from(keep.length ? keep : [0]));
  const xv = ctx.view(x, flat), ov = ctx.view(out, flat.map((d, k) => (k === axis ? keep.length : d)));
  if (keep.length === 0 || ov.shape.includes(0)) return [];
  return [copyKernel(node.name, ov, xv, (o) => o.map((e, d) => (d === axis ? load(table.name, [e]) : e)))];
};

export const LAYOUT_LOWERINGS: Record<string, OpLowerer> = {
  Split: lowerSplit,
  Tile: lowerTile,
  DepthToSpace: lowerDepthSpace,
  SpaceToDepth: lowerDepthSpace,
  Compress: lowerCompress,
};

export type { LowerCtx };
