// `accelc tune` and `accelc compile --tuning-log`, in process, on the bundled digit classifier: the
// log written as the records are measured and reused by a second run; a log that chooses a tile
// changes the compiled module but not its outputs; bad logs and flags are clear errors.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../../compiler/cli/main.js';
import { InferenceSession } from '../../runtime/session.js';
import { Tensor } from '../../runtime/tensor.js';
import { parseTuningLog } from '../../compiler/tune/log.js';

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'accelc-tune-'));
const model = fileURLToPath(new URL('../models/digits_cnn.onnx', import.meta.url));
const shape = ['--shape', 'image=1x1x16x16'];

describe('accelc tune', () => {
  it('appends its records to the log, and a second run measures nothing again', async () => {
    const log = join(dir, 'digits.jsonl');
    const r = await cli('tune', model, ...shape, '--log', log, '--tiles', '2x4', '--iters', '2', '--rounds', '1');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const records = parseTuningLog(readFileSync(log, 'utf8'), log);
    expect(records.length).toBeGreaterThanOrEqual(3);
    expect(r.stdout).toContain(`${log}: ${records.length} new records (0 before)\n`);
    expect(r.stdout).toMatch(/tiles chosen: \d of 3 GEMMs leave the default tile/);
    expect(r.stdout).toMatch(/whole model, one thread: tuned [\d.]+ ms, default [\d.]+ ms \(p50\); tuned\/default [\d.]+/);
    const again = await cli('tune', model, ...shape, '--log', log, '--tiles', '2x4', '--rounds', '0');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`${log}: 0 new records (${records.length} before)\n`);
    expect(again.stdout).not.toContain('whole model');
    expect(parseTuningLog(readFileSync(log, 'utf8'), log)).toEqual(records);
  });

  it('compiles with the tiles a log chooses: another module, the same outputs', async () => {
    const log = join(dir, 'chosen.jsonl');
    const rec = { v: 1, workload: 'conv-im2col 1x32x64x144', tile: [8, 1], simd: 'plain', ms: 0.05, ratio: 0.8, model: 'digits_cnn', node: '/3/Conv', at: '2026-11-22T00:00:00.000Z' };
    writeFileSync(log, `${JSON.stringify(rec)}\n${JSON.stringify({ ...rec, ratio: 0.85 })}\n`);
    const [plain, tuned] = [join(dir, 'plain.wasm'), join(dir, 'tuned.wasm')];
    expect((await cli(model, ...shape, '-o', plain)).code).toBe(0);
    expect((await cli(model, ...shape, '--tuning-log', log, '-o', tuned)).code).toBe(0);
    const [a, b] = [readFileSync(plain), readFileSync(tuned)];
    expect(a.equals(b)).toBe(false);
    const image = new Tensor('float32', Float32Array.from({ length: 256 }, (_, i) => ((i * 37) % 17) / 17), [1, 1, 16, 16]);
    const outs = [];
    for (const bytes of [a, b]) {
      const s = await InferenceSession.create(bytes);
      outs.push((await s.run({ image }))[s.outputNames[0]!]!.data);
      await s.release();
    }
    expect(Array.from(outs[1]!)).toEqual(Array.from(outs[0]!));
  });

  it('names the log and line of a bad record, and refuses bad flags', async () => {
    const log = join(dir, 'bad.jsonl');
    writeFileSync(log, '\n{"v":1,"workload":"x"}\n');
    const bad = await cli(model, ...shape, '--tuning-log', log, '-o', join(dir, 'x.wasm'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(new RegExp(`^accelc: E_FILE: ${log.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: not a tuning record: 'model' must be a string\\n$`));
    const missing = await cli(model, '--tuning-log', join(dir, 'none.jsonl'));
    expect(missing.stderr).toMatch(/E_FILE: cannot read the tuning log '.*none\.jsonl': no such file or directory/);
    expect((await cli('tune', model)).stderr).toMatch(/E_USAGE: tune needs --log FILE/);
    expect((await cli('tune', model, '--log', log, '--tiles', '4x2,9x1')).stderr).toMatch(/E_USAGE: --tiles takes tiles of the search space like 4x2,6x2 \(1x1, .*\), got '9x1'/);
    expect((await cli('tune', model, '--log', log, '--tiles', '8x4')).stderr).toMatch(/got '8x4'/);   // within bounds, but spills
    expect((await cli('tune', model, '--log', join(dir, 'new.jsonl'), '--tiles', 'big')).stderr).toMatch(/got 'big'/);
    const unwritable = await cli('tune', model, ...shape, '--log', join(dir, 'no-such-dir', 'log.jsonl'));
    expect(unwritable.code).toBe(1);
    expect(unwritable.stderr).toMatch(/^accelc: E_FILE: cannot write the tuning log '.*log\.jsonl': ENOENT/);
  });
});
