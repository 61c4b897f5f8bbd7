// A model built in a test, compiled and run on seeded random float inputs at a given thread count,
// against onnxruntime-node: the largest relative error over the outputs, and the kernels' ops.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile, type CompileOptions } from '../../compiler/compile.js';
import type { Graph } from '../../compiler/ir/graph.js';
import type { ModuleMeta } from '../../runtime/meta.js';
import { InferenceSession } from '../../runtime/session.js';
import { Tensor } from '../../runtime/tensor.js';
import { runOrtNode } from './ort.js';
import { relError } from './models.js';
import { encode, type ModelParts } from '../frontend/build-model.js';

/** n values in [-1, 1) from a linear congruential generator. */
export const seededValues = (n: number, seed: number) => { let s = seed; return Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1); };

/** Input i gets seededValues(.., 9 + i) times `scale`. */
export async function compareWithOrt(parts: ModelParts, threads: number, scale = 1): Promise<{ err: number; ops: string[][] }> {
  const path = join(mkdtempSync(join(tmpdir(), 'accelc-cmp-')), 'm.onnx');
  writeFileSync(path, encode(parts));
  const feeds: Record<string, Tensor> = {};
  parts.inputs!.forEach((vi, i) => {
    const shape = vi.type!.tensorType!.shape!.dim!.map((d) => Number(d.dimValue));
    feeds[vi.name!] = new Tensor('float32', Float32Array.from(seededValues(shape.reduce((a, b) => a * b, 1), 9 + i).map((v) => v * scale)), shape);
  });
  const { wasm, meta } = await compile(path);
  const s = await InferenceSession.create(wasm, { threads, inlineWork: 0 });
  const ours = await s.run(feeds);
  await s.release();
  const ref = await runOrtNode(path, feeds);
  return { err: Math.max(...Object.keys(ref).map((k) => relError(ours[k], ref[k]))), ops: meta.kernels.map((k) => k.ops) };
}

/**
 * The model compiled with `opts`, run on the given inputs at 1 and 2 threads against
 * onnxruntime-node: the largest relative error over every output and run (output dims must match),
 * the optimized graph and the module's meta.
 */
export async function worstAgainstOrt(parts: ModelParts, inputs: Record<string, Tensor>, opts: CompileOptions = {}): Promise<{ worst: number; graph: Graph; meta: ModuleMeta }> {
  const path = join(mkdtempSync(join(tmpdir(), 'accelc-cmp-')), 'm.onnx');
  writeFileSync(path, encode(parts));
  const ref = await runOrtNode(path, inputs);
  const { wasm, graph, meta } = await compile(path, opts);
  let worst = 0;
  for (const threads of [1, 2]) {
    const s = await InferenceSession.create(wasm, { threads, inlineWork: 0 });
    const ours = await s.run(inputs);
    await s.release();
    for (const o of parts.outputs!) {
      if (JSON.stringify(ours[o.name!].dims) !== JSON.stringify(ref[o.name!].dims)) throw new Error(`dims of ${o.name}: ${ours[o.name!].dims} against ${ref[o.name!].dims}`);
      worst = Math.max(worst, relError(ours[o.name!], ref[o.name!]));
    }
  }
  return { worst, graph, meta };
}
