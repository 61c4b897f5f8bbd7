// The register-blocked GEMM stage every dense contraction lowers to (Conv via im2col or 1x1,
// Gemm, MatMul):  out[b, i, j] = epilogue( sum_k A(b, i, k) * B(b, k, j) ).
// Tile: MR rows (A broadcast, unrolled) x NR vectors of 4 columns (B vector loads), accumulated in
// registers (cache_write) across the whole k loop, stored once through the epilogue.
// Rows and columns past a multiple of the tile are handled by shifting the last tile inwards
// (row block ib covers rows min(ib*MR, M-MR) .., column tile jo columns min(jo*TN, N-TN) ..), so
// operands can be prepacked per tile at compile time.

import type { Buf, Expr } from '../ir/loop.js';
import { bin, c, mul, v } from '../ir/loop.js';
import { ACC, type ComputeDef } from '../schedule/compute.js';
import type { BroadcastStrategy, Schedule } from '../schedule/schedule.js';
import { lowerStage } from '../schedule/lower-stage.js';
import type { LoweredKernel } from './context.js';
import { LANES } from './default-schedules.js';

export interface GemmTile { mr: number; nr: number }   // nr counts 4-lane vectors

export interface GemmSpec {
  name: string;
  out: Buf;                 // a [batch, M, N] view
  batch: number; M: number; N: number; K: number;
  /** A element for row block `ib`, row-in-block `ii`, absolute row `i`. */
  a(b: Expr, ib: Expr, ii: Expr, i: Expr, k: Expr): Expr;
  /** B element for absolute column `j`, column tile `jo`, column-in-tile `jt` (for packed panels). */
  b(b: Expr, k: Expr, j: Expr, jo: Expr, jt: Expr): Expr;
  /** Applied to the sum (variable ACC) with the batch, absolute row and column. */
  epilogue?(acc: Expr, b: Expr, i: Expr, j: Expr): Expr;
  /** Applied to the sum first and kept in its register, so the epilogue may read it often (ComputeDef.finalize). */
  finalize?(acc: Expr, b: Expr, i: Expr, j: Expr): Expr;
  tile?: GemmTile;
  /**
   * 'dot2': A and B elements are i32 words holding two i16 (consecutive k), K counts the pairs, and
   * the sum is the i32 sum of their products (quantized GEMMs, i32x4.dot_i16x8_s). Default 'f32'.
   */
  arith?: 'f32' | 'dot2';
  /** How A's elements are broadcast (schedule primitive 'broadcast'; needs A to be one load). Default load-splat. */
  broadcast?: BroadcastStrategy;
  /**
   * A GEMM over one block of a larger output, run by one thread inside a loop that hands out the
   * blocks (dw-pw.ts, dw-pw-nhwc.ts): no parallel loop (batch 1), and output element (i, j) is
   * stored at batch `batch`, row rowBase + i, column colBase + j. The epilogue still sees the
   * block's own i and j.
   */
  block?: { batch: Expr; rowBase?: Expr; colBase?: Expr };
}

export const DEFAULT_TILE: GemmTile = { mr: 4, nr: 2 };

/**
 * A's broadcast: load-splat (v128.load32_splat per element) measured ~20% faster here than splat
 * (one v128.load of the packed 4 rows + lane shuffles) on ResNet-18's and MobileNetV2's GEMM shapes
 * (`node bench/gemm.mjs --packed --broadcast load-splat,splat`), as XNNPACK found on x86.
 */
export const DEFAULT_BROADCAST: BroadcastStrategy = 'load-splat';

/** The index of element `ii` of block `ib` after the tail shift: min(ib*mr, M-mr) + ii. */
export function blockRow(ib: Expr, ii: Expr, mr: number, M: number): Expr {
  const base = M % mr === 0 ? mul(ib, c(mr)) : bin('min', mul(ib, c(mr)), c(M - mr));
  return bin('add', base, ii);
}

