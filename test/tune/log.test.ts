// The tuning log: JSON lines read back with errors naming the file and line, and the choice a log
// leads to (per workload and SIMD flavour, the fastest tile against the default, below the margin,
// on the upper median of its measurements).

import { describe, expect, it } from 'vitest';
import { bestTiles, CHOOSE_BELOW, parseTuningLog, tileChooser, type TuningRecord } from '../../compiler/tune/log.js';
import { fileURLToPath } from 'node:url';
import { compile } from '../../compiler/compile.js';
import { expectError } from '../frontend/build-model.js';

const rec = (workload: string, tile: [number, number], ratio: number, simd: 'plain' | 'relaxed' = 'plain'): TuningRecord =>
  ({ v: 1, workload, tile, simd, ms: 1, ratio, model: 'm', node: 'n', at: '2026-11-22T00:00:00.000Z' });

describe('tuning log', () => {
  it('reads the lines it writes, skipping blank ones', () => {
    const records = [rec('conv 1x64x3136x576', [6, 2], 0.91), rec('winograd 16x64x784x64', [2, 4], 1.2, 'relaxed')];
    const text = records.map((r) => JSON.stringify(r)).join('\n') + '\n\n';
    expect(parseTuningLog(text, 'tune.jsonl')).toEqual(records);
  });

  it('names the file and line of anything that is not a record', () => {
    const good = JSON.stringify(rec('w', [4, 2], 1));
    expectError(() => parseTuningLog(`${good}\n{"v":1,`, 'a.jsonl'), 'E_FILE', /^E_FILE: a\.jsonl:2: not a JSON line/);
    const bad = (patch: object) => JSON.stringify({ ...rec('w', [4, 2], 1), ...patch });
    expectError(() => parseTuningLog(bad({ v: 2 }), 'b.jsonl'), 'E_FILE', /b\.jsonl:1: not a tuning record: unknown version 2/);
    expectError(() => parseTuningLog(bad({ tile: [9, 1] }), 'b.jsonl'), 'E_FILE', /'tile' must be \[rows 1\.\.8, vectors 1\.\.4\]/);
    expectError(() => parseTuningLog(bad({ tile: [4] }), 'b.jsonl'), 'E_FILE', /'tile'/);
    expectError(() => parseTuningLog(bad({ ratio: -1 }), 'b.jsonl'), 'E_FILE', /'ratio' must be a positive number/);
    expectError(() => parseTuningLog(bad({ ms: 'fast' }), 'b.jsonl'), 'E_FILE', /'ms' must be a positive number/);
    expectError(() => parseTuningLog(bad({ simd: 'avx' }), 'b.jsonl'), 'E_FILE', /'simd' must be "plain" or "relaxed"/);
    expectError(() => parseTuningLog(bad({ workload: 3 }), 'b.jsonl'), 'E_FILE', /'workload' must be a string/);
    expectError(() => parseTuningLog('[1,2]', 'c.jsonl'), 'E_FILE', /c\.jsonl:1: not a tuning record: expected an object/);
  });

  it('chooses per workload the tile with the lowest ratio, only below the margin, only for its SIMD flavour', () => {
    const best = bestTiles([
      rec('a', [6, 2], 0.9), rec('a', [2, 4], 0.8), rec('a', [8, 1], 1.3),
      rec('b', [6, 2], CHOOSE_BELOW), rec('b', [2, 4], 0.99),   // no tile clearly beats the default
      rec('c', [3, 3], 0.5, 'relaxed'),
    ], 'plain');
    expect([...best]).toEqual([['a', { mr: 2, nr: 4 }]]);
    expect(bestTiles([rec('c', [3, 3], 0.5, 'relaxed')], 'relaxed').get('c')).toEqual({ mr: 3, nr: 3 });
  });

  it('needs every measurement of a tile to beat the default when it has two (the upper median)', () => {
    expect(bestTiles([rec('a', [6, 2], 0.9), rec('a', [6, 2], 1.01)], 'plain').size).toBe(0);
    expect(bestTiles([rec('a', [6, 2], 0.9), rec('a', [6, 2], 0.95)], 'plain').get('a')).toEqual({ mr: 6, nr: 2 });
    expect(bestTiles([rec('a', [6, 2], 0.9), rec('a', [6, 2], 1.2), rec('a', [6, 2], 0.92)], 'plain').get('a')).toEqual({ mr: 6, nr: 2 });
  });

  it('answers a compile by workload key, whatever the node', () => {
    const choose = tileChooser([rec('conv 1x64x3136x576', [6, 2], 0.9)], 'plain');
    expect(choose('any', { site: 'conv', batch: 1, M: 64, N: 3136, K: 576 })).toEqual({ mr: 6, nr: 2 });
    expect(choose('any', { site: 'conv-nhwc', batch: 1, M: 64, N: 3136, K: 576 })).toBeUndefined();
    expect(choose('any', { site: 'conv', batch: 1, M: 64, N: 3136, K: 577 })).toBeUndefined();
  });

  it('reaches a compile through CompileOptions.tuning, checked record by record', async () => {
    const model = fileURLToPath(new URL('../models/digits_cnn.onnx', import.meta.url));
    const shapes = { image: [1, 1, 16, 16] };
    const chosen = [rec('conv 1x32x64x144', [8, 1], 0.8), rec('conv 1x32x64x144', [8, 1], 0.9)];
    const [def, tuned, relaxedOnly] = await Promise.all([
      compile(model, { shapes, relaxedSimd: false }),
      compile(model, { shapes, relaxedSimd: false, tuning: chosen }),
      compile(model, { shapes, relaxedSimd: false, tuning: chosen.map((r) => ({ ...r, simd: 'relaxed' as const })) }),
    ]);
    expect(Buffer.from(tuned.wasm).equals(Buffer.from(def.wasm))).toBe(false);
    expect(Buffer.from(relaxedOnly.wasm).equals(Buffer.from(def.wasm))).toBe(true);   // a plain module takes the plain records
    await expect(compile(model, { shapes, tuning: [chosen[0]!, { ...chosen[0]!, tile: [0, 1] } as unknown as TuningRecord] })).rejects
      .toMatchObject({ code: 'E_USAGE', message: expect.stringMatching(/tuning\[1\] is not a tuning record: 'tile'/) });
  });
});
