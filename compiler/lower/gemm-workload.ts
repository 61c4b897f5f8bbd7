// What a measured search may choose for each GEMM a lowering emits: its register tile. A GEMM is
// named by its workload (where it comes from and its sizes), so a choice measured on one model
// applies to the same GEMM in another (TVM keys its tuning records the same way).

import type { GemmTile } from './gemm-stage.js';

export { workloadKey, validTile, GEMM_SITES, MAX_MR, MAX_NR };
export type { GemmSite, GemmWorkload, GemmTileChooser };

/**
 * The lowerings that emit a register-blocked GEMM whose tile may be chosen, with how B is read
 * where that differs (a 1x1 conv reads its input in place, or packed into panels first; im2col
 * writes panels), so that GEMMs of the same sizes but other access patterns are tuned apart.
 * Gemm and MatMul (ops/gemm.ts, gemm-rows.ts) keep the default tile for now.
 */
const GEMM_SITES = ['conv-im2col', 'conv-1x1', 'conv-1x1-packed', 'conv-nhwc-im2col', 'conv-nhwc-1x1', 'winograd', 'dw-pw', 'dw-pw-nhwc'] as const;
type GemmSite = typeof GEMM_SITES[number];

/** A GEMM as gemmKernel sees it: `batch` products of [M x K] by [K x N]. */
interface GemmWorkload {
  site: GemmSite;
  batch: number;
  M: number;
  N: number;
  K: number;
}

/** Chooses the tile of `node`'s GEMM; undefined keeps the default. */
type GemmTileChooser = (node: string, w: GemmWorkload) => GemmTile | undefined;

/** The largest tile rows and column vectors a chooser may ask for. */
const MAX_MR = 8, MAX_NR = 4;

/** Whether a tile is one gemmKernel can emit: 1..MAX_MR rows by 1..MAX_NR vectors. */
function validTile(mr: unknown, nr: unknown): boolean {
  const ok = (x: unknown, max: number) => Number.isInteger(x) && (x as number) >= 1 && (x as number) <= max;
  return ok(mr, MAX_MR) && ok(nr, MAX_NR);
}

function workloadKey(w: GemmWorkload): string {
  return `${w.site} ${w.batch}x${w.M}x${w.N}x${w.K}`;
}
