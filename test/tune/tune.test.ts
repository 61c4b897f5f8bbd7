// The measured search on the bundled digit classifier: a record per (workload, tile) measured, each
// naming a GEMM of the model; a second search over the same log measures nothing again; the whole
// model compiled with the choices is checked against the default and timed.

import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { tune } from '../../compiler/tune/tune.js';
import { DEFAULT_TILE } from '../../compiler/lower/gemm-stage.js';
import { CHOOSE_BELOW } from '../../compiler/tune/log.js';
import { supportsRelaxedSimd } from '../../runtime/loader.js';

const model = fileURLToPath(new URL('../models/digits_cnn.onnx', import.meta.url));
const shapes = { image: [1, 1, 16, 16] };

describe('accelc tune', () => {
  it('measures each workload once per tile, then reuses the records', async () => {
    const seen: string[] = [];
    const lines: string[] = [];
    const first = await tune(model, { shapes, tiles: [{ mr: 2, nr: 4 }, DEFAULT_TILE, { mr: 8, nr: 1 }], iters: 3, rounds: 2, onRecord: (r) => seen.push(r.workload), log: (l) => lines.push(l) });
    const workloads = [...new Set(first.gemms.map((g) => g.workload))];
    expect(first.gemms.map((g) => g.node)).toEqual(['/0/Conv', '/3/Conv', '/6/Conv']);
    expect(workloads).toEqual(['conv 1x16x256x9', 'conv 1x32x64x144', 'conv 1x64x16x288']);
    // two candidates (the default needs no record) for each of 3 workloads, then a second measurement
    // of each tile that beat the default the first time
    const firstPass = first.records.slice(0, 6), confirmations = first.records.slice(6);
    const beat = firstPass.filter((r) => r.ratio < CHOOSE_BELOW);
    const bestOf = (w: string) => beat.filter((r) => r.workload === w).sort((a, b) => a.ratio - b.ratio)[0];
    expect(confirmations.map((r) => `${r.workload} ${r.tile.join('x')}`)).toEqual(
      workloads.filter(bestOf).map((w) => `${w} ${bestOf(w)!.tile.join('x')}`));
    for (const g of first.gemms) {
      const pair = first.records.filter((r) => r.workload === g.workload && r.tile[0] === g.tile.mr && r.tile[1] === g.tile.nr);
      expect(g.chosen).toBe(pair.length === 2 && pair.every((r) => r.ratio < CHOOSE_BELOW));
      if (!g.chosen) expect(g.tile).toEqual(DEFAULT_TILE);
    }
    expect(firstPass.map((r) => `${r.workload} ${r.tile.join('x')}`).sort()).toEqual(
      workloads.flatMap((w) => [`${w} 2x4`, `${w} 8x1`]).sort());
    expect(seen.length).toBe(first.records.length);
    for (const r of first.records) {
      expect(r).toMatchObject({ v: 1, simd: 'plain', model: 'digits_cnn' });
      expect(r.ms).toBeGreaterThan(0);
      expect(r.ratio).toBeGreaterThan(0);
    }
    expect(first.mismatches).toEqual([]);
    expect(first.whole!.a).toBeGreaterThan(0);
    expect(lines[0]).toBe('digits_cnn: 3 GEMMs, 3 workloads');

    const again = await tune(model, { shapes, tiles: [{ mr: 2, nr: 4 }, { mr: 8, nr: 1 }], iters: 3, rounds: 0, known: first.records });
    expect(again.records).toEqual([]);
    expect(again.whole).toBeUndefined();
    expect(again.gemms).toEqual(first.gemms);
  });

  it('refuses relaxed SIMD where the engine has none', async () => {
    if (supportsRelaxedSimd()) return;   // Node 22+, Deno: nothing to refuse
    await expect(tune(model, { shapes, simd: 'relaxed' })).rejects.toMatchObject({ code: 'E_USAGE', message: expect.stringMatching(/relaxed SIMD/) });
  });
});
