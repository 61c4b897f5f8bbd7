// Softmax / LogSoftmax over one axis (opset >= 13) or the coerced-2D form (opset < 13):
// viewed as [outer, n, inner]; per (outer, inner): max, exp and sum, then scale. Every stage is a
// parallel loop over `outer` that only touches its own rows, so the stages merge into one loop
// (merge-loops.ts): each row goes through all four while in cache, and the kernel's one parallel
// loop is scheduled dynamically, with no barrier between stages.
// Over the last axis (inner = 1, attention scores) the rows are contiguous: the exp and scale stages
// are vectorized along the row (pointwise schedule, shifted last tile), and so are the row max and
// sum (row-reduce.ts). A shifted tile runs twice, so the scale stage divides in place only when the
// row splits exactly into whole tiles; otherwise the exps go to a scratch buffer it reads from.

import type { Buf, Expr, Stmt } from '../../ir/loop.js';
import { bin, load, sub, v } from '../../ir/loop.js';
import type { ComputeDef } from '../../schedule/compute.js';
import type { Schedule } from '../../schedule/schedule.js';
import { lowerStage } from '../../schedule/lower-stage.js';
import type { OpLowerer } from '../context.js';
import { LANES, pointwiseSchedule } from '../default-schedules.js';
import { normAxis } from '../index-math.js';
import { mergeOuterLoops } from '../merge-loops.js';
import { ROW_TILE, rowReduceStages } from '../row-reduce.js';

export const lowerSoftmax: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]);
  const out = ctx.buf(node.outputs[0]);
  const rank = x.shape.length;
  const axis = normAxis((node.attrs.axis as number | undefined) ?? (ctx.graph.opset >= 13 ? -1 : 1), rank);
  const prod = (a: number[]) => a.reduce((p, q) => p * q, 1);
  const [O, Nn, I] = ctx.graph.opset >= 13
    ? [prod(x.shape.slice(0, axis)), x.shape[axis], prod(x.shape.slice(axis + 1))]
    : [prod(x.shape.slice(0, axis)), prod(x.shape.slice(axis)), 1];
  const rows = I === 1;
  const xv = ctx.view(x, rows ? [O, Nn] : [O, Nn, I]), ov = ctx.view(out, rows ? [O, Nn] : [O, Nn, I]);
  const mx = ctx.temp(`${node.name}.max`, 'f32', rows ? [O] : [O, I]);
  const sm = ctx.temp(`${node.name}.sum`, 'f32', rows ? [O] : [O, I]);
  const log = node.op === 'LogSoftmax';
  const oi = rows ? [v('o')] : [v('o'), v('i')];
  const oai = rows ? [v('o'), v('a')] : [v('o'), v('a'), v('i')];
  const row = rows ? [{ name: 'o', extent: O }] : [{ name: 'o', extent: O }, { name: 'i', extent: I }];
  const full = [{ name: 'o', extent: O }, { name: 'a', extent: Nn }, ...(rows ? [] : [{ name: 'i', extent: I }])];
  const red = { axes: [{ name: 'a', extent: Nn }] };
  const par: Schedule = [{ p: 'parallel', axis: 'o' }];
  const cached: Schedule = [{ p: 'cache_write', at: rows ? 'o' : 'i' }, ...par];
  const st = (def: ComputeDef, s: Schedule) => lowerStage(def, s);
  // pointwise stages: vectorized along the row when rows are contiguous, always parallel over `o`
  const pw = (def: ComputeDef) => st(def, rows && O > 1 ? pointwiseSchedule(def) : par);
  const shifted: Expr = sub(load(xv.name, oai), load(mx.name, oi));
  const expOf: Expr = { k: 'call', fn: 'exp', args: [shifted] };
  const exactTiles = !rows || Nn < LANES || Nn % (Nn >= 8 * LANES ? 2 * LANES : LANES) === 0;
  // exps go to the output, or to a scratch copy of the rows when the scale stage cannot run in place
  const ex = exactTiles || log ? ov : ctx.temp(`${node.name}.exp`, 'f32', [O, Nn]);
  const scaled = bin('div', load(ex.name, oai), load(sm.name, oi));
  // along contiguous rows of >= 8: vectorized (rowReduceStages); otherwise one scalar reduction
  const vecRows = rows && Nn >= ROW_TILE;
  const part = vecRows ? ctx.temp(`${node.name}.part`, 'f32', [O, ROW_TILE]) : undefined;
  const reduceRows = (op: 'max' | 'sum', src: Buf, dst: Buf): Stmt[] => (part
    ? rowReduceStages({ name: `${node.name}.${op}`, op, elem: (a) => load(src.name, [v('o'), a]), out: dst, part, O, N: Nn })
    : [st({ name: `${node.name}.${op}`, out: dst.name, type: 'f32', axes: row, reduce: { op, ...red }, body: load(src.name, oai) }, cached)]);
  const stages = [
    ...reduceRows('max', xv, mx),
    pw({ name: `${node.name}.exp`, out: ex.name, type: 'f32', axes: full, body: expOf }),
    ...reduceRows('sum', ex, sm),
    log
      ? pw({ name: `${node.name}.norm`, out: ov.name, type: 'f32', axes: full, body: sub(shifted, { k: 'call', fn: 'log', args: [load(sm.name, oi)] }) })
      : pw({ name: `${node.name}.norm`, out: ov.name, type: 'f32', axes: full, body: scaled }),
  ];
  return [{ name: node.name, body: mergeOuterLoops(stages), flops: 5 * O * Nn * I }];
};
