// Sliding-window computations (depthwise convolution, pooling) over channels-last tensors
// ([N, H, W, C], passes/layout-nhwc.ts): every output pixel is a vector over channels, so stride-2
// windows read contiguous vectors and a border is whole pixels (one scalar check per tap, not per
// lane). One parallel loop over output rows; a row whose windows stay inside the input's rows runs
// its interior columns unchecked and its few border columns checked, the other rows run checked:
//   parallel for (n, oh):
//     for each column range:  for ow:  for cv (C/4 vectors):
//       acc = reduce over the taps;  out[n, oh, ow, cv*4 ..] = epilogue(acc)
// Each thread reads and writes whole rows: contiguous spans of W*C floats. One output vector per
// tile: two or four pixels sharing each tap's weight vector measured slower (MobileNetV2's
// depthwise convs 1.0-1.7x faster with one than with two, `bench/kernel-ab.mjs --all` on one-off
// builds; four spill).

import type { Buf, Expr, Stmt } from '../ir/loop.js';
import { add, bin, c, load, loop, mul, seq, sub, v } from '../ir/loop.js';
import type { ComputeDef, ReduceOp } from '../schedule/compute.js';
import type { Schedule } from '../schedule/schedule.js';
import { lowerStage } from '../schedule/lower-stage.js';
import type { Geometry2d } from './conv-geometry.js';
import { LANES } from './default-schedules.js';
import { inside } from './window-nest.js';

export interface NhwcWindowSpec {
  name: string;
  out: Buf;                                  // [N, OH, OW, C]
  x: Buf;                                    // [N, H, W, C]
  g: Geometry2d;
  reduce: ReduceOp;
  pad: number;
  /** The reduced term, given the input value and the channel (the tap is v('kh'), v('kw')). */
  term(value: Expr, ch: Expr): Expr;
  /** Applied to the reduced value (ACC) with the output index [n, oh, ow, ch]. */
  epilogue?(acc: Expr, idx: Expr[]): Expr;
}

export function windowNhwc(spec: NhwcWindowSpec): Stmt {
  const { g, x, out } = spec;
  const C = out.shape[3];
  return rowRegions(g, out.shape[0], x.shape[1], x.shape[2], (n, oh, q0, q1, checkRows, checkCols) => rowStage(spec, n, oh, q0, q1, checkRows, checkCols, C));
}

/** A stage computing output columns [q0, q1) of row oh of batch n, its reads checked or not. */
export type RowPart = (n: Expr, oh: Expr, q0: number, q1: number, checkRows: boolean, checkCols: boolean) => Stmt;

/**
 * One parallel loop over the N*OH output rows of a window over an H x W input; a row whose windows
 * stay inside the input's rows runs its interior columns unchecked and the columns on either side
 * checked, any other row runs checked (loop partitioning, as in window-nest.ts, by rows).
 */
export function rowRegions(g: Geometry2d, N: number, H: number, W: number, part: RowPart): Stmt {
  const t = v('t');
  const n = N === 1 ? c(0) : bin('div', t, c(g.oh)), oh = N === 1 ? t : bin('rem', t, c(g.oh));
  return loop('t', N * g.oh, rowBody(g, H, W, n, oh, part), 'parallel');
}

/** Output row oh of batch n, split into checked and unchecked column ranges as rowRegions does. */
function rowBody(g: Geometry2d, H: number, W: number, n: Expr, oh: Expr, part: RowPart): Stmt {
  const [r0, r1] = inside(g.oh, H, g.kh, g.sh, g.dh, g.pt);
  const [c0, c1] = inside(g.ow, W, g.kw, g.sw, g.dw, g.pl);
  const cols = (checkRows: boolean, lo: number, hi: number, checkCols: boolean): Stmt[] =>
    (hi > lo ? [part(n, oh, lo, hi, checkRows, checkCols)] : []);
  const checkedRow = seq(...cols(true, 0, g.ow, true));
  return c0 < c1 && r0 < r1
    ? { k: 'if' as const, cond: bin('and', bin('ge', oh, c(r0)), bin('lt', oh, c(r1))),
      then: seq(...cols(false, 0, c0, true), ...cols(false, c0, c1, false), ...cols(false, c1, g.ow, true)), else: checkedRow }
    : checkedRow;
}

