// Run-time packing of an activation B operand into the GEMM's column panels, for a B whose columns
// are not adjacent (attention's K^T: a transposed view, consecutive columns 768 floats apart) or
// whose rows are far apart (attention's V: each k step of a panel on another page).
// Read in place, every 4-column vector load of the GEMM would be a gather; packed as
// [batch][N/TN][K][TN] (panel jo holding columns min(jo*TN, N-TN) .. +TN, the GEMM's tail shift,
// like packB for constants), the loads are contiguous and a panel re-read by every row block stays
// in cache. The copy walks k innermost for a transposed view (its contiguous direction), else it
// copies each panel row as vectors.

import type { Buf, Expr } from '../ir/loop.js';
import { bin, c, load, mul, v } from '../ir/loop.js';
import type { Schedule } from '../schedule/schedule.js';
import { lowerStage } from '../schedule/lower-stage.js';
import type { LoweredKernel, LowerCtx } from './context.js';

/** Rows of B this far apart (floats) put every k step of a panel on another page. */
const FAR_ROWS = 512;

/**
 * Whether B (viewed [batch, K, N]) is worth packing for an M-row GEMM: its columns are not adjacent
 * in memory, or its rows are far apart (attention's V: a head's 64 columns of a 768-wide row) and
 * the panel is re-read by enough row blocks to repay the copy.
 */
export function wantsPacking(b: Buf, N: number, M: number): boolean {
  const [rowStride, colStride] = b.strides.slice(-2);
  return N >= 4 && (colStride !== 1 || (rowStride >= FAR_ROWS && M >= 32));
}

/** The packing stage and the packed buffer [batch, ceil(N/tn), K, tn]. */
export function packPanels(ctx: LowerCtx, name: string, b: Buf, batch: number, K: number, N: number, tn: number): { stage: LoweredKernel; packed: Buf } {
  const cols = Math.ceil(N / tn);
  const packed = ctx.temp(`${name}.bpanels`, 'f32', [batch, cols, K, tn]);
  const col: Expr = bin('add', N % tn === 0 ? mul(v('jo'), c(tn)) : bin('min', mul(v('jo'), c(tn)), c(N - tn)), v('jt'));
  // k innermost for a transposed view (k is its contiguous direction); else copy rows of the panel
  // as vectors
  const rowsContiguous = b.strides[b.strides.length - 1] === 1 && tn % 4 === 0;
  const s: Schedule = rowsContiguous
    ? [{ p: 'reorder', order: ['b', 'jo', 'k', 'jt'] }, { p: 'split', axis: 'jt', factor: 4, outer: 'ju', inner: 'jv' }, { p: 'unroll', axis: 'ju' },
      { p: 'vectorize', axis: 'jv' }, { p: 'fuse', outer: 'b', inner: 'jo', fused: 'bj' }, { p: 'parallel', axis: 'bj' }]
    : [{ p: 'fuse', outer: 'b', inner: 'jo', fused: 'bj' }, { p: 'parallel', axis: 'bj' }];
  const body = lowerStage({
    name: `${name}.pack`, out: packed.name, type: 'f32',
    axes: [{ name: 'b', extent: batch }, { name: 'jo', extent: cols }, { name: 'jt', extent: tn }, { name: 'k', extent: K }],
    body: load(b.name, [v('b'), v('k'), col]),
    outIndex: [v('b'), v('jo'), v('k'), v('jt')],
  }, s);
  return { stage: { name: `${name}.pack`, body, flops: 0 }, packed };
}
