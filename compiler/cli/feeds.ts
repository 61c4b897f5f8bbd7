// Model inputs for the CLI: read from a .npz/.npy file and matched to the model's inputs by name
// (a .npy feeds a single-input model), optionally cast to the model's dtype; or random with a seed.

import { fail } from '../errors.js';
import type { TensorMeta } from '../../runtime/meta.js';
import { readNpy } from '../../runtime/npy.js';
import { readNpz } from '../../runtime/npz.js';
import { DTYPES, dtypeInfo, Tensor, type TensorType } from '../../runtime/tensor.js';

export { readArrays, matchFeeds, randomFeeds, castTensor };

/** Reads every array of a .npz, or the one array of a .npy (keyed ''). */
async function readArrays(path: string): Promise<Record<string, Tensor>> {
  if (/\.npz$/i.test(path)) return readNpz(path);
  if (/\.npy$/i.test(path)) return { '': await readNpy(path) };
  fail('E_USAGE', `--inputs takes a .npz or .npy file, got '${path}'`);
}

/** Picks the model's inputs out of `arrays`, checking dtypes (casting when asked). */
function matchFeeds(arrays: Record<string, Tensor>, inputs: readonly TensorMeta[], cast: boolean, file: string): Record<string, Tensor> {
  const keys = Object.keys(arrays);
  if (keys.length === 1 && keys[0] === '') {
    if (inputs.length !== 1) {
      fail('E_INPUT', `${file} holds one array but the model has ${inputs.length} inputs (${inputs.map((t) => t.name).join(', ')}); use a .npz keyed by input name`);
    }
    arrays = { [inputs[0]!.name]: arrays['']! };
  }
  const feeds: Record<string, Tensor> = {};
  for (const t of inputs) {
    const given = arrays[t.name];
    if (!given) fail('E_INPUT', `${file} has no array '${t.name}' for input '${t.name}' (it has: ${keys.join(', ') || 'nothing'})`);
    if (given.type !== t.dtype) {
      if (!cast) fail('E_INPUT', `input '${t.name}': expected dtype ${t.dtype}, got ${given.type} in ${file} (pass --cast to convert)`);
      feeds[t.name] = castTensor(given, dtypeInfo(t.dtype).type);
    } else {
      feeds[t.name] = given;
    }
  }
  return feeds;
}

/** Converts between numeric dtypes (float to int truncates; anything to bool is `!= 0`). */
function castTensor(t: Tensor, type: TensorType): Tensor {
  if (t.type === type) return t;
  if (type === 'float16' || t.type === 'float16') fail('E_UNSUPPORTED', `cannot cast ${t.type} to ${type}`);
  const to = DTYPES[type];
  const out = new to.array(t.size);
  for (let i = 0; i < t.size; i++) {
    const v = Number(t.data[i]!);
    if (to.bigint) (out as BigInt64Array)[i] = BigInt(Number.isFinite(v) ? Math.trunc(v) : 0);
    else if (type === 'bool') (out as Uint8Array)[i] = v !== 0 ? 1 : 0;
    else (out as Float32Array)[i] = v;
  }
  return new Tensor(type, out, t.dims);
}

/**
 * Deterministic random inputs: floats uniform in [-1, 1), integers in [0, 100) (small enough to
 * be valid token ids or indices), bools 0/1. The same seed gives the same tensors everywhere.
 */
function randomFeeds(inputs: readonly TensorMeta[], seed = 42): Record<string, Tensor> {
  const next = mulberry32(seed);
  const feeds: Record<string, Tensor> = {};
  for (const t of inputs) {
    const info = dtypeInfo(t.dtype);
    const n = t.shape.reduce((a, b) => a * b, 1);
    const data = new info.array(n);
    for (let i = 0; i < n; i++) {
      const r = next();
      if (info.bigint) (data as BigInt64Array)[i] = BigInt(Math.floor(r * 100));
      else if (info.type === 'bool') (data as Uint8Array)[i] = r < 0.5 ? 0 : 1;
      else if (info.type === 'float32' || info.type === 'float64') (data as Float32Array)[i] = r * 2 - 1;
      else if (info.type === 'float16') (data as Uint16Array)[i] = 0; // +0.0: no host float16 math
      else (data as Int32Array)[i] = Math.floor(r * 100);
    }
    feeds[t.name] = new Tensor(info.type, data, t.shape);
  }
  return feeds;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