/** The tile a GEMM of these sizes uses: the requested one, clipped to M rows and N columns. */
export function gemmTileFor(spec: { M: number; N: number; tile?: GemmTile }): GemmTile {
  const t = spec.tile ?? DEFAULT_TILE;
  const mr = Math.min(t.mr, spec.M);
  const nr = Math.max(1, Math.min(t.nr, Math.floor(spec.N / LANES)));
  return { mr, nr };
}

/** Where packed operands go: f32, or i32 (dot2's words). */
type PackedArray = Float32Array | Int32Array;
const packedOf = (like: ArrayLike<number | bigint>, n: number): PackedArray => (like instanceof Int32Array ? new Int32Array(n) : new Float32Array(n));

/**
 * A's rows prepacked per row block (with the tail shift): block ib holds rows min(ib*MR, M-MR) .. +MR,
 * laid out [ib][k][ii]. An Int32Array (dot2's words) packs into one.
 */
export function packRowBlocks<T extends PackedArray>(w: T, M: number, K: number, mr: number): T {
  const blocks = Math.ceil(M / mr);
  const packed = packedOf(w, blocks * K * mr) as T;
  for (let ib = 0; ib < blocks; ib++) {
    const r0 = Math.min(ib * mr, M - mr);
    for (let k = 0; k < K; k++) for (let ii = 0; ii < mr; ii++) packed[(ib * K + k) * mr + ii] = w[(r0 + ii) * K + k];
  }
  return packed;
}

/** The GEMM's column tile width for N output columns and `tile` (its B panels are this wide). */
export function columnTile(N: number, tile?: GemmTile): number {
  const { nr } = gemmTileFor({ M: 1, N, tile });
  return N >= LANES ? nr * LANES : N;
}

/**
 * A constant B as column panels [N/TN][K][TN] with alpha folded in: panel jo holds columns
 * min(jo*TN, N-TN) .. +TN (the GEMM's tail shift), so its B loads are contiguous. An Int32Array
 * (dot2's words; alpha must be 1) packs into one.
 */
export function packColumnPanels(b: ArrayLike<number | bigint>, K: number, N: number, tn: number, transB: boolean, alpha: number): PackedArray {
  const cols = Math.ceil(N / tn);
  const p = packedOf(b, cols * K * tn);
  for (let jo = 0; jo < cols; jo++) {
    const j0 = Math.min(jo * tn, N - tn);
    for (let k = 0; k < K; k++) for (let jt = 0; jt < tn; jt++) {
      const j = j0 + jt;
      p[(jo * K + k) * tn + jt] = alpha * Number(transB ? b[j * K + k] : b[k * N + j]);
    }
  }
  return p;
}

const offset = (base: Expr | undefined, e: Expr): Expr => (base ? bin('add', base, e) : e);

/** B (K x N floats) at most this big is re-read from L2 per row block rather than walked column tile by column tile. */
const ROWS_OUTER_B_BYTES = 256 * 1024;
/** Row blocks enough to split among threads by rows. */
const ROWS_OUTER_MIN_BLOCKS = 16;