/**
 * Rows oh = base + r (r < count, serial) of batch n of the window, stored at rows r of `out`
 * ([count, OW, C]), for a caller whose own loop hands out row blocks (dw-pw-nhwc.ts).
 */
export function windowNhwcRows(spec: NhwcWindowSpec, n: Expr, base: Expr, count: number): Stmt {
  const { g, x } = spec;
  const r = v('wr'), oh = add(base, r);
  const at = (ow: Expr, ch: Expr) => [r, ow, ch];
  return loop('wr', count, rowBody(g, x.shape[1], x.shape[2], n, oh, (nn, row, q0, q1, checkRows, checkCols) => rowStage(spec, nn, row, q0, q1, checkRows, checkCols, x.shape[3], at)));
}

/** x at input row y, column xx: read as is, or 0-padded (`pad`) with clamped indices when checked. */
export function checkedRead(read: (y: Expr, xx: Expr) => Expr, y: Expr, xx: Expr, H: number, W: number, checkRows: boolean, checkCols: boolean, pad: number): Expr {
  if (!checkRows && !checkCols) return read(y, xx);
  const rowOk = bin('and', bin('ge', y, c(0)), bin('lt', y, c(H))), colOk = bin('and', bin('ge', xx, c(0)), bin('lt', xx, c(W)));
  const ok = checkRows && checkCols ? bin('and', rowOk, colOk) : checkRows ? rowOk : colOk;
  return { k: 'select', c: ok, a: read(checkRows ? clamp(y, H) : y, checkCols ? clamp(xx, W) : xx), b: { k: 'const', t: 'f32', v: pad } };
}

const clamp = (e: Expr, hi: number) => bin('min', bin('max', e, c(0)), c(hi - 1));

/** Columns [q0, q1) of output row oh, stored at [n, oh, ow, ch] of `out` or at `at(ow, ch)`: rows checked or not, columns checked or not. */
function rowStage(spec: NhwcWindowSpec, n: Expr, oh: Expr, q0: number, q1: number, checkRows: boolean, checkCols: boolean, C: number, at?: (ow: Expr, ch: Expr) => Expr[]): Stmt {
  const { g, x, out } = spec;
  const [, H, W] = x.shape;
  const vec = C % LANES === 0;
  const ow = add(v('q'), c(q0)), ch = v('cc');
  const y = add(sub(mul(oh, c(g.sh)), c(g.pt)), mul(v('kh'), c(g.dh)));
  const xx = add(sub(mul(ow, c(g.sw)), c(g.pl)), mul(v('kw'), c(g.dw)));
  const value = checkedRead((yy, xc) => load(x.name, [n, yy, xc, ch]), y, xx, H, W, checkRows, checkCols, spec.pad);
  const idx = [n, oh, ow, ch];
  const def: ComputeDef = {
    name: `${spec.name}.${checkRows || checkCols ? 'border' : 'interior'}`, out: out.name, type: 'f32',
    axes: [{ name: 'q', extent: q1 - q0 }, { name: 'cc', extent: C }],
    reduce: { op: spec.reduce, axes: [{ name: 'kh', extent: g.kh }, { name: 'kw', extent: g.kw }] },
    body: spec.term(value, ch),
    outIndex: at?.(ow, ch) ?? idx,
    epilogue: spec.epilogue?.({ k: 'var', name: '$acc' }, idx),
  };
  const s: Schedule = [];
  const lanes = vec ? ['cv', 'cl'] : ['cc'];
  if (vec) s.push({ p: 'split', axis: 'cc', factor: LANES, outer: 'cv', inner: 'cl' });
  s.push({ p: 'reorder', order: ['q', lanes[0], 'kh', 'kw', ...lanes.slice(1)] });
  s.push({ p: 'cache_write', at: lanes[0] });
  if (g.kh * g.kw <= 25) s.push({ p: 'unroll', axis: 'kh' }, { p: 'unroll', axis: 'kw' });
  if (vec) s.push({ p: 'vectorize', axis: 'cl' });
  return lowerStage(def, s);
}
