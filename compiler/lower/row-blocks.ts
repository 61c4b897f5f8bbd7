// Row blocks: the index arithmetic of a kernel whose parallel loop hands out blocks of R rows
// (dw-pw.ts, dw-pw-nhwc.ts, gemm-rows.ts; window-nest.ts computes one block's rows):
//   parallel for t < batch * blocks:   n = t / blocks, block = t % blocks
//     rows [base, base + R) of batch item n, base = min(block * R, total - R)
// Blocks are evenly spaced but for a last block shifted inwards when R does not divide `total`: its
// rows overlapping the block before are computed twice, to the same values, so no block is short
// and every block runs the same unrolled code.

import type { Expr } from '../ir/loop.js';
import { bin, c, mul, v } from '../ir/loop.js';

export interface RowBlocks {
  /** Rows per block (R). */
  count: number;
  /** Blocks per batch item. */
  blocks: number;
  /** Each block's first row. */
  bases: number[];
  /** The batch item, the block within it, and the block's first row, as expressions of the loop variable. */
  n: Expr;
  block: Expr;
  base: Expr;
}

/** Blocks of `count` rows over `total` rows of each of `batch` items, for a loop over variable `loopVar` of batch * blocks trips. */
export function rowBlocks(total: number, count: number, batch: number, loopVar: string): RowBlocks {
  const blocks = Math.ceil(total / count);
  const t = v(loopVar);
  const block = batch === 1 ? t : bin('rem', t, c(blocks));
  return {
    count,
    blocks,
    bases: Array.from({ length: blocks }, (_, b) => Math.min(b * count, total - count)),
    n: batch === 1 ? c(0) : bin('div', t, c(blocks)),
    block,
    base: total % count === 0 ? mul(block, c(count)) : bin('min', mul(block, c(count)), c(total - count)),
  };
}
