// The tuning log: JSON lines read back with errors naming the file and line, and records reaching
// a compile through CompileOptions.tuning (checked one by one; a warning when they choose nothing).

import { describe, expect, it } from 'vitest';
import { parseTuningLog, type TuningRecord } from '../../compiler/tune/log.js';
import { fileURLToPath } from 'node:url';
import { compile } from '../../compiler/compile.js';
import { expectError } from '../frontend/build-model.js';

const rec = (workload: string, tile: [number, number], ratio: number, simd: 'plain' | 'relaxed' = 'plain'): TuningRecord =>
  ({ v: 1, workload, tile, simd, ms: 1, ratio, model: 'm', node: 'n', at: '2026-11-22T00:00:00.000Z' });

describe('tuning log', () => {
  it('reads the lines it writes, skipping blank ones', () => {
    const records = [rec('conv-im2col 1x64x3136x576', [6, 2], 0.91), rec('winograd 16x64x784x64', [2, 4], 1.2, 'relaxed')];
    const text = records.map((r) => JSON.stringify(r)).join('\n') + '\n\n';
    expect(parseTuningLog(text, 'tune.jsonl')).toEqual(records);
  });

  it('names the file and line of anything that is not a record', () => {
    const good = JSON.stringify(rec('dw-pw 1x8x64x8', [4, 2], 1));
    expectError(() => parseTuningLog(`${good}\n{"v":1,`, 'a.jsonl'), 'E_FILE', /^E_FILE: a\.jsonl:2: not a JSON line/);
    const bad = (patch: object) => JSON.stringify({ ...rec('dw-pw 1x8x64x8', [4, 2], 1), ...patch });
    expectError(() => parseTuningLog(bad({ v: 2 }), 'b.jsonl'), 'E_FILE', /b\.jsonl:1: not a tuning record: unknown version 2/);
    expectError(() => parseTuningLog(bad({ tile: [9, 1] }), 'b.jsonl'), 'E_FILE', /'tile' must be \[rows 1\.\.8, vectors 1\.\.4\]/);
    expectError(() => parseTuningLog(bad({ tile: [4] }), 'b.jsonl'), 'E_FILE', /'tile'/);
    expectError(() => parseTuningLog(bad({ ratio: -1 }), 'b.jsonl'), 'E_FILE', /'ratio' must be a positive number/);
    expectError(() => parseTuningLog(bad({ ms: 'fast' }), 'b.jsonl'), 'E_FILE', /'ms' must be a positive number/);
    expectError(() => parseTuningLog(bad({ simd: 'avx' }), 'b.jsonl'), 'E_FILE', /'simd' must be "plain" or "relaxed"/);
    expectError(() => parseTuningLog(bad({ workload: 3 }), 'b.jsonl'), 'E_FILE', /'workload' must be a string/);
    // an earlier accelc's site names (plain 'conv') or a key without sizes match nothing: refused, not ignored
    expectError(() => parseTuningLog(bad({ workload: 'conv 1x64x3136x576' }), 'b.jsonl'), 'E_FILE', /'workload' must be a GEMM site \(conv-im2col, .*\) and its sizes BxMxNxK, got "conv 1x64x3136x576"/);
    expectError(() => parseTuningLog(bad({ workload: 'winograd 16x64' }), 'b.jsonl'), 'E_FILE', /'workload' must be a GEMM site/);
    expectError(() => parseTuningLog('[1,2]', 'c.jsonl'), 'E_FILE', /c\.jsonl:1: not a tuning record: expected an object/);
  });

  it('reaches a compile through CompileOptions.tuning, checked record by record', async () => {
    const model = fileURLToPath(new URL('../models/digits_cnn.onnx', import.meta.url));
    const shapes = { image: [1, 1, 16, 16] };
    const chosen = [rec('conv-im2col 1x32x64x144', [8, 1], 0.8), rec('conv-im2col 1x32x64x144', [8, 1], 0.9)];
    const [def, tuned, relaxedOnly] = await Promise.all([
      compile(model, { shapes, relaxedSimd: false }),
      compile(model, { shapes, relaxedSimd: false, tuning: chosen }),
      compile(model, { shapes, relaxedSimd: false, tuning: chosen.map((r) => ({ ...r, simd: 'relaxed' as const })) }),
    ]);
    expect(Buffer.from(tuned.wasm).equals(Buffer.from(def.wasm))).toBe(false);
    expect(tuned.warnings).toEqual(def.warnings);
    expect(Buffer.from(relaxedOnly.wasm).equals(Buffer.from(def.wasm))).toBe(true);   // a plain module takes the plain records
    expect(relaxedOnly.warnings).toContain("the tuning records measure none of this model's 3 GEMMs (they are for other workloads, or for relaxed SIMD): every GEMM keeps the default tile");
    // records that measured the model and kept the default: the same module, no warning
    const kept = await compile(model, { shapes, relaxedSimd: false, tuning: [rec('conv-im2col 1x32x64x144', [8, 1], 1.2)] });
    expect(Buffer.from(kept.wasm).equals(Buffer.from(def.wasm))).toBe(true);
    expect(kept.warnings).toEqual(def.warnings);
    await expect(compile(model, { shapes, tuning: [chosen[0]!, { ...chosen[0]!, tile: [0, 1] } as unknown as TuningRecord] })).rejects
      .toMatchObject({ code: 'E_USAGE', message: expect.stringMatching(/tuning\[1\] is not a tuning record: 'tile'/) });
  });
});
