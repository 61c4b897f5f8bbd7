// Run-time packing of an activation B operand into the GEMM's column panels, for a B whose rows
// are not contiguous (attention's K^T: a transposed view, consecutive columns 768 floats apart).
// Read in place, every 4-column vector load of the GEMM would be a gather; packed as
// [batch][N/TN][K][TN] (panel jo holding columns min(jo*TN, N-TN) .. +TN, the GEMM's tail shift,
// like packB for constants), the loads are contiguous and a panel re-read by every row block stays
// in cache. The copy walks k innermost, which is the contiguous direction of such a view.

import type { Buf, Expr } from '../ir/loop.js';
import { bin, c, load, mul, v } from '../ir/loop.js';
import type { Schedule } from '../schedule/schedule.js';
import { lowerStage } from '../schedule/lower-stage.js';
import type { LoweredKernel, LowerCtx } from './context.js';

/** Whether B (viewed [batch, K, N]) is worth packing: its columns are not adjacent in memory. */
export function wantsPacking(b: Buf, N: number): boolean {
  return N >= 4 && b.strides[b.strides.length - 1] !== 1;
}

/** The packing stage and the packed buffer [batch, ceil(N/tn), K, tn]. */
export function packPanels(ctx: LowerCtx, name: string, b: Buf, batch: number, K: number, N: number, tn: number): { stage: LoweredKernel; packed: Buf } {
  const cols = Math.ceil(N / tn);
  const packed = ctx.temp(`${name}.bpanels`, 'f32', [batch, cols, K, tn]);
  const col: Expr = bin('add', N % tn === 0 ? mul(v('jo'), c(tn)) : bin('min', mul(v('jo'), c(tn)), c(N - tn)), v('jt'));
  const s: Schedule = [{ p: 'fuse', outer: 'b', inner: 'jo', fused: 'bj' }, { p: 'parallel', axis: 'bj' }];
  const body = lowerStage({
    name: `${name}.pack`, out: packed.name, type: 'f32',
    axes: [{ name: 'b', extent: batch }, { name: 'jo', extent: cols }, { name: 'jt', extent: tn }, { name: 'k', extent: K }],
    body: load(b.name, [v('b'), v('k'), col]),
    outIndex: [v('b'), v('jo'), v('k'), v('jt')],
  }, s);
  return { stage: { name: `${name}.pack`, body, flops: 0 }, packed };
}
