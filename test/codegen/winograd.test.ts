// Winograd F(2x2,3x3) convolution (compiler/lower/winograd.ts): compiled models with one Conv (and
// fused epilogues) against a float64 direct convolution, on the Winograd path (forced) and on the
// im2col path, over odd output sizes, channel counts that are not multiples of 4, pads 0 / 1 /
// asymmetric, and batch 2.

import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.js';
import { InferenceSession } from '../../runtime/session.js';
import { Tensor } from '../../runtime/tensor.js';
import { winogradWeights } from '../../compiler/lower/winograd.js';
import { encode, floatTensor, node, valueInfo, FLOAT, type ModelParts } from '../frontend/build-model.js';

const rand = (n: number, seed: number) => { let s = seed; return Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1); };

interface Case { N: number; C: number; H: number; W: number; M: number; pads: number[]; epi: 'none' | 'relu' | 'add_relu' }

function model(k: Case): { parts: ModelParts; w: number[]; b: number[]; OH: number; OW: number } {
  const { N, C, H, W, M, pads } = k;
  const OH = H + pads[0] + pads[2] - 2, OW = W + pads[1] + pads[3] - 2;
  const w = rand(M * C * 9, 11).map((x) => x * 0.3), b = rand(M, 12);
  const conv = node('Conv', ['x', 'w', 'b'], [k.epi === 'none' ? 'y' : 'c'], 'conv', [
    { name: 'kernel_shape', type: 7, ints: [3, 3] }, { name: 'pads', type: 7, ints: pads }]);
  const nodes = [conv];
  const inputs = [valueInfo('x', FLOAT, [N, C, H, W])];
  if (k.epi === 'relu') nodes.push(node('Relu', ['c'], ['y'], 'relu'));
  if (k.epi === 'add_relu') {
    inputs.push(valueInfo('r', FLOAT, [N, M, OH, OW]));
    nodes.push(node('Add', ['c', 'r'], ['s'], 'add'), node('Relu', ['s'], ['y'], 'relu'));
  }
  const parts: ModelParts = {
    inputs, outputs: [valueInfo('y', FLOAT, [N, M, OH, OW])], nodes,
    initializers: [floatTensor('w', [M, C, 3, 3], w), floatTensor('b', [M], b)],
  };
  return { parts, w, b, OH, OW };
}

function reference(k: Case, x: number[], r: number[] | undefined, w: number[], b: number[], OH: number, OW: number): Float64Array {
  const { N, C, H, W, M, pads } = k;
  const y = new Float64Array(N * M * OH * OW);
  for (let n = 0; n < N; n++) for (let m = 0; m < M; m++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    let s = b[m];
    for (let ch = 0; ch < C; ch++) for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
      const ih = oh + i - pads[0], iw = ow + j - pads[1];
      if (ih >= 0 && ih < H && iw >= 0 && iw < W) s += x[((n * C + ch) * H + ih) * W + iw] * w[((m * C + ch) * 3 + i) * 3 + j];
    }
    const o = ((n * M + m) * OH + oh) * OW + ow;
    if (r) s += r[o];
    y[o] = k.epi === 'none' ? s : Math.max(s, 0);
  }
  return y;
}

async function run(k: Case, winograd: boolean): Promise<{ err: number; wino: boolean; ops: string[] }> {
  const { parts, w, b, OH, OW } = model(k);
  const x = rand(k.N * k.C * k.H * k.W, 5);
  const r = k.epi === 'add_relu' ? rand(k.N * k.M * OH * OW, 6) : undefined;
  const { wasm, meta, program } = await compile(encode(parts), { winograd, relaxedSimd: false });
  const s = await InferenceSession.create(wasm);
  const feeds: Record<string, Tensor> = { x: new Tensor('float32', Float32Array.from(x), [k.N, k.C, k.H, k.W]) };
  if (r) feeds.r = new Tensor('float32', Float32Array.from(r), [k.N, k.M, OH, OW]);
  const y = (await s.run(feeds)).y.data as Float32Array;
  await s.release();
  const ref = reference(k, x, r, w, b, OH, OW);
  let num = 0, den = 0;
  for (let i = 0; i < ref.length; i++) { num = Math.max(num, Math.abs(y[i] - ref[i])); den = Math.max(den, Math.abs(ref[i])); }
  expect(y.length).toBe(ref.length);
  return { err: num / den, wino: [...program.bufs.keys()].some((n) => n.includes('wino_u')), ops: meta.kernels.map((kk) => kk.ops.join('_')) };
}

const CASES: Case[] = [
  { N: 2, C: 16, H: 9, W: 11, M: 20, pads: [1, 1, 1, 1], epi: 'relu' },        // odd OH and OW, batch 2
  { N: 1, C: 18, H: 10, W: 10, M: 18, pads: [0, 0, 0, 0], epi: 'none' },       // no padding, C, M % 4 != 0
  { N: 1, C: 17, H: 13, W: 8, M: 21, pads: [1, 1, 1, 1], epi: 'add_relu' },    // odd OH, residual add
  { N: 2, C: 32, H: 16, W: 16, M: 32, pads: [1, 1, 1, 1], epi: 'add_relu' },   // even, batch 2, residual
  { N: 1, C: 3, H: 7, W: 6, M: 5, pads: [0, 1, 1, 0], epi: 'none' },           // tiny, asymmetric pads
  { N: 1, C: 8, H: 3, W: 3, M: 6, pads: [0, 0, 0, 0], epi: 'relu' },           // a single output pixel
];

describe('winograd F(2x2,3x3) convolution', () => {
  it('U = G g G^T: a kernel with a single 1 at the centre transforms to the outer product of G\'s middle column', () => {
    const w = new Float32Array(9); w[4] = 1;
    const u = winogradWeights(w, 1, 1);
    const g1 = [0, 0.5, -0.5, 0];
    expect(Array.from(u)).toEqual(g1.flatMap((a) => g1.map((b2) => a * b2)).map((x) => x + 0));
  });

  for (const k of CASES) {
    const label = `N${k.N} C${k.C} ${k.H}x${k.W} M${k.M} pads ${k.pads.join(',')} ${k.epi}`;
    it(`${label}: Winograd and im2col both match a direct convolution`, async () => {
      const wino = await run(k, true), direct = await run(k, false);
      expect(wino.wino).toBe(true);
      expect(direct.wino).toBe(false);
      expect(wino.ops).toEqual(direct.ops);
      if (k.epi === 'add_relu') expect(wino.ops).toContain('Conv_Add_Relu');
      expect(wino.err).toBeLessThan(1e-5);
      expect(direct.err).toBeLessThan(1e-5);
    });
  }
});
