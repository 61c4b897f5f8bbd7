// A GEMM whose output rows are normalized in the same kernel (passes/fuse-row-ops.ts): a
// LayerNormalization or Softmax over the last axis computed at the GEMM's row-block loop (Halide's
// compute_at of the row op there):
//   parallel for (b, block):
//     rows[r, :] = epi( A[b, base + r, :] . B[b] )            r < R, register-blocked GEMM stage
//     out[b, base + r, :] = rowop(rows[r, :])                  the row op's stages, serial
// where base = min(block*R, M-R) (the last block shifted inwards; its overlapping rows are computed
// twice, to the same values). The rows go to a per-thread scratch (R x N floats, in L1) that the row
// op reads back, so the GEMM's raw output never goes to memory and a row is normalized by the thread
// that produced it, with no barrier.
// Walking row blocks outermost makes each block re-read all of B (the GEMM alone may walk column
// tiles outermost and re-read A instead); R rows per block amortize that.
// The GEMM spec's A read must depend on the absolute row only (not on a packed row-block layout).

import type { Node } from '../ir/graph.js';
import type { Expr, Stmt } from '../ir/loop.js';
import { add, c, load, loop, seq, v } from '../ir/loop.js';
import type { LowerCtx, LoweredKernel } from './context.js';
import { gemmKernel, type GemmSpec } from './gemm-stage.js';
import { ROW_TILE } from './row-reduce.js';
import { rowBlocks } from './row-blocks.js';
import { layerNormRows } from './ops/layernorm.js';
import { exactTiles, softmaxRows } from './ops/softmax.js';
import { rowOpChain } from '../passes/fuse-row-ops.js';

/** Most rows per block (R x N floats of scratch; B is re-read once per block). */
export const MAX_BLOCK_ROWS = 16;
/** Fewest row blocks per batch, so that the threads have blocks to share. */
export const MIN_BLOCKS = 8;

const BLOCK_VAR = 'rb';

/**
 * Rows per block for an M-row GEMM: a multiple of 4 (the register tile's rows) from 8 to
 * MAX_BLOCK_ROWS leaving MIN_BLOCKS blocks, the one computing the fewest rows twice (the shifted
 * last block's), the larger on a tie.
 */
export function blockRows(M: number): number {
  if (M <= 8) return M;
  const most = Math.max(8, Math.min(MAX_BLOCK_ROWS, Math.floor(M / MIN_BLOCKS / 4) * 4));
  let best = most;
  for (let r = most; r >= 8; r -= 4) if (Math.ceil(M / r) * r < Math.ceil(M / best) * best) best = r;
  return best;
}

/** The GEMM of `spec` with the row ops `node` carries (passes/fuse-row-ops.ts) applied to its rows. */
export function gemmRowsKernel(node: Node, ctx: LowerCtx, spec: GemmSpec): LoweredKernel {
  const { M, N } = spec;
  const R = blockRows(M);
  const blocks = rowBlocks(M, R, spec.batch, BLOCK_VAR), { n: bi, base } = blocks;
  const rows = ctx.scratch(`${node.name}.rows`, 'f32', [1, R, N]);
  const { epilogue, finalize } = spec;
  const gemm = gemmKernel({
    ...spec, out: rows, batch: 1, M: R, block: { batch: c(0), colBase: c(0) },
    a: (_b, ib, ii, i, k) => spec.a(bi, ib, ii, add(base, i), k),
    b: (_b, k, j, jo, jt) => spec.b(bi, k, j, jo, jt),
    epilogue: epilogue && ((acc, _b, i, j) => epilogue(acc, bi, add(base, i), j)),
    finalize: finalize && ((acc, _b, i, j) => finalize(acc, bi, add(base, i), j)),
  });
  const src = ctx.view(rows, [R, N]);
  const x = (d: Expr) => load(src.name, [v('o'), d]);
  const store = (d: Expr) => [bi, add(base, v('o')), d];
  const scratch = (what: string, shape: number[]) => ctx.scratch(`${node.name}.${what}`, 'f32', shape);
  const part = scratch('part', [R, ROW_TILE]);
  // the chain's row ops in order: all but the last normalize the block's rows in place
  const chain = rowOpChain(node);
  const inPlace = (d: Expr) => [v('o'), d];
  const stages: Stmt[] = chain.flatMap((op, k) => {
    const last = k === chain.length - 1;
    const out = last ? spec.out : src, at = last ? store : inPlace;
    const name = (what: string) => `${what}${k || ''}`;
    return op.op === 'LayerNormalization'
      ? layerNormRows({
        name: op.node, O: R, D: N, eps: op.epsilon ?? 1e-5, x, out, store: at,
        scale: ctx.view(ctx.buf(op.scale!), [N]),
        bias: op.bias ? ctx.view(ctx.buf(op.bias), [N]) : undefined,
        mean: scratch(name('mean'), [R]), inv: scratch(name('inv'), [R]), part, parallel: false,
      })
      // the exps overwrite the block's rows when the row splits into whole vector tiles
      : softmaxRows({
        name: op.node, O: R, N, x, ex: exactTiles(N) ? src : scratch(name('exp'), [R, N]), out, store: at,
        max: scratch(name('max'), [R]), sum: scratch(name('sum'), [R]), part, parallel: false,
      });
  });
  const body = loop(BLOCK_VAR, spec.batch * blocks.blocks, seq(gemm.body, ...stages), 'parallel');
  const rowFlops = chain.reduce((acc, op) => acc + (op.op === 'Softmax' ? 5 : 8), 0) * spec.batch * M * N;
  return { name: node.name, body, flops: gemm.flops / R * M * spec.batch + rowFlops };
}
