// One test per misuse of the accelc command: each must exit 1 with exactly one line on stderr,
// `accelc: <CODE>: ...`, and no stack trace. Plus `run --out`, checked against a direct session run.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../compiler/cli/main.js';
import { readNpy } from '../../runtime/npy.js';
import { encodeNpz, readNpz } from '../../runtime/npz.js';
import { InferenceSession } from '../../runtime/session.js';
import { Tensor } from '../../runtime/tensor.js';
import { encode, FLOAT, node, valueInfo } from '../frontend/build-model.js';
import { modelPath } from '../helpers/models.js';

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

/** Exit 1, exactly one stderr line `accelc: <code>: ...` matching `pattern`, no stack. */
async function expectUserError(argv: string[], code: string, pattern: RegExp): Promise<string> {
  const r = await cli(...argv);
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toMatch(/^accelc: [^\n]*\n$/);
  expect(r.stderr).not.toContain('    at ');
  expect(r.stderr.startsWith(`accelc: ${code}: `), r.stderr).toBe(true);
  expect(r.stderr).toMatch(pattern);
  return r.stderr;
}

const dir = mkdtempSync(join(tmpdir(), 'accelc-errors-'));
const at = (name: string) => join(dir, name);
const digits = at('digits_cnn.wasm');
const digit7 = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples', 'digit-7.npy');
const image = (dims = [1, 1, 16, 16]) => new Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(0.5), dims);

beforeAll(async () => {
  const r = await cli(modelPath('digits_cnn'), '-o', digits);
  expect(r.code, r.stderr).toBe(0);
}, 60_000);

describe('accelc model.onnx: bad models', () => {
  it('two unsupported ops: one line naming both', async () => {
    const model = at('unsupported.onnx');
    writeFileSync(model, encode({
      nodes: [node('Relu', ['x'], ['a'], 'relu'), node('FancyOp', ['a'], ['b'], 'fancy'), node('Mystery', ['b'], ['y'], 'mystery')],
      inputs: [valueInfo('x', FLOAT, [1, 4])],
      outputs: [valueInfo('y', FLOAT, [1, 4])],
    }));
    const line = await expectUserError([model, '-o', at('unsupported.wasm')], 'E_UNSUPPORTED', /2 unsupported operators: FancyOp .*at node fancy; Mystery .*at node mystery\n$/);
    expect(line).not.toContain('Relu');
  });

  it('a truncated model is E_DECODE', async () => {
    const bytes = readFileSync(modelPath('squeezenet1_1'));
    const model = at('truncated.onnx');
    writeFileSync(model, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expectUserError([model, '-o', at('truncated.wasm')], 'E_DECODE', /model truncated: truncated or corrupt file/);
  });

  it('garbage bytes named .onnx are E_DECODE', async () => {
    const model = at('garbage.onnx');
    let s = 12345;
    writeFileSync(model, Uint8Array.from({ length: 4096 }, () => (s = (s * 1103515245 + 12345) >>> 0) >>> 24));
    await expectUserError([model, '-o', at('garbage.wasm')], 'E_DECODE', /model garbage: not an ONNX protobuf/);
    const text = at('text.onnx');
    writeFileSync(text, 'this is not an ONNX model\n');
    await expectUserError([text, '-o', at('text.wasm')], 'E_DECODE', /model text: not an ONNX protobuf/);
  });

  it('an unknown pass name is a usage error (exit 2), not silently ignored', async () => {
    for (const flag of ['--disable-pass', '--dump-after']) {
      const r = await cli(modelPath('digits_cnn'), '-o', at('x.wasm'), flag, 'no-such-pass');
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^accelc: E_USAGE: unknown (pass|step) 'no-such-pass'/);
    }
  });

  it('a missing file is E_FILE', async () => {
    await expectUserError([at('nowhere.onnx')], 'E_FILE', /cannot read '.*nowhere\.onnx': no such file or directory\n$/);
    await expectUserError(['run', at('nowhere.wasm')], 'E_FILE', /no such file or directory\n$/);
  });
});

describe('accelc run: bad inputs', () => {
  it('a wrong input name', async () => {
    const npz = at('wrong-name.npz');
    writeFileSync(npz, encodeNpz({ picture: image() }));
    await expectUserError(['run', digits, '--inputs', npz], 'E_INPUT', /no array 'image' for input 'image' \(it has: picture\)/);
  });

  it('a wrong shape', async () => {
    const npz = at('wrong-shape.npz');
    writeFileSync(npz, encodeNpz({ image: image([1, 1, 8, 8]) }));
    await expectUserError(['run', digits, '--inputs', npz], 'E_INPUT', /input 'image': expected dims \[1,1,16,16\], got \[1,1,8,8\]/);
  });

  it('a wrong dtype (int64 data)', async () => {
    const npz = at('wrong-dtype.npz');
    writeFileSync(npz, encodeNpz({ image: new Tensor('int64', new BigInt64Array(256), [1, 1, 16, 16]) }));
    await expectUserError(['run', digits, '--inputs', npz], 'E_INPUT', /input 'image': expected dtype float32, got int64/);
  });

  it('a missing input (the file holds only a reference output)', async () => {
    const npz = at('missing-input.npz');
    writeFileSync(npz, encodeNpz({ logits: new Tensor('float32', new Float32Array(10), [1, 10]) }));
    await expectUserError(['run', digits, '--inputs', npz], 'E_INPUT', /no array 'image' for input 'image' \(it has: logits\)/);
    const empty = at('empty.npz');
    writeFileSync(empty, encodeNpz({}));
    await expectUserError(['run', digits, '--inputs', empty], 'E_INPUT', /it has: nothing/);
  });
});

describe('accelc run --out', () => {
  it('writes the outputs a direct session run gives, and ranks the top classes', async () => {
    const out = at('out.npz');
    const r = await cli('run', digits, '--inputs', digit7, '--out', out, '--top', '3');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/top-3 of logits, softmaxed:\n\s+1\.\s+7\s+0\.\d{4}\n/);

    const session = await InferenceSession.create(digits);
    const direct = await session.run({ image: await readNpy(digit7) });
    await session.release();
    const saved = await readNpz(out);
    expect(Object.keys(saved)).toEqual(['logits']);
    expect(saved.logits!.dims).toEqual([1, 10]);
    expect(Array.from(saved.logits!.data as Float32Array)).toEqual(Array.from(direct.logits!.data as Float32Array));
  });
});
