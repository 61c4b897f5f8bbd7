// What a measured search may choose for each GEMM a lowering emits: its register tile. A GEMM is
// named by its workload (where it comes from and its sizes), so a choice measured on one model
// applies to the same GEMM in another (TVM keys its tuning records the same way).

import type { GemmTile } from './gemm-stage.js';

export { workloadKey, MAX_MR, MAX_NR };
export type { GemmSite, GemmWorkload, GemmTileChooser };

/** The lowerings that emit a register-blocked GEMM whose tile may be chosen. */
type GemmSite = 'conv' | 'conv-nhwc' | 'winograd' | 'dw-pw' | 'dw-pw-nhwc';

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

function workloadKey(w: GemmWorkload): string {
  return `${w.site} ${w.batch}x${w.M}x${w.N}x${w.K}`;
}
