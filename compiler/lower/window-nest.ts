// Sliding-window computations (depthwise / grouped convolution, pooling) without a padded copy of
// the input: the output is partitioned (as Halide and TVM partition loops) into an interior whose
// windows lie inside the input, read directly and vectorized, and border strips whose reads are
// bounds-checked (out-of-range taps read the pad value). The regions write disjoint outputs, so
// they share one channel loop (merge-loops.ts): no barrier between them.

import type { Buf, Expr, Stmt } from '../ir/loop.js';
import { add, bin, c, load, mul, sub, v } from '../ir/loop.js';
import type { ComputeDef, ReduceOp } from '../schedule/compute.js';
import type { Schedule } from '../schedule/schedule.js';
import { lowerStage } from '../schedule/lower-stage.js';
import type { Geometry2d } from './conv-geometry.js';
import { LANES } from './default-schedules.js';
import { mergeOuterLoops } from './merge-loops.js';
import { substituteStmt } from '../ir/traverse.js';
import type { RowBlocks } from './row-blocks.js';

export interface WindowSpec {
  name: string;
  out: Buf;                                  // [N, C, OH, OW]
  x: Buf;                                    // [N, Cin, H, W]
  g: Geometry2d;
  reduce: ReduceOp;
  /** Extra reduction axes besides kh, kw (e.g. the input channels of a grouped convolution). */
  extraAxes?: { name: string; extent: number }[];
  /** Input channel read for output channel `co` (and extra axes). */
  channel(co: Expr): Expr;
  /** The reduced term, given the input value and the output channel. */
  term(value: Expr, co: Expr): Expr;
  epilogue?(acc: Expr, idx: Expr[]): Expr;
  pad: number;
  /**
   * Compute only the `count` output rows of one row block (row-blocks.ts; its expressions are of
   * the enclosing loop), for its batch item `n`, storing them at rows 0..count of `out`
   * ([1, C, count, OW]), in serial loops: the inner stage of a kernel whose own loop hands out
   * row blocks (dw-pw.ts).
   */
  rows?: RowBlocks;
}

/** rowsInside: a checked region whose rows are known to read inside the input (only columns checked). */
interface Region { oh0: number; oh1: number; ow0: number; ow1: number; checked: boolean; rowsInside?: boolean }

/** Output range [lo, hi) whose windows stay inside [0, size) along one axis. */
export function inside(outSize: number, size: number, k: number, s: number, d: number, p: number): [number, number] {
  const lo = Math.min(outSize, Math.ceil(p / s));
  const hi = Math.max(lo, Math.min(outSize, Math.floor((size - 1 - (k - 1) * d + p) / s) + 1));
  return [lo, hi];
}

function regions(g: Geometry2d, H: number, W: number, wideStrips: boolean): Region[] {
  const [r0, r1] = inside(g.oh, H, g.kh, g.sh, g.dh, g.pt);
  let [c0, c1] = inside(g.ow, W, g.kw, g.sw, g.dw, g.pl);
  if (r0 >= r1 || c0 >= c1) return [{ oh0: 0, oh1: g.oh, ow0: 0, ow1: g.ow, checked: true }];
  // Left/right strips narrower than a vector would run as scalar code: widen them to one vector
  // (their column checks are selects on contiguous loads, see windowNest), if the interior keeps one.
  // (MobileNetV2's 56-, 28- and 14-wide depthwise convs 10-29% faster than with scalar strips.)
  if (wideStrips) {
    const l = c0 > 0 ? Math.max(c0, LANES) : 0, r = c1 < g.ow ? Math.min(c1, g.ow - LANES) : g.ow;
    if (r - l >= LANES) [c0, c1] = [l, r];
  }
  return [
    { oh0: r0, oh1: r1, ow0: c0, ow1: c1, checked: false },
    { oh0: 0, oh1: r0, ow0: 0, ow1: g.ow, checked: true },
    { oh0: r1, oh1: g.oh, ow0: 0, ow1: g.ow, checked: true },
    { oh0: r0, oh1: r1, ow0: 0, ow1: c0, checked: true },
    { oh0: r0, oh1: r1, ow0: c1, ow1: g.ow, checked: true },
  ].filter((r) => r.oh1 > r.oh0 && r.ow1 > r.ow0);
}

/** Output vectors per interior tile. One: V8 loads every tap's inputs and weight splats before the
 *  arithmetic, so a second vector's (18 more live values; 36 at stride 2) spills; sharing the
 *  splats does not pay for that (MobileNetV2 depthwise: stride 2 1.1-1.5x faster, stride 1 1-1.12x). */
const TILE_VECTORS = 1;

/** Most elements a row's taps may reach past either end of the row and still be read unclamped:
 *  buffers start past RESERVED_BYTES and memory keeps 64 bytes of slack at its end. */
const ROW_OVERREAD = 4;

