// Min/max against a constant bound (Clip, Relu, and a Clip fused into a depthwise conv) lower to
// f32x4.pmin/pmax with the variable operand first: values clamp as before and a NaN still
// propagates (pmax(NaN, 0) is NaN; pmax(0, NaN) would be 0).

import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.js';
import { InferenceSession } from '../../runtime/session.js';
import { Tensor } from '../../runtime/tensor.js';
import { encode, FLOAT, floatTensor, node, valueInfo } from '../frontend/build-model.js';

const SHAPE = [1, 4, 6, 9];
const N = SHAPE.reduce((a, b) => a * b, 1);

function input(): Float32Array {
  const x = Float32Array.from({ length: N }, (_, i) => ((i * 37) % 23) - 9.5);
  x[5] = NaN; x[40] = NaN; x[41] = -Infinity; x[42] = Infinity;
  return x;
}

async function run(model: Uint8Array, x: Float32Array): Promise<Record<string, Float32Array>> {
  const { wasm } = await compile(model, { relaxedSimd: false });
  const s = await InferenceSession.create(wasm, { threads: 1 });
  try {
    const out = await s.run({ x: new Tensor('float32', x, SHAPE) });
    return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, t.data as Float32Array]));
  } finally { await s.release(); }
}

const same = (a: Float32Array, b: number[]) => Array.from(a).map((v, i) => (Number.isNaN(b[i]) ? Number.isNaN(v) : v === b[i]));

describe('min/max against a constant', () => {
  const model = encode({
    nodes: [node('Clip', ['x', 'lo', 'hi'], ['clip']), node('Relu', ['x'], ['relu']), node('Min', ['x', 'three'], ['min'])],
    inputs: [valueInfo('x', FLOAT, SHAPE)],
    outputs: [valueInfo('clip', FLOAT, SHAPE), valueInfo('relu', FLOAT, SHAPE), valueInfo('min', FLOAT, SHAPE)],
    initializers: [floatTensor('lo', [], [0]), floatTensor('hi', [], [6]), floatTensor('three', [1], [3])],
  });
  {
    it('Clip, Relu, Min clamp and keep NaN', async () => {
      const x = input();
      const out = await run(model, x);
      const xs = Array.from(x);
      expect(same(out.clip, xs.map((v) => (Number.isNaN(v) ? NaN : Math.min(Math.max(v, 0), 6))))).not.toContain(false);
      expect(same(out.relu, xs.map((v) => (Number.isNaN(v) ? NaN : Math.max(v, 0))))).not.toContain(false);
      expect(same(out.min, xs.map((v) => (Number.isNaN(v) ? NaN : Math.min(v, 3))))).not.toContain(false);
    });
  }

  it('a depthwise conv with a fused Clip propagates NaN to exactly the outputs whose window holds it', async () => {
    const [, C, H, W] = SHAPE;
    const w = Array.from({ length: C * 9 }, (_, i) => ((i * 7) % 5) / 4 - 0.5);
    const b = [0.25, -0.5, 1, 0];
    const model = encode({
      nodes: [node('Conv', ['x', 'w', 'b'], ['c'], 'conv', [{ name: 'group', type: 2, i: C }, { name: 'pads', type: 7, ints: [1, 1, 1, 1] }]), node('Clip', ['c', 'lo', 'hi'], ['y'])],
      inputs: [valueInfo('x', FLOAT, SHAPE)],
      outputs: [valueInfo('y', FLOAT, SHAPE)],
      initializers: [floatTensor('w', [C, 1, 3, 3], w), floatTensor('b', [C], b), floatTensor('lo', [], [0]), floatTensor('hi', [], [6])],
    });
    const x = input();
    x[41] = 1; x[42] = 2;   // keep the infinities out (inf * 0 weights would add more NaNs)
    const { y } = await run(model, x);
    const want: number[] = [];
    for (let ch = 0; ch < C; ch++) for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) {
      let s = b[ch];
      for (let a = 0; a < 3; a++) for (let d = 0; d < 3; d++) {
        const yy = i + a - 1, xx = j + d - 1;
        if (yy >= 0 && yy < H && xx >= 0 && xx < W) s += w[ch * 9 + a * 3 + d] * x[(ch * H + yy) * W + xx];
      }
      want.push(Number.isNaN(s) ? NaN : Math.min(Math.max(s, 0), 6));
    }
    expect(want.filter(Number.isNaN).length).toBeGreaterThan(0);
    Array.from(y).forEach((v, i) => {
      if (Number.isNaN(want[i])) expect(v).toBeNaN();
      else expect(v).toBeCloseTo(want[i], 4);
    });
  });
});
