// What a log chooses: per GEMM workload and SIMD flavour, the fastest tile measured at least twice
// whose median ratio to the default tile (the upper one of an even count: both of two, three of
// four) is below CHOOSE_BELOW; and which single wins the tuner measures again to get there (toConfirm).

import type { GemmTile } from '../lower/gemm-stage.js';
import { workloadKey, type GemmTileChooser } from '../lower/gemm-workload.js';
import type { Simd, TuningRecord } from './log.js';
import { median } from './measure.js';

export { bestTiles, tileChooser, toConfirm, CHOOSE_BELOW, CONFIRM_TRIES };

/**
 * A tile is chosen over the default only when its median ratio is below this, over at least two
 * measurements: the same kernel timed against itself in interleaved pairs moves by a few percent on a shared
 * machine, and one lucky measurement on a loaded one by far more (session 19's logs: single wins
 * at 0.47x measured 1.2x again).
 */
const CHOOSE_BELOW = 0.97;

/** Per workload, how many of its best single wins (by first ratio) the tuner measures again. */
const CONFIRM_TRIES = 3;

/** workload -> tile ('MRxNR') -> ratios in log order. */
function ratios(records: readonly TuningRecord[], simd: Simd): Map<string, Map<string, number[]>> {
  const by = new Map<string, Map<string, number[]>>();
  for (const r of records) {
    if (r.simd !== simd) continue;
    const byTile = by.get(r.workload) ?? new Map<string, number[]>();
    by.set(r.workload, byTile);
    const tile = r.tile.join('x');
    byTile.set(tile, [...(byTile.get(tile) ?? []), r.ratio]);
  }
  return by;
}

function tileOf(key: string): GemmTile {
  const [mr, nr] = key.split('x').map(Number);
  return { mr: mr!, nr: nr! };
}

/** Per workload, among tiles measured at least twice, the one with the lowest median ratio (the upper of two), if below CHOOSE_BELOW. */
function bestTiles(records: readonly TuningRecord[], simd: Simd): Map<string, GemmTile> {
  const best = new Map<string, GemmTile>();
  for (const [workload, byTile] of ratios(records, simd)) {
    let choice: [string, number] | undefined;
    for (const [tile, rs] of byTile) {
      const m = median(rs);
      if (rs.length >= 2 && m < CHOOSE_BELOW && (!choice || m < choice[1])) choice = [tile, m];
    }
    if (choice) best.set(workload, tileOf(choice[0]));
  }
  return best;
}

/**
 * Per workload with no choice yet, the next tile to measure again: of its CONFIRM_TRIES best single
 * wins (first ratio below CHOOSE_BELOW), the first still measured once. Deterministic in the log,
 * so a second search over the same log measures nothing again.
 */
function toConfirm(records: readonly TuningRecord[], simd: Simd): Map<string, GemmTile> {
  const best = bestTiles(records, simd);
  const next = new Map<string, GemmTile>();
  for (const [workload, byTile] of ratios(records, simd)) {
    if (best.has(workload)) continue;
    const wins = [...byTile].filter(([, rs]) => rs[0]! < CHOOSE_BELOW).sort((a, b) => a[1][0]! - b[1][0]!).slice(0, CONFIRM_TRIES);
    const once = wins.find(([, rs]) => rs.length === 1);
    if (once) next.set(workload, tileOf(once[0]));
  }
  return next;
}

/** The chooser a compile replays a log with: bestTiles by workload, the default for the rest. */
function tileChooser(records: readonly TuningRecord[], simd: Simd): GemmTileChooser {
  const best = bestTiles(records, simd);
  return (_node, w) => best.get(workloadKey(w));
}
