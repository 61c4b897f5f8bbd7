// ReduceMean / ReduceSum / ReduceMax / ReduceMin over constant axes (attribute, or input since
// opset 18 for most and 13 for ReduceSum), keepdims honoured.

import type { Expr } from '../../ir/loop.js';
import { c, f, load, v } from '../../ir/loop.js';
import { ACC, type Axis, type ComputeDef, type ReduceOp } from '../../schedule/compute.js';
import { lowerStage } from '../../schedule/lower-stage.js';
import type { OpLowerer } from '../context.js';
import { normAxis } from '../index-math.js';

const OPS: Record<string, ReduceOp> = { ReduceMean: 'sum', ReduceSum: 'sum', ReduceMax: 'max', ReduceMin: 'min' };

export const lowerReduce: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]);
  const out = ctx.buf(node.outputs[0]);
  const rank = x.shape.length;
  const axesIn = node.inputs[1] ? ctx.constOf(node.inputs[1]) : undefined;
  let axes = (axesIn ? Array.from(axesIn, Number) : (node.attrs.axes as number[] | undefined)) ?? [];
  const noopEmpty = node.attrs.noop_with_empty_axes === 1;
  if (!axes.length) axes = noopEmpty ? [] : [...Array(rank).keys()];
  const red = new Set(axes.map((a) => normAxis(a, rank)));
  const spatial: Axis[] = [], reduce: Axis[] = [];
  const inIdx: Expr[] = [];
  x.shape.forEach((d, i) => {
    if (red.has(i)) { reduce.push({ name: `r${i}`, extent: d }); inIdx.push(v(`r${i}`)); }
    else { spatial.push({ name: `s${i}`, extent: d }); inIdx.push(v(`s${i}`)); }
  });
  const count = reduce.reduce((a, r) => a * r.extent, 1);
  const outView = ctx.view(out, spatial.length ? spatial.map((a) => a.extent) : [1]);
  const def: ComputeDef = {
    name: node.name, out: outView.name, type: 'f32', axes: spatial.length ? spatial : [{ name: 'z', extent: 1 }],
    reduce: { op: OPS[node.op], axes: reduce.length ? reduce : [{ name: 'r', extent: 1 }] },
    body: load(x.name, inIdx),
    outIndex: spatial.length ? spatial.map((a) => v(a.name)) : [c(0)],
    epilogue: node.op === 'ReduceMean' ? { k: 'bin', op: 'mul', a: { k: 'var', name: ACC }, b: f(1 / count) } : undefined,
  };
  const sAxes = def.axes;
  const last = sAxes[sAxes.length - 1].name;
  const par = sAxes.find((a) => a.extent > 1);
  const sched = [{ p: 'cache_write' as const, at: last }, ...(par ? [{ p: 'parallel' as const, axis: par.name }] : [])];
  return [{ name: node.name, body: lowerStage(def, sched), flops: x.shape.reduce((a, b) => a * b, 1) }];
};
