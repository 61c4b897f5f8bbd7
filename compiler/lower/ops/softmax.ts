// Softmax / LogSoftmax over one axis (opset >= 13) or the coerced-2D form (opset < 13):
// viewed as [outer, n, inner]; per (outer, inner): max, exp and sum, then scale. Every stage is a
// parallel loop over `outer` that only touches its own rows, so the stages merge into one loop
// (merge-loops.ts): each row goes through all four while in cache, and the kernel's one parallel
// loop is scheduled dynamically, with no barrier between stages.
// Over the last axis (inner = 1, attention scores) the rows are contiguous: the exp and scale stages
// are vectorized along the row (pointwise schedule, shifted last tile), and so are the row max and
// sum (row-reduce.ts). A shifted tile runs twice, so the scale stage divides in place only when the
// row splits exactly into whole tiles; otherwise the exps go to a scratch buffer it reads from.
// Those vectorized row stages (softmaxRows) also run on the rows of a GEMM's row block, inside the
// GEMM kernel (gemm-rows.ts).

import type { Buf, Expr, Stmt } from '../../ir/loop.js';
import { bin, load, sub, v } from '../../ir/loop.js';
import type { ComputeDef } from '../../schedule/compute.js';
import type { Schedule } from '../../schedule/schedule.js';
import { lowerStage } from '../../schedule/lower-stage.js';
import type { OpLowerer } from '../context.js';
import { LANES, pointwiseSchedule } from '../default-schedules.js';
import { normAxis } from '../index-math.js';
import { mergeOuterLoops } from '../merge-loops.js';
import { ROW_TILE, rowReduceStages, rowSchedule } from '../row-reduce.js';

/** Softmax of rows v('o') in 0..O of N >= ROW_TILE contiguous elements. */
export interface SoftmaxRows {
  name: string;
  O: number; N: number;
  /** element `a` of row v('o') */
  x(a: Expr): Expr;
  /** [O, N] where the exps go: may be the rows read or the output only when exactTiles(N) */
  ex: Buf;
  out: Buf;
  /** where element `a` of row v('o') is stored in `out` */
  store(a: Expr): Expr[];
  max: Buf; sum: Buf;      // [O]
  part: Buf;               // [O, ROW_TILE]
  /** false: the rows run inside the caller's parallel loop. Default true. */
  parallel?: boolean;
}

/** Whether the pointwise stages cover a row of N in whole vector tiles (no shifted last tile, which runs twice). */
export function exactTiles(N: number): boolean {
  return N < LANES || N % (N >= 8 * LANES ? 2 * LANES : LANES) === 0;
}

export function softmaxRows(p: SoftmaxRows): Stmt[] {
  const { O, N } = p, par = p.parallel ?? true;
  const o = v('o'), axes = [{ name: 'o', extent: O }, { name: 'a', extent: N }];
  const pw = (def: ComputeDef) => lowerStage(def, rowSchedule(pointwiseSchedule(def), par));
  const exAt = (a: Expr) => load(p.ex.name, [o, a]);
  const reduce = (op: 'max' | 'sum', elem: (a: Expr) => Expr, out: Buf) => rowReduceStages({ name: `${p.name}.${op}`, op, elem, out, part: p.part, O, N, parallel: par });
  return [
    ...reduce('max', p.x, p.max),
    pw({ name: `${p.name}.exp`, out: p.ex.name, type: 'f32', axes, body: { k: 'call', fn: 'exp', args: [sub(p.x(v('a')), load(p.max.name, [o]))] } }),
    ...reduce('sum', exAt, p.sum),
    pw({ name: `${p.name}.norm`, out: p.out.name, type: 'f32', axes, body: bin('div', exAt(v('a')), load(p.sum.name, [o])), outIndex: p.store(v('a')) }),
  ];
}

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
  const exact = !rows || exactTiles(Nn);
  if (rows && Nn >= ROW_TILE && O > 1 && !log) {
    const stages = softmaxRows({
      name: node.name, O, N: Nn, x: (a) => load(xv.name, [v('o'), a]),
      ex: exact ? ov : ctx.temp(`${node.name}.exp`, 'f32', [O, Nn]), out: ov, store: (a) => [v('o'), a],
      max: mx, sum: sm, part: ctx.temp(`${node.name}.part`, 'f32', [O, ROW_TILE]),
    });
    return [{ name: node.name, body: mergeOuterLoops(stages), flops: 5 * O * Nn }];
  }
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
  // exps go to the output, or to a scratch copy of the rows when the scale stage cannot run in place
  const ex = exact || log ? ov : ctx.temp(`${node.name}.exp`, 'f32', [O, Nn]);
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
