// Every lowering that emits a register-blocked GEMM takes its tile from LowerOptions.gemmTiles
// (what `accelc tune` searches and `--tuning-log` replays): for each site, odd tiles whose rows and
// column vectors divide none of the GEMM's sizes (so the shifted last tiles are exercised) change
// the module and match onnxruntime-node at 1 and 2 threads; a tile past gemmKernel's bounds is refused.

import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.js';
import type { GemmSite, GemmWorkload } from '../../compiler/lower/gemm-workload.js';
import { Tensor } from '../../runtime/tensor.js';
import { seededValues, worstAgainstOrt } from '../helpers/ort-compare.js';
import { attr, encode, floatTensor, node, valueInfo, FLOAT, type ModelParts } from '../frontend/build-model.js';

const rand = seededValues;

/** x [1, c, h, h] -> Conv (k x k, stride s, pad k/2; or depthwise then 1x1 when dw) -> Relu -> y. */
function model(c: number, m: number, h: number, k: number, s: number, dw = false): ModelParts {
  const pad = k >> 1, oh = Math.floor((h + 2 * pad - k) / s) + 1;
  const conv = [attr('pads', [pad, pad, pad, pad]), attr('strides', [s, s]), attr('kernel_shape', [k, k])];
  const nodes = dw
    ? [node('Conv', ['x', 'dw.w', 'dw.b'], ['d'], 'dw', [attr('group', c), ...conv]), node('Conv', ['d', 'w', 'b'], ['z'], 'pw', [attr('kernel_shape', [1, 1])])]
    : [node('Conv', ['x', 'w', 'b'], ['z'], 'conv', conv)];
  return {
    inputs: [valueInfo('x', FLOAT, [1, c, h, h])],
    outputs: [valueInfo('y', FLOAT, [1, m, oh, oh])],
    initializers: [
      floatTensor('w', dw ? [m, c, 1, 1] : [m, c, k, k], rand(m * c * (dw ? 1 : k * k), 3)), floatTensor('b', [m], rand(m, 4)),
      ...(dw ? [floatTensor('dw.w', [c, 1, k, k], rand(c * k * k, 5)), floatTensor('dw.b', [c], rand(c, 6))] : []),
    ],
    nodes: [...nodes, node('Relu', ['z'], ['y'], 'relu')],
  };
}

const cases: { site: GemmSite; parts: ModelParts; opts: { layout: 'nchw' | 'nhwc'; winograd?: boolean } }[] = [
  { site: 'conv-im2col', parts: model(5, 13, 15, 3, 2), opts: { layout: 'nchw', winograd: false } },
  { site: 'conv-1x1', parts: model(7, 11, 19, 1, 1), opts: { layout: 'nchw' } },         // read in place (361 pixels)
  { site: 'conv-1x1-packed', parts: model(7, 11, 9, 1, 1), opts: { layout: 'nchw' } },  // packed first (81 pixels)
  { site: 'winograd', parts: model(6, 13, 14, 3, 1), opts: { layout: 'nchw', winograd: true } },
  { site: 'conv-nhwc-im2col', parts: model(8, 13, 15, 3, 2), opts: { layout: 'nhwc' } },
  { site: 'conv-nhwc-1x1', parts: model(8, 22, 15, 1, 1), opts: { layout: 'nhwc' } },
  { site: 'dw-pw', parts: model(5, 13, 112, 3, 1, true), opts: { layout: 'nchw' } },   // NCHW pairs fuse from 112x112 up
  { site: 'dw-pw-nhwc', parts: model(8, 22, 30, 3, 1, true), opts: { layout: 'nhwc' } },
];

describe('GEMM tiles chosen per workload', () => {
  for (const { site, parts, opts } of cases) {
    const [x] = parts.inputs!;
    const shape = x!.type!.tensorType!.shape!.dim!.map((d) => Number(d.dimValue));
    const input = new Tensor('float32', Float32Array.from(rand(shape.reduce((a, b) => a * b, 1), 9)), shape);
    for (const tile of [{ mr: 3, nr: 3 }, { mr: 8, nr: 1 }, { mr: 5, nr: 2 }, { mr: 1, nr: 4 }]) {
      it(`${site} ${JSON.stringify(opts)} ${parts.nodes!.map((n) => n.name).join('+')} with tile ${tile.mr}x${tile.nr} matches onnxruntime`, async () => {
        const asked: GemmWorkload[] = [];
        const { worst } = await worstAgainstOrt(parts, { x: input }, { ...opts, gemmTiles: (_node, w) => (asked.push(w), tile) });
        expect(asked.map((w) => w.site)).toEqual([site]);
        expect(worst).toBeLessThan(1e-4);
        const [def, chosen] = await Promise.all([compile(encode(parts), opts), compile(encode(parts), { ...opts, gemmTiles: () => tile })]);
        expect(Buffer.from(chosen.wasm).equals(Buffer.from(def.wasm))).toBe(false);   // the site used the tile
      });
    }
  }

  it('leaves the module as it was when the chooser does not answer, and refuses a tile past its bounds', async () => {
    const bytes = encode(model(5, 13, 15, 3, 2));
    const opts = { layout: 'nchw' as const, winograd: false };
    const def = await compile(bytes, opts);
    const same = await compile(bytes, { ...opts, gemmTiles: () => undefined });
    const other = await compile(bytes, { ...opts, gemmTiles: () => ({ mr: 6, nr: 2 }) });
    expect(Buffer.from(same.wasm).equals(Buffer.from(def.wasm))).toBe(true);
    expect(Buffer.from(other.wasm).equals(Buffer.from(def.wasm))).toBe(false);
    await expect(compile(bytes, { ...opts, gemmTiles: () => ({ mr: 9, nr: 1 }) })).rejects
      .toMatchObject({ code: 'E_USAGE', node: 'conv', message: expect.stringMatching(/tile 9x1 is outside 1\.\.8 rows by 1\.\.4 vectors/) });
    await expect(compile(bytes, { ...opts, gemmTiles: () => ({ mr: 2, nr: 0.5 }) })).rejects
      .toMatchObject({ code: 'E_USAGE', message: expect.stringMatching(/tile 2x0\.5/) });
  });
});