export function gemmKernel(spec: GemmSpec): LoweredKernel {
  const { mr, nr } = gemmTileFor(spec);
  const vec = spec.N >= LANES;
  const tn = vec ? nr * LANES : spec.N;
  const rowBlocks = Math.ceil(spec.M / mr), colBlocks = Math.ceil(spec.N / tn);
  const i = blockRow(v('ib'), v('ii'), mr, spec.M);
  const j = blockRow(v('jo'), v('jt'), tn, spec.N);
  const aRead = spec.a(v('b'), v('ib'), v('ii'), i, v('k'));
  const def: ComputeDef = {
    name: spec.name,
    out: spec.out.name,
    type: spec.arith === 'dot2' ? 'i32' : 'f32',
    axes: [{ name: 'b', extent: spec.batch }, { name: 'ib', extent: rowBlocks }, { name: 'ii', extent: mr }, { name: 'jo', extent: colBlocks }, { name: 'jt', extent: tn }],
    reduce: { op: 'sum', axes: [{ name: 'k', extent: spec.K }] },
    body: bin(spec.arith === 'dot2' ? 'dot2' : 'mul', aRead, spec.b(v('b'), v('k'), j, v('jo'), v('jt'))),
    outIndex: spec.block ? [spec.block.batch, offset(spec.block.rowBase, i), offset(spec.block.colBase, j)] : [v('b'), i, j],
    epilogue: spec.epilogue?.({ k: 'var', name: ACC }, v('b'), i, j),
    finalize: spec.finalize?.({ k: 'var', name: ACC }, v('b'), i, j),
  };
  const s: Schedule = [];
  const inner = vec ? ['ju', 'jv'] : ['jt'];
  if (vec) s.push({ p: 'split', axis: 'jt', factor: LANES, outer: 'ju', inner: 'jv' });
  // Keep the packed A panel of the current row block and the B panel of the current column tile hot:
  // walk column tiles outermost when B (K x N) is the bigger operand to re-read, unless B stays in
  // L2 anyway and there are rows enough to share: then the threads split the rows, as the kernels
  // before and after them do (sched.ts's lanes), and each reads rows it wrote itself. One-off A/Bs
  // against columns outermost (modules compiled both ways in one process, sessions round-robin,
  // paired median of block p50s), 1 thread / 2 threads: MobileNetV2 1.016x / 1.046x and 1.018x /
  // 1.025x, SqueezeNet 1.040x / 1.029x, ShuffleNetV2 1.002x / 1.003x, bert_mini 1.007x / 1.045x,
  // vit_tiny 1.010x / 1.021x, ResNet-18 (one small kernel changes) 0.984x / 0.993x.
  const threadsSplitRows = !spec.block && spec.batch === 1 && spec.K * spec.N * 4 <= ROWS_OUTER_B_BYTES && rowBlocks >= ROWS_OUTER_MIN_BLOCKS;
  const colsOuter = spec.N * 4 >= spec.M && !threadsSplitRows;
  s.push({ p: 'reorder', order: colsOuter ? ['b', 'jo', 'ib', 'k', 'ii', ...inner] : ['b', 'ib', 'jo', 'k', 'ii', ...inner] });
  const outer = colsOuter ? 'jo' : 'ib', inner2 = colsOuter ? 'ib' : 'jo';
  // When the tile loop with more blocks is the inner one, both become one parallel loop rather than
  // a parallel loop inside a serial one (a thread meeting per outer iteration).
  const fuseTiles = !spec.block && spec.batch === 1 && (colBlocks >= rowBlocks ? 'jo' : 'ib') !== outer;
  if (fuseTiles) s.push({ p: 'fuse', outer, inner: inner2, fused: 'tiles' });
  s.push({ p: 'cache_write', at: fuseTiles ? 'tiles' : inner2 });
  s.push({ p: 'unroll', axis: 'ii' });
  if (aRead.k === 'load') s.push({ p: 'broadcast', buf: aRead.buf, strategy: spec.broadcast ?? DEFAULT_BROADCAST });
  if (vec) s.push({ p: 'unroll', axis: 'ju' }, { p: 'vectorize', axis: 'jv' });
  else s.push({ p: 'unroll', axis: 'jt' });
  // Batched (attention heads, Winograd's 16 products): one parallel loop over batch x the outer
  // tile loop, so the kernel's work is claimed dynamically as a whole, not split per batch.
  if (spec.block) { /* the caller's loop is the parallel one */ }
  else if (spec.batch > 1) s.push({ p: 'fuse', outer: 'b', inner: outer, fused: 'bt' }, { p: 'parallel', axis: 'bt' });
  else s.push({ p: 'parallel', axis: fuseTiles ? 'tiles' : outer });
  return { name: spec.name, body: lowerStage(def, s), flops: (spec.arith === 'dot2' ? 4 : 2) * spec.batch * spec.M * spec.N * spec.K };
}
