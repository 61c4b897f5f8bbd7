// TopK by ranking, data-parallel: along the axis (viewed [outer, n, inner]) every element's rank is
// the number of elements that beat it (larger, or equal at a lower index; smaller for largest=0),
// so ranks are a permutation; each element is scattered to its rank, and the first k ranks copied
// out. O(n^2) compares per row: meant for the moderate axes TopK sees in models (classes, boxes).

import type { Expr } from '../../ir/loop.js';
import { bin, c, load, regTypeOf, v } from '../../ir/loop.js';
import type { ComputeDef } from '../../schedule/compute.js';
import { lowerStage } from '../../schedule/lower-stage.js';
import type { LoweredKernel, OpLowerer } from '../context.js';
import { normAxis } from '../index-math.js';

const sel = (cond: Expr, a: Expr, b: Expr): Expr => ({ k: 'select', c: cond, a, b });
const stage = (def: ComputeDef): LoweredKernel => ({ name: def.name, body: lowerStage(def, []), flops: def.axes.reduce((a, x) => a * x.extent, 1) });

const lowerTopK: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]);
  const values = node.outputs[0] ? ctx.buf(node.outputs[0]) : undefined, indices = node.outputs[1] ? ctx.buf(node.outputs[1]) : undefined;
  const axis = normAxis((node.attrs.axis as number | undefined) ?? -1, x.shape.length);
  const n = x.shape[axis], k = (values ?? indices)!.shape[axis];
  const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1), inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  if (k === 0 || outer * inner === 0) return [];
  const largest = ctx.graph.opset < 11 || ((node.attrs.largest as number | undefined) ?? 1) === 1;
  const xt = regTypeOf(x.dtype);
  const xv = ctx.view(x, [outer, n, inner]);
  const rank = ctx.temp(`${node.name}.rank`, 'i32', [outer, n, inner]);
  const sortedV = ctx.temp(`${node.name}.values`, xv.dtype, [outer, n, inner]);
  const sortedI = ctx.temp(`${node.name}.indices`, 'i64', [outer, n, inner]);
  const xi = load(xv.name, [v('o'), v('i'), v('s')]), xj = load(xv.name, [v('o'), v('j'), v('s')]);
  const beats = bin('or', bin(largest ? 'gt' : 'lt', xj, xi), bin('and', bin('eq', xj, xi), bin('lt', v('j'), v('i'))));
  const row = [{ name: 'o', extent: outer }, { name: 'i', extent: n }, { name: 's', extent: inner }];
  const at = [v('o'), load(rank.name, [v('o'), v('i'), v('s')]), v('s')];
  const kernels = [
    stage({ name: `${node.name}.rank`, out: rank.name, type: 'i32', axes: row, reduce: { op: 'sum', axes: [{ name: 'j', extent: n }] }, body: sel(beats, c(1), c(0)) }),
    stage({ name: `${node.name}.scatter`, out: sortedV.name, type: xt, axes: row, body: xi, outIndex: at }),
    stage({ name: `${node.name}.scatter_index`, out: sortedI.name, type: 'i64', axes: row, body: { k: 'cast', t: 'i64', a: v('i') }, outIndex: at }),
  ];
  const first = [{ name: 'o', extent: outer }, { name: 'r', extent: k }, { name: 's', extent: inner }];
  const ri = [v('o'), v('r'), v('s')];
  if (values) kernels.push(stage({ name: `${node.name}.top`, out: ctx.view(values, [outer, k, inner]).name, type: xt, axes: first, body: load(sortedV.name, ri) }));
  if (indices) kernels.push(stage({ name: `${node.name}.top_index`, out: ctx.view(indices, [outer, k, inner]).name, type: 'i64', axes: first, body: load(sortedI.name, ri) }));
  return kernels;
};

export const TOPK_LOWERINGS: Record<string, OpLowerer> = { TopK: lowerTopK };
