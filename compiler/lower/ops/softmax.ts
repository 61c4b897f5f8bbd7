// Softmax / LogSoftmax over one axis (opset >= 13) or the coerced-2D form (opset < 13):
// viewed as [outer, n, inner]; per (outer, inner): max, exp and sum, then scale. Every stage runs
// its parallel loop over `outer` with the same chunks, so threads never need to wait on each other.

import type { Expr } from '../../ir/loop.js';
import { bin, load, sub, v } from '../../ir/loop.js';
import type { ComputeDef } from '../../schedule/compute.js';
import type { Schedule } from '../../schedule/schedule.js';
import { lowerStage } from '../../schedule/lower-stage.js';
import type { OpLowerer } from '../context.js';
import { normAxis } from '../index-math.js';

export const lowerSoftmax: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]);
  const out = ctx.buf(node.outputs[0]);
  const rank = x.shape.length;
  const axis = normAxis((node.attrs.axis as number | undefined) ?? (ctx.graph.opset >= 13 ? -1 : 1), rank);
  const prod = (a: number[]) => a.reduce((p, q) => p * q, 1);
  const [O, Nn, I] = ctx.graph.opset >= 13
    ? [prod(x.shape.slice(0, axis)), x.shape[axis], prod(x.shape.slice(axis + 1))]
    : [prod(x.shape.slice(0, axis)), prod(x.shape.slice(axis)), 1];
  const xv = ctx.view(x, [O, Nn, I]), ov = ctx.view(out, [O, Nn, I]);
  const mx = ctx.temp(`${node.name}.max`, 'f32', [O, I]);
  const sm = ctx.temp(`${node.name}.sum`, 'f32', [O, I]);
  const log = node.op === 'LogSoftmax';
  const oi = [v('o'), v('i')];
  const oai = [v('o'), v('a'), v('i')];
  const row = [{ name: 'o', extent: O }, { name: 'i', extent: I }];
  const full = [{ name: 'o', extent: O }, { name: 'a', extent: Nn }, { name: 'i', extent: I }];
  const red = { axes: [{ name: 'a', extent: Nn }] };
  const par: Schedule = [{ p: 'parallel', axis: 'o' }];
  const cached: Schedule = [{ p: 'cache_write', at: 'i' }, ...par];
  const st = (def: ComputeDef, s: Schedule) => lowerStage(def, s);
  const shifted: Expr = sub(load(xv.name, oai), load(mx.name, oi));
  const stages = [
    st({ name: `${node.name}.max`, out: mx.name, type: 'f32', axes: row, reduce: { op: 'max', ...red }, body: load(xv.name, oai) }, cached),
    st({ name: `${node.name}.exp`, out: ov.name, type: 'f32', axes: full, body: { k: 'call', fn: 'exp', args: [shifted] } }, par),
    st({ name: `${node.name}.sum`, out: sm.name, type: 'f32', axes: row, reduce: { op: 'sum', ...red }, body: load(ov.name, oai) }, cached),
    log
      ? st({ name: `${node.name}.norm`, out: ov.name, type: 'f32', axes: full, body: sub(shifted, { k: 'call', fn: 'log', args: [load(sm.name, oi)] }) }, par)
      : st({ name: `${node.name}.norm`, out: ov.name, type: 'f32', axes: full, body: bin('div', load(ov.name, oai), load(sm.name, oi)) }, par),
  ];
  return [{ name: node.name, body: { k: 'seq', body: stages }, flops: 5 * O * Nn * I }];
};