/** The window computation as one loop nest: the regions share their (parallel) channel loop. */
export function windowNest(spec: WindowSpec): Stmt {
  const { g, x } = spec;
  const H = x.shape[2], W = x.shape[3];
  // Column checks as a select on an unclamped (contiguous) vector load when the taps overreach the
  // row by a few elements only; a clamped column index would make every checked load a gather.
  const unclampedCols = g.pl <= ROW_OVERREAD && g.pr <= ROW_OVERREAD;
  const stages = (rs: Region[]) => mergeOuterLoops(rs.map((r, k) => regionStage(spec, r, k, unclampedCols)));
  const all = regions(g, H, W, unclampedCols);
  if (!spec.rows) return stages(all);
  // Row blocks: blocks alike in how many of their first and last rows have windows reaching past
  // the input's rows share one variant: those rows checked, the others split by columns as above.
  const { block, bases, count } = spec.rows;
  const [r0, r1] = inside(g.oh, H, g.kh, g.sh, g.dh, g.pt);
  const cols = all.filter((r) => r.oh0 === r0 && r.oh1 === r1);
  const variants: { lo: number; hi: number; top: number; bottom: number }[] = [];
  bases.forEach((base, b) => {
    let top = Math.min(count, Math.max(0, r0 - base)), bottom = Math.min(count - top, Math.max(0, base + count - r1));
    if (!cols.length) [top, bottom] = [count, 0];
    const last = variants[variants.length - 1];
    if (last && last.top === top && last.bottom === bottom) last.hi = b;
    else variants.push({ lo: b, hi: b, top, bottom });
  });
  const variant = ({ top, bottom }: { top: number; bottom: number }) => stages([
    { oh0: 0, oh1: top, ow0: 0, ow1: g.ow, checked: true },
    ...cols.map((r) => ({ ...r, oh0: top, oh1: count - bottom, rowsInside: true })),
    { oh0: count - bottom, oh1: count, ow0: 0, ow1: g.ow, checked: true },
  ].filter((r) => r.oh1 > r.oh0));
  return variants.reduceRight<Stmt | undefined>((rest, w) => (rest ? { k: 'if', cond: bin('le', block, c(w.hi)), then: variant(w), else: rest } : variant(w)), undefined)!;
}

function regionStage(spec: WindowSpec, r: Region, k: number, unclampedCols: boolean): Stmt {
  const { g, x, out } = spec;
  const [N, C] = out.shape, H = x.shape[2], W = x.shape[3];
  const n = spec.rows?.n ?? v('n'), co = v('co');
  const row = add(v('r'), c(r.oh0)), ow = add(v('q'), c(r.ow0));
  const oh = spec.rows ? add(spec.rows.base, row) : row;
  const y = add(sub(mul(oh, c(g.sh)), c(g.pt)), mul(v('kh'), c(g.dh)));
  const xx = add(sub(mul(ow, c(g.sw)), c(g.pl)), mul(v('kw'), c(g.dw)));
  const ch = spec.channel(co);
  let value: Expr;
  if (!r.checked) value = load(x.name, [n, ch, y, xx]);
  else {
    const clamp = (e: Expr, hi: number) => bin('min', bin('max', e, c(0)), c(hi - 1));
    const colOk = bin('and', bin('ge', xx, c(0)), bin('lt', xx, c(W)));
    const ok = r.rowsInside ? colOk : bin('and', bin('and', bin('ge', y, c(0)), bin('lt', y, c(H))), colOk);
    value = { k: 'select', c: ok, a: load(x.name, [n, ch, r.rowsInside ? y : clamp(y, H), unclampedCols ? xx : clamp(xx, W)]), b: { k: 'const', t: 'f32', v: spec.pad } };
  }
  const idx = spec.rows ? [c(0), co, row, ow] : [n, co, oh, ow];
  const extent = r.ow1 - r.ow0;
  const def: ComputeDef = {
    name: `${spec.name}.${r.checked ? `border${k}` : 'interior'}`, out: out.name, type: 'f32',
    axes: [...(spec.rows ? [] : [{ name: 'n', extent: N }]), { name: 'co', extent: C }, { name: 'r', extent: r.oh1 - r.oh0 }, { name: 'q', extent }],
    reduce: { op: spec.reduce, axes: [...(spec.extraAxes ?? []), { name: 'kh', extent: g.kh }, { name: 'kw', extent: g.kw }] },
    body: spec.term(value, co),
    outIndex: idx,
    epilogue: spec.epilogue?.({ k: 'var', name: '$acc' }, idx),
  };
  const red = (spec.extraAxes ?? []).map((a) => a.name);
  const s: Schedule = [];
  if (extent >= LANES) {
    const tn = extent >= TILE_VECTORS * LANES ? TILE_VECTORS * LANES : LANES;
    s.push({ p: 'split', axis: 'q', factor: tn, outer: 'qo', inner: 'qt', tail: extent % tn ? 'shift' : 'exact' });
    s.push({ p: 'split', axis: 'qt', factor: LANES, outer: 'qu', inner: 'qv' });
    s.push({ p: 'reorder', order: ['qo', ...red, 'kh', 'kw', 'qu', 'qv'] });
    s.push({ p: 'cache_write', at: 'qo' }, { p: 'unroll', axis: 'qu' }, { p: 'vectorize', axis: 'qv' });
  } else {
    s.push({ p: 'cache_write', at: 'q' });
  }
  if (g.kh * g.kw <= 25) s.push({ p: 'unroll', axis: 'kh' }, { p: 'unroll', axis: 'kw' });
  if (!spec.rows) s.push({ p: 'parallel', axis: 'co' });
  const stmt = lowerStage(def, s);
  return spec.rows ? absoluteRows(stmt, spec.rows.base) : stmt;
}

/**
 * A block's row loop counting absolute output rows (from base), so the input reads index by the
 * loop variable alone and only the scratch store subtracts the base: one live value fewer in the
 * tap loads (the fused depthwise stage ran 5-40% slower than the plain one before).
 */
function absoluteRows(s: Stmt, base: Expr): Stmt {
  if (s.k === 'for' && s.v === 'r') return { ...s, min: base, body: substituteStmt(s.body, 'r', sub(v('r'), base)) };
  switch (s.k) {
    case 'for': case 'let': case 'alloc': return { ...s, body: absoluteRows(s.body, base) };
    case 'seq': return { ...s, body: s.body.map((b) => absoluteRows(b, base)) };
    case 'if': return { ...s, then: absoluteRows(s.then, base), else: s.else && absoluteRows(s.else, base) };
    default: return s;
  }
}
