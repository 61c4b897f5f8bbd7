// Direct (depthwise / grouped) convolution and pooling through window-nest.ts: compiled single-op
// models against a float64 reference, over the region shapes that matter: rows wide enough for the
// widened one-vector column strips and rows too narrow for them (scalar strips), odd sizes, stride 2, pads 0 / 1 /
// 2 / asymmetric (column checks as selects on unclamped loads), grouped non-depthwise, batch 2,
// a fused Clip, and max pooling (pad value -inf), at 1 and 2 threads.

import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.js';
import { InferenceSession } from '../../runtime/session.js';
import { Tensor } from '../../runtime/tensor.js';
import { encode, floatTensor, node, valueInfo, FLOAT } from '../frontend/build-model.js';

const rand = (n: number, seed: number) => { let s = seed; return Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1); };

interface Case { N: number; C: number; H: number; W: number; group: number; M: number; k: number; s: number; pads: number[]; clip?: boolean; pool?: boolean }

const outSize = (c: Case) => [Math.floor((c.H + c.pads[0] + c.pads[2] - c.k) / c.s) + 1, Math.floor((c.W + c.pads[1] + c.pads[3] - c.k) / c.s) + 1];

function reference(c: Case, x: number[], w: number[], b: number[]): Float64Array {
  const [OH, OW] = outSize(c), Cg = c.C / c.group, Mg = c.M / c.group;
  const y = new Float64Array(c.N * c.M * OH * OW);
  for (let n = 0; n < c.N; n++) for (let m = 0; m < c.M; m++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    let s = c.pool ? -Infinity : b[m];
    for (let ci = 0; ci < (c.pool ? 1 : Cg); ci++) for (let i = 0; i < c.k; i++) for (let j = 0; j < c.k; j++) {
      const ih = oh * c.s + i - c.pads[0], iw = ow * c.s + j - c.pads[1];
      if (ih < 0 || ih >= c.H || iw < 0 || iw >= c.W) continue;
      const ch = c.pool ? m : Math.floor(m / Mg) * Cg + ci, v = x[((n * c.C + ch) * c.H + ih) * c.W + iw];
      s = c.pool ? Math.max(s, v) : s + v * w[((m * Cg + ci) * c.k + i) * c.k + j];
    }
    y[((n * c.M + m) * OH + oh) * OW + ow] = c.clip ? Math.min(Math.max(s, 0), 6) : s;
  }
  return y;
}

async function maxError(c: Case, threads: number): Promise<number> {
  const [OH, OW] = outSize(c), Cg = c.C / c.group;
  const w = rand(c.M * Cg * c.k * c.k, 11), b = rand(c.M, 12), x = rand(c.N * c.C * c.H * c.W, 5).map((v) => v * 4);
  const attrs = [{ name: 'kernel_shape', type: 7, ints: [c.k, c.k] }, { name: 'strides', type: 7, ints: [c.s, c.s] }, { name: 'pads', type: 7, ints: c.pads }];
  const nodes = c.pool ? [node('MaxPool', ['x'], ['y'], 'pool', attrs)]
    : [node('Conv', ['x', 'w', 'b'], [c.clip ? 'c' : 'y'], 'conv', [...attrs, { name: 'group', type: 2, i: c.group }])];
  if (c.clip) nodes.push(node('Clip', ['c', 'lo', 'hi'], ['y'], 'clip'));
  const model = encode({
    nodes, inputs: [valueInfo('x', FLOAT, [c.N, c.C, c.H, c.W])], outputs: [valueInfo('y', FLOAT, [c.N, c.M, OH, OW])],
    initializers: c.pool ? [] : [floatTensor('w', [c.M, Cg, c.k, c.k], w), floatTensor('b', [c.M], b), floatTensor('lo', [], [0]), floatTensor('hi', [], [6])],
  });
  const { wasm } = await compile(model, { relaxedSimd: false, winograd: false });
  const s = await InferenceSession.create(wasm, { threads });
  try {
    const { y } = await s.run({ x: new Tensor('float32', Float32Array.from(x), [c.N, c.C, c.H, c.W]) });
    expect(y.dims).toEqual([c.N, c.M, OH, OW]);
    const want = reference(c, x, w, b), got = y.data as Float32Array;
    return want.reduce((e, v, i) => Math.max(e, Math.abs(v - got[i])), 0);
  } finally { await s.release(); }
}

const dw = (H: number, W: number, s: number, pads: number[], extra: Partial<Case> = {}): Case => ({ N: 1, C: 5, H, W, group: 5, M: 5, k: 3, s, pads, ...extra });

describe('window convolutions against a float64 reference', () => {
  const cases: Array<[string, Case]> = [
    ['depthwise 3x3 s1 p1, 56 wide (widened strips)', dw(9, 56, 1, [1, 1, 1, 1], { clip: true })],
    ['depthwise 3x3 s1 p1, odd 37x23', dw(37, 23, 1, [1, 1, 1, 1])],
    ['depthwise 3x3 s2 p1, 57x57 (odd, stride 2)', dw(57, 57, 2, [1, 1, 1, 1], { clip: true })],
    ['depthwise 3x3 s2 p1, 56x56', dw(12, 56, 2, [1, 1, 1, 1])],
    ['depthwise 3x3 s2, 28 wide', dw(28, 28, 2, [1, 1, 1, 1])],
    ['depthwise 3x3 s2, 14 wide (7 outputs: scalar strips)', dw(14, 14, 2, [1, 1, 1, 1], { clip: true })],
    ['depthwise 3x3 asymmetric pads 0,2,1,0', dw(20, 41, 1, [0, 2, 1, 0])],
    ['depthwise 5x5 s1 p2', { ...dw(19, 35, 1, [2, 2, 2, 2]), k: 5 }],
    ['depthwise 3x3 no pads, N=2', dw(18, 33, 1, [0, 0, 0, 0], { N: 2 })],
    ['depthwise, 6 wide (narrower than a tile)', dw(7, 6, 1, [1, 1, 1, 1])],
    ['grouped (2 channels per group) s2 p1', { N: 2, C: 6, H: 17, W: 40, group: 3, M: 6, k: 3, s: 2, pads: [1, 1, 1, 1] }],
    ['max pool 3x3 s2 p1 (pad -inf)', { N: 1, C: 3, H: 33, W: 50, group: 1, M: 3, k: 3, s: 2, pads: [1, 1, 1, 1], pool: true }],
  ];
  for (const [name, c] of cases) {
    it(name, async () => {
      expect(await maxError(c, 1)).toBeLessThan(1e-4);
      expect(await maxError(c, 2)).toBeLessThan(1e-4);
    });
  }
});
