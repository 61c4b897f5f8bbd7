// What a log chooses (per workload and SIMD flavour, the fastest tile that beat the default in at
// least two measurements, on the upper median) and which single wins the tuner measures again.

import { describe, expect, it } from 'vitest';
import { bestTiles, CHOOSE_BELOW, CONFIRM_TRIES, tileChooser, toConfirm } from '../../compiler/tune/choose.js';
import type { TuningRecord } from '../../compiler/tune/log.js';

const rec = (workload: string, tile: [number, number], ratio: number, simd: 'plain' | 'relaxed' = 'plain'): TuningRecord =>
  ({ v: 1, workload, tile, simd, ms: 1, ratio, model: 'm', node: 'n', at: '2026-11-22T00:00:00.000Z' });
const twice = (workload: string, tile: [number, number], r1: number, r2: number, simd?: 'plain' | 'relaxed') => [rec(workload, tile, r1, simd), rec(workload, tile, r2, simd)];

describe('choosing tiles from a log', () => {
  it('chooses per workload the tile with the lowest median ratio, below the margin, for its SIMD flavour', () => {
    const best = bestTiles([
      ...twice('a', [6, 2], 0.9, 0.9), ...twice('a', [2, 4], 0.8, 0.85), ...twice('a', [8, 1], 1.3, 0.5),
      ...twice('b', [6, 2], CHOOSE_BELOW, 0.9), ...twice('b', [2, 4], 0.99, 0.9),   // no tile clearly beats the default
      ...twice('c', [3, 3], 0.5, 0.5, 'relaxed'),
    ], 'plain');
    expect([...best]).toEqual([['a', { mr: 2, nr: 4 }]]);
    expect(bestTiles(twice('c', [3, 3], 0.5, 0.5, 'relaxed'), 'relaxed').get('c')).toEqual({ mr: 3, nr: 3 });
  });

  it('never chooses on one measurement, and needs both of two to beat the default (the upper median)', () => {
    expect(bestTiles([rec('a', [6, 2], 0.5)], 'plain').size).toBe(0);
    expect(bestTiles([...twice('a', [6, 2], 0.5, 1.01), rec('a', [2, 4], 0.6)], 'plain').size).toBe(0);
    expect(bestTiles(twice('a', [6, 2], 0.9, 0.95), 'plain').get('a')).toEqual({ mr: 6, nr: 2 });
    expect(bestTiles([...twice('a', [6, 2], 0.9, 1.2), rec('a', [6, 2], 0.92)], 'plain').get('a')).toEqual({ mr: 6, nr: 2 });
  });

  it('asks to measure again the best single wins in order, at most CONFIRM_TRIES of them, until one holds', () => {
    const first = [rec('a', [6, 2], 0.9), rec('a', [2, 4], 0.8), rec('a', [8, 1], 1.1), rec('b', [6, 2], 1.05), ...twice('c', [3, 3], 0.9, 0.9), rec('c', [2, 4], 0.5)];
    expect([...toConfirm(first, 'plain')]).toEqual([['a', { mr: 2, nr: 4 }]]);   // b: no win; c: chosen already
    const failed = [...first, rec('a', [2, 4], 1.02)];
    expect([...toConfirm(failed, 'plain')]).toEqual([['a', { mr: 6, nr: 2 }]]);
    expect(toConfirm([...failed, rec('a', [6, 2], 0.95)], 'plain').size).toBe(0);   // 6x2 held: chosen
    expect(bestTiles([...failed, rec('a', [6, 2], 0.95)], 'plain').get('a')).toEqual({ mr: 6, nr: 2 });
    // wins past the CONFIRM_TRIES best are never measured again
    const many = Array.from({ length: CONFIRM_TRIES + 1 }, (_, i) => rec('d', [i + 1, 1], 0.5 + i / 100));
    const tried = many.slice(0, CONFIRM_TRIES).map((r) => rec('d', r.tile, 1.1));
    expect(toConfirm([...many, ...tried], 'plain').size).toBe(0);
    expect(toConfirm([...many, ...tried.slice(1)], 'plain').get('d')).toEqual({ mr: 1, nr: 1 });
  });

  it('answers a compile by workload key, whatever the node', () => {
    const choose = tileChooser(twice('conv-im2col 1x64x3136x576', [6, 2], 0.9, 0.9), 'plain');
    expect(choose('any', { site: 'conv-im2col', batch: 1, M: 64, N: 3136, K: 576 })).toEqual({ mr: 6, nr: 2 });
    expect(choose('any', { site: 'conv-1x1', batch: 1, M: 64, N: 3136, K: 576 })).toBeUndefined();
    expect(choose('any', { site: 'conv-im2col', batch: 1, M: 64, N: 3136, K: 577 })).toBeUndefined();
  });
});
