// Node and Deno run the same compiled model, on worker pools (threads 2), to bit-identical outputs.
// Deno comes from the `deno` npm package (the test is skipped without it); it runs test/helpers/deno-run.mjs, which imports the
// package's entry from dist/ (build first; npm test does).

import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { writeNpz } from '../../runtime/npz.js';
import { InferenceSession } from '../../runtime/session.js';
import { Tensor } from '../../runtime/tensor.js';
import type { ModuleMeta } from '../../runtime/meta.js';
import { compiled, hasModel } from '../helpers/models.js';
import { DENO, DENO_ENV } from '../helpers/deno.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCRIPT = join(root, 'test', 'helpers', 'deno-run.mjs');

interface Printed {
  engine: string;
  threads: number;
  workerStarts: number;
  outputs: Record<string, { type: string; dims: number[]; base64: string }>;
}

async function runDeno(wasmPath: string, inputsPath: string, threads: number, worker = false): Promise<Printed> {
  const { stdout } = await promisify(execFile)(DENO!, ['run', '--allow-read', SCRIPT, wasmPath, inputsPath, String(threads), ...(worker ? ['worker'] : [])], {
    env: DENO_ENV,
    timeout: 60_000,
  });
  return JSON.parse(stdout) as Printed;
}

const base64 = (t: Tensor) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('base64');

/** Writes the module and one input of values f(i) where Deno reads them; returns their paths and the feeds. */
async function writeCase(wasm: Uint8Array, meta: ModuleMeta, f: (i: number) => number) {
  const dir = mkdtempSync(join(tmpdir(), 'accelc-deno-'));
  const t = meta.inputs[0]!;
  const feeds = { [t.name]: new Tensor('float32', new Float32Array(t.shape.reduce((a, b) => a * b, 1)).map((_, i) => f(i)), t.shape) };
  const wasmPath = join(dir, 'model.wasm'), inputsPath = join(dir, 'inputs.npz');
  writeFileSync(wasmPath, wasm);
  await writeNpz(inputsPath, feeds);
  return { wasmPath, inputsPath, feeds };
}

/** The same run in this process, on a session with `threads`. */
async function runHere(wasm: Uint8Array, feeds: Record<string, Tensor>, threads: number): Promise<Record<string, Tensor>> {
  const session = await InferenceSession.create(wasm, { threads });
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

describe.skipIf(!DENO)('Node and Deno', () => {
  const cases = [
    { name: 'digits_cnn', shapes: { image: [1, 1, 16, 16] } },
    { name: 'squeezenet1_1', shapes: undefined },
  ];
  for (const c of cases) {
    it.skipIf(!hasModel(c.name))(`run ${c.name} to identical outputs on 2 workers`, async () => {
      // Plain SIMD only: Deno has relaxed SIMD and Node 20 does not, and fused multiply-adds round
      // differently, so bit-identical outputs need the same kernels (the relaxed copy is checked below).
      const { wasm, meta } = await compiled(c.name, { relaxedSimd: false, ...(c.shapes ? { shapes: c.shapes } : {}) });
      const { wasmPath, inputsPath, feeds } = await writeCase(wasm, meta, (i) => Math.sin(i * 0.013));
      const ours = await runHere(wasm, feeds, 2);
      const deno = await runDeno(wasmPath, inputsPath, 2);

      expect(deno.engine).toMatch(/^deno /);
      expect(deno.threads).toBe(2);
      expect(Object.keys(deno.outputs)).toEqual(Object.keys(ours));
      for (const [name, tensor] of Object.entries(ours)) {
        expect(deno.outputs[name]!.dims).toEqual(tensor.dims);
        expect(deno.outputs[name]!.base64).toBe(base64(tensor));
      }
    }, 60_000);
  }

  it.skipIf(!hasModel('digits_cnn'))('runs a threads: 1, worker: true session on one Deno worker, to the outputs of the calling thread', async () => {
    const { wasm, meta } = await compiled('digits_cnn', { relaxedSimd: false, shapes: { image: [1, 1, 16, 16] } });
    const { wasmPath, inputsPath, feeds } = await writeCase(wasm, meta, (i) => Math.cos(i * 0.021));
    const ours = await runHere(wasm, feeds, 1);
    const deno = await runDeno(wasmPath, inputsPath, 1, true);
    expect([deno.threads, deno.workerStarts]).toEqual([1, 1]);
    for (const [name, tensor] of Object.entries(ours)) expect(deno.outputs[name]!.base64).toBe(base64(tensor));
  }, 60_000);

  it.skipIf(!hasModel('squeezenet1_1'))('runs the relaxed-SIMD kernels of a default module, agreeing with Node to 1e-5', async () => {
    const { wasm, meta } = await compiled('squeezenet1_1');
    expect(meta.features.relaxedVariant).toBe(true);
    const { wasmPath, inputsPath, feeds } = await writeCase(wasm, meta, (i) => Math.sin(i * 0.013));
    const ours = (await runHere(wasm, feeds, 1)).logits!.data as Float32Array;
    const printed = (await runDeno(wasmPath, inputsPath, 2)).outputs.logits!;
    const theirs = new Float32Array(Buffer.from(printed.base64, 'base64').buffer.slice(0));
    let num = 0, den = 0;
    for (let i = 0; i < ours.length; i++) { num = Math.max(num, Math.abs(ours[i]! - theirs[i]!)); den = Math.max(den, Math.abs(ours[i]!)); }
    expect(num / den).toBeLessThanOrEqual(1e-5);
  }, 60_000);
});
