// The measured search on the bundled digit classifier. Timings decide which tiles win, so the
// checks are the rules that hold whatever they are: a record per (workload, candidate) measured,
// each naming a GEMM of the model; then only single wins measured again, in the order choose.ts
// gives; a GEMM's tile is what bestTiles makes of the records; a second search over the same log
// measures nothing; the whole model compiled with the choices is checked and timed.

import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { tune } from '../../compiler/tune/tune.js';
import { DEFAULT_TILE } from '../../compiler/lower/gemm-stage.js';
import { bestTiles, CHOOSE_BELOW, toConfirm } from '../../compiler/tune/choose.js';
import type { TuningRecord } from '../../compiler/tune/log.js';
import { supportsRelaxedSimd } from '../../runtime/loader.js';
import { encode, node, valueInfo, type ModelParts } from '../frontend/build-model.js';

const INT32 = 6;

const model = fileURLToPath(new URL('../models/digits_cnn.onnx', import.meta.url));
const shapes = { image: [1, 1, 16, 16] };
const key = (r: TuningRecord) => `${r.workload} ${r.tile.join('x')}`;

describe('accelc tune', () => {
  it('measures each workload once per tile, measures single wins again, and reuses the records', async () => {
    const seen: TuningRecord[] = [];
    const lines: string[] = [];
    const first = await tune(model, { shapes, tiles: [{ mr: 2, nr: 4 }, DEFAULT_TILE, { mr: 8, nr: 1 }], iters: 3, rounds: 2, onRecord: (r) => seen.push(r), log: (l) => lines.push(l) });
    const workloads = [...new Set(first.gemms.map((g) => g.workload))];
    expect(first.gemms.map((g) => g.node)).toEqual(['/0/Conv', '/3/Conv', '/6/Conv']);
    expect(workloads).toEqual(['conv-im2col 1x16x256x9', 'conv-im2col 1x32x64x144', 'conv-im2col 1x64x16x288']);
    expect(lines[0]).toBe('digits_cnn: 3 GEMMs, 3 workloads');
    expect(seen).toEqual(first.records);
    for (const r of first.records) expect(r).toMatchObject({ v: 1, simd: 'plain', model: 'digits_cnn' });
    // the two candidates (the default needs no record) for each workload, in the order of the tiles
    const candidates = first.records.slice(0, 6);
    expect(candidates.map(key)).toEqual(['2x4', '8x1'].flatMap((t) => workloads.map((w) => `${w} ${t}`)));
    // then, round by round, the tiles choose.ts asks to measure again, and nothing else
    let done = candidates;
    for (const again of first.records.slice(6)) {
      const asked = toConfirm(done, 'plain').get(again.workload);
      expect(asked && `${again.workload} ${asked.mr}x${asked.nr}`).toBe(key(again));
      done = [...done, again];
    }
    expect(toConfirm(first.records, 'plain').size).toBe(0);
    const best = bestTiles(first.records, 'plain');
    for (const g of first.gemms) {
      expect(g.chosen).toBe(best.has(g.workload));
      expect(g.tile).toEqual(best.get(g.workload) ?? DEFAULT_TILE);
      const twice = first.records.filter((r) => r.workload === g.workload && r.tile[0] === g.tile.mr && r.tile[1] === g.tile.nr);
      if (g.chosen) expect(twice.every((r) => r.ratio < CHOOSE_BELOW) && twice.length >= 2).toBe(true);
    }
    expect(first.mismatches).toEqual([]);
    expect(first.whole!.a).toBeGreaterThan(0);
    expect(first.whole!.b).toBeGreaterThan(0);

    const again = await tune(model, { shapes, tiles: [{ mr: 8, nr: 1 }, { mr: 2, nr: 4 }], iters: 3, rounds: 0, known: first.records });
    expect(again.records).toEqual([]);
    expect(again.whole).toBeUndefined();
    expect(again.gemms).toEqual(first.gemms);
  });

  it('measures a single win from the log again, and only that, when given no tiles to try', async () => {
    const win: TuningRecord = { v: 1, workload: 'conv-im2col 1x32x64x144', tile: [8, 1], simd: 'plain', ms: 0.01, ratio: 0.5, model: 'digits_cnn', node: '/3/Conv', at: '2026-11-22T00:00:00.000Z' };
    const r = await tune(model, { shapes, tiles: [], iters: 3, rounds: 0, known: [win] });
    expect(r.records.map(key)).toEqual(['conv-im2col 1x32x64x144 8x1']);
    expect(r.gemms.find((g) => g.node === '/3/Conv')!.chosen).toBe(r.records[0]!.ratio < CHOOSE_BELOW);
  });

  it('turns a kernel that traps on its inputs into E_RUNTIME', async () => {
    // y = a / b over int32: the tuner feeds integer inputs zeros, and a division by zero traps
    const parts: ModelParts = {
      inputs: [valueInfo('a', INT32, [4]), valueInfo('b', INT32, [4])], outputs: [valueInfo('y', INT32, [4])],
      initializers: [], nodes: [node('Div', ['a', 'b'], ['y'], 'div')],
    };
    await expect(tune(encode(parts), { tiles: [], rounds: 0 })).rejects.toMatchObject({ code: 'E_RUNTIME', message: expect.stringMatching(/a kernel trapped on the tuner's inputs/) });
  });

  it('refuses relaxed SIMD where the engine has none', async () => {
    if (supportsRelaxedSimd()) return;   // Node 22+, Deno: nothing to refuse
    await expect(tune(model, { shapes, simd: 'relaxed' })).rejects.toMatchObject({ code: 'E_USAGE', message: expect.stringMatching(/relaxed SIMD/) });
  });
});
