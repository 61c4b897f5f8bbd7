// The search space of the GEMM tile: every tile whose registers fit the 16 SIMD registers an x64
// engine gives WebAssembly (mr x nr accumulators, nr B vectors, one broadcast A element), so the
// inner loop does not spill. The default (4x2) is one of them.

import { gemmTileFor, type GemmTile } from '../lower/gemm-stage.js';
import { MAX_MR, MAX_NR, type GemmWorkload } from '../lower/gemm-workload.js';

export { tileSpace, effectiveTile };

const SIMD_REGISTERS = 16;

function tileSpace(): GemmTile[] {
  const tiles: GemmTile[] = [];
  for (let nr = 1; nr <= MAX_NR; nr++) {
    for (let mr = 1; mr <= MAX_MR; mr++) if (mr * nr + nr + 1 <= SIMD_REGISTERS) tiles.push({ mr, nr });
  }
  return tiles;
}

/** The tile a GEMM of workload `w` runs when asked for `t` (clipped to its rows and columns). */
function effectiveTile(w: GemmWorkload, t: GemmTile): GemmTile {
  return gemmTileFor({ M: w.M, N: w.N, tile: t });
}
