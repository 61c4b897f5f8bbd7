// The models the repo carries for its own tests (test/models, copied from the shared model set),
// compiled once per test file.

import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile, type CompileResult } from '../../compiler/compile.js';
import type { Tensor } from '../../runtime/tensor.js';

export const MODELS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'models');
export const modelPath = (name: string) => join(MODELS_DIR, `${name}.onnx`);
export const hasModel = (name: string) => existsSync(modelPath(name));

const cache = new Map<string, Promise<CompileResult>>();
export function compiled(name: string, opts: Parameters<typeof compile>[1] = {}): Promise<CompileResult> {
  const key = `${name}:${JSON.stringify(opts)}`;
  if (!cache.has(key)) cache.set(key, compile(modelPath(name), opts));
  return cache.get(key)!;
}

/** max |a - b| / max |b|: the relative error measure the references are checked with. */
export function relError(a: Tensor, b: Tensor): number {
  let num = 0, den = 0;
  const x = a.data as Float32Array, y = b.data as Float32Array;
  if (x.length !== y.length) return Infinity;
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs(x[i] - y[i]);
    if (!(d <= num)) num = Number.isNaN(d) ? Infinity : d;
    den = Math.max(den, Math.abs(y[i]));
  }
  return num / (den || 1);
}
