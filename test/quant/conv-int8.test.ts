// INT8 convolutions against onnxruntime-node running the same quantization written as ONNX
// QuantizeLinear/DequantizeLinear: each quantized conv's input through Q/DQ with the parameters
// accelc chose, its weights int8 per output channel (computed here independently) through DQ.
// onnxruntime runs it with its graph optimizations off: on, it fuses DQ-Conv-ReLU-Q into a
// QLinearConv whose requantized output rounds a few values one step the other way (1e-3 relative).
// NCHW (im2col with an odd K, a 1x1 read in place) and channels-last (1x1, im2col), 1 and 2 threads.

import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile, type CompileOptions } from '../../compiler/compile.js';
import type { Graph } from '../../compiler/ir/graph.js';
import { QUANT_INPUT, actQuantFromRange } from '../../compiler/quant/params.js';
import { InferenceSession } from '../../runtime/session.js';
import { Tensor } from '../../runtime/tensor.js';
import { attr, encode, floatTensor, node, valueInfo, FLOAT, type ModelParts } from '../frontend/build-model.js';
import type { onnx } from '../../compiler/frontend/onnx/proto.js';
import { releaseOrtSessions, runOrtNode } from '../helpers/ort.js';
import { relError } from '../helpers/models.js';
import { seededValues } from '../helpers/ort-compare.js';

afterAll(releaseOrtSessions);

const UINT8 = 2, INT8 = 3;

/** Round half to even, written here apart from accelc's. */
function rne(x: number): number {
  const fl = Math.floor(x), d = x - fl;
  return d > 0.5 ? fl + 1 : d < 0.5 ? fl : fl % 2 === 0 ? fl : fl + 1;
}

interface ConvSpec { name: string; input: string; output: string; M: number; C: number; k: number; pads?: number; stride?: number; relu?: boolean; attrs?: onnx.IAttributeProto[] }

/** Weights and bias of a conv, seeded by its name's length and M. */
function convParams(c: ConvSpec): { w: number[]; b: number[] } {
  return { w: seededValues(c.M * c.C * c.k * c.k, 3 + c.M + c.name.length).map((x) => x * 0.5), b: seededValues(c.M, 40 + c.M) };
}

/** Float model: the convs in sequence, each with bias and (optionally) a ReLU after it. */
function floatModel(input: number[], convs: ConvSpec[], out: number[]): ModelParts {
  const nodes: onnx.INodeProto[] = [], inits: onnx.ITensorProto[] = [];
  for (const c of convs) {
    const { w, b } = convParams(c);
    inits.push(floatTensor(`${c.name}.w`, [c.M, c.C, c.k, c.k], w), floatTensor(`${c.name}.b`, [c.M], b));
    const convOut = c.relu ? `${c.name}.pre` : c.output;
    nodes.push(node('Conv', [c.input, `${c.name}.w`, `${c.name}.b`], [convOut], c.name, [attr('kernel_shape', [c.k, c.k]), attr('pads', Array(4).fill(c.pads ?? 0)), attr('strides', [c.stride ?? 1, c.stride ?? 1]), ...(c.attrs ?? [])]));
    if (c.relu) nodes.push(node('Relu', [convOut], [c.output], `${c.name}.relu`));
  }
  return { nodes, initializers: inits, inputs: [valueInfo('x', FLOAT, input)], outputs: [valueInfo(convs[convs.length - 1]!.output, FLOAT, out)] };
}

/** The same model with each conv's input and weights quantized as QDQ, using accelc's activation parameters. */
function qdqModel(input: number[], convs: ConvSpec[], out: number[], params: Map<string, [number, number]>): ModelParts {
  const f = floatModel(input, convs, out);
  const nodes: onnx.INodeProto[] = [], inits = [...f.initializers!];
  for (const n of f.nodes!) {
    const c = convs.find((x) => x.name === n.name);
    const p = c && params.get(c.name);
    if (!c || !p) { nodes.push(n); continue; }
    const { w } = convParams(c);
    const per = c.C * c.k * c.k, scales: number[] = [], q: number[] = [];
    for (let m = 0; m < c.M; m++) {
      const row = w.slice(m * per, (m + 1) * per);
      const s = Math.fround(Math.max(...row.map(Math.abs)) / 127);
      scales.push(s);
      q.push(...row.map((x) => Math.max(-127, Math.min(127, rne(x / s)))));
    }
    inits.push(
      { name: `${c.name}.xs`, dims: [], dataType: FLOAT, floatData: [p[0]] },
      { name: `${c.name}.xz`, dims: [], dataType: UINT8, int32Data: [p[1]] },
      { name: `${c.name}.wq`, dims: [c.M, c.C, c.k, c.k], dataType: INT8, int32Data: q },
      { name: `${c.name}.ws`, dims: [c.M], dataType: FLOAT, floatData: scales },
      { name: `${c.name}.wz`, dims: [c.M], dataType: INT8, int32Data: Array(c.M).fill(0) },
    );
    nodes.push(
      node('QuantizeLinear', [c.input, `${c.name}.xs`, `${c.name}.xz`], [`${c.name}.xq`], `${c.name}.q`),
      node('DequantizeLinear', [`${c.name}.xq`, `${c.name}.xs`, `${c.name}.xz`], [`${c.name}.xd`], `${c.name}.dq`),
      node('DequantizeLinear', [`${c.name}.wq`, `${c.name}.ws`, `${c.name}.wz`], [`${c.name}.wd`], `${c.name}.wdq`, [attr('axis', 0)]),
      { ...n, input: [`${c.name}.xd`, `${c.name}.wd`, `${c.name}.b`] },
    );
  }
  return { ...f, nodes, initializers: inits };
}

function save(parts: ModelParts): string {
  const path = join(mkdtempSync(join(tmpdir(), 'accelc-int8-')), 'm.onnx');
  writeFileSync(path, encode(parts));
  return path;
}

/** The activation parameters accelc put on each conv, by node name. */
function chosen(g: Graph): Map<string, [number, number]> {
  return new Map(g.nodes.filter((n) => n.attrs[QUANT_INPUT]).map((n) => [n.name, n.attrs[QUANT_INPUT] as [number, number]]));
}

async function runOurs(wasm: Uint8Array, feeds: Record<string, Tensor>, threads: number): Promise<Record<string, Tensor>> {
  const s = await InferenceSession.create(wasm, { threads, inlineWork: 0 });
  try { return await s.run(feeds); } finally { await s.release(); }
}

const input = [1, 3, 20, 20];
const x = new Tensor('float32', Float32Array.from(seededValues(1200, 11)), input);
// conv a: 3x3 pad 1 over 3 channels (K = 27, odd) + ReLU; conv b: 1x1 over 400 pixels; conv c: 3x3 stride 2
const convs: ConvSpec[] = [
  { name: 'a', input: 'x', output: 'ya', M: 8, C: 3, k: 3, pads: 1, relu: true },
  { name: 'b', input: 'ya', output: 'yb', M: 12, C: 8, k: 1 },
  { name: 'c', input: 'yb', output: 'y', M: 8, C: 12, k: 3, pads: 1, stride: 2 },
];
const out = [1, 8, 10, 10];

describe('INT8 convolutions against onnxruntime-node running the QDQ model', () => {
  for (const layout of ['nchw', 'nhwc'] as const) {
    it(`${layout}: every conv quantized, outputs as the QDQ model's at 1 and 2 threads`, async () => {
      const opts: CompileOptions = { layout, int8: { calibration: [{ x }] } };
      const r = await compile(encode(floatModel(input, convs, out)), opts);
      expect(r.int8!.quantized.sort()).toEqual(['a', 'b', 'c']);
      const params = chosen(r.graph);
      // conv a's input is the model input: its range is the data's own
      const data = x.data as Float32Array;
      const qa = actQuantFromRange(Math.min(...data), Math.max(...data));
      expect(params.get('a')).toEqual([qa.scale, qa.zeroPoint]);
      expect(params.get('b')![1]).toBe(0);    // after a ReLU: no negative values, zero point 0
      const ref = await runOrtNode(save(qdqModel(input, convs, out, params)), { x }, { optimize: false });
      const float = await runOrtNode(save(floatModel(input, convs, out)), { x });
      for (const threads of [1, 2]) {
        const ours = await runOurs(r.wasm, { x }, threads);
        expect(relError(ours.y!, ref.y!)).toBeLessThan(2e-5);
        // and INT8's own error against float32 is that of 8 bits, not of a wrong kernel
        const e = relError(ours.y!, float.y!);
        expect(e).toBeGreaterThan(1e-4);
        expect(e).toBeLessThan(3e-2);
      }
      if (layout === 'nhwc') expect(r.graph.nodes.filter((n) => n.op === 'NhwcConv').length).toBe(3);
    });
  }

  for (const layout of ['nchw', 'nhwc'] as const) {
    it(`${layout}: batch 2, a 1x1 over 3 channels into 3, a 5x5 to one pixel (K = 75, scalar columns)`, async () => {
      const shape = [2, 3, 5, 5], small: ConvSpec[] = [
        { name: 'p', input: 'x', output: 'yp', M: 3, C: 3, k: 1, relu: true },
        { name: 's', input: 'yp', output: 'y', M: 5, C: 3, k: 5 },
      ];
      const o = [2, 5, 1, 1];
      const xs = new Tensor('float32', Float32Array.from(seededValues(150, 21)), shape);
      const r = await compile(encode(floatModel(shape, small, o)), { layout, int8: { calibration: [{ x: xs }] } });
      expect(r.int8!.quantized.sort()).toEqual(['p', 's']);
      if (layout === 'nhwc') expect(r.graph.nodes.filter((n) => n.op === 'NhwcConv').length).toBe(2);
      const ref = await runOrtNode(save(qdqModel(shape, small, o, chosen(r.graph))), { x: xs }, { optimize: false });
      for (const threads of [1, 2]) expect(relError((await runOurs(r.wasm, { x: xs }, threads)).y!, ref.y!)).toBeLessThan(2e-5);
    });
  }

  it('leaves in float32 a conv whose int32 sums could overflow', async () => {
    const shape = [1, 7400, 3, 3], wide: ConvSpec[] = [{ name: 'k', input: 'x', output: 'y', M: 1, C: 7400, k: 3, pads: 1 }];
    const xs = new Tensor('float32', Float32Array.from(seededValues(7400 * 9, 4)), shape);
    const r = await compile(encode(floatModel(shape, wide, [1, 1, 3, 3])), { int8: { calibration: [{ x: xs }] } });
    expect(r.int8).toEqual({ quantized: [], skipped: [{ node: 'k', reason: 'a reduction over 66600 values (an int32 sum of more than 66311 could overflow)' }] });
  });

  it('a model cannot set the attribute that marks a conv quantized', async () => {
    const marked: ConvSpec[] = [{ ...convs[0]!, output: 'y', attrs: [{ name: 'accelc.quant_input', type: 6, floats: [0, 300] }] }];
    await expect(compile(encode(floatModel(input, marked, [1, 8, 20, 20])))).rejects.toThrow(/E_MODEL.*attribute 'accelc\.quant_input': names beginning 'accelc\.' are reserved/);
  });

  it('leaves a conv Winograd computes in float32, and quantizes it when Winograd is off', async () => {
    const big = [1, 16, 8, 8];
    const xs = new Tensor('float32', Float32Array.from(seededValues(1024, 5)), big);
    const wconv: ConvSpec[] = [{ name: 'w', input: 'x', output: 'y', M: 16, C: 16, k: 3, pads: 1 }];
    const model = encode(floatModel(big, wconv, big));
    const r = await compile(model, { layout: 'nchw', int8: { calibration: [{ x: xs }] } });
    expect(r.int8).toEqual({ quantized: [], skipped: [{ node: 'w', reason: 'by Winograd (as fast in float32)' }] });
    const off = await compile(model, { layout: 'nchw', winograd: false, int8: { calibration: [{ x: xs }] } });
    expect(off.int8!.quantized).toEqual(['w']);
    const ref = await runOrtNode(save(qdqModel(big, wconv, big, chosen(off.graph))), { x: xs }, { optimize: false });
    expect(relError((await runOurs(off.wasm, { x: xs }, 2)).y!, ref.y!)).toBeLessThan(2e-5);
  });

  it('calibrates over every sample, stacked or separate', async () => {
    const model = encode(floatModel(input, convs, out));
    const x2 = new Tensor('float32', Float32Array.from(seededValues(1200, 12).map((v) => v * 3)), input);
    const both = new Tensor('float32', Float32Array.from([...(x.data as Float32Array), ...(x2.data as Float32Array)]), [2, 3, 20, 20]);
    const separate = chosen((await compile(model, { int8: { calibration: [{ x }, { x: x2 }] } })).graph);
    const stacked = chosen((await compile(model, { int8: { calibration: [{ x: both }] } })).graph);
    expect(stacked).toEqual(separate);
    const d = x2.data as Float32Array;
    const q = actQuantFromRange(Math.min(-1, ...d), Math.max(1, ...d));
    expect(separate.get('a')![0]).toBeCloseTo(q.scale, 6);
  });

  it('says which sample and input are wrong, and leaves a conv whose input was NaN in float32', async () => {
    const model = encode(floatModel(input, convs, out));
    await expect(compile(model, { int8: { calibration: [] } })).rejects.toThrow(/E_USAGE.*at least one sample/);
    await expect(compile(model, { int8: { calibration: { x } as never } })).rejects.toThrow(/E_USAGE.*must be an array/);
    await expect(compile(model, { int8: { calibration: [{ x: [1, 2] as never }] } })).rejects.toThrow(/E_INPUT.*calibration sample 0, input 'x' is not a Tensor/);
    const f64 = { type: 'float32', dims: input, data: new Float64Array(1200) } as never;
    await expect(compile(model, { int8: { calibration: [{ x: f64 }] } })).rejects.toThrow(/E_INPUT: model .*calibration sample 0, input 'x': expected float32 data in a Float32Array, got a Float64Array/);
    // checked even when nothing is quantizable
    const dw = encode(floatModel(input, [{ ...convs[0]!, output: 'y', M: 3, attrs: [attr('group', 3)], C: 1 }], [1, 3, 20, 20]));
    await expect(compile(dw, { int8: { calibration: [] } })).rejects.toThrow(/E_USAGE.*at least one sample/);
    await expect(compile(model, { int8: { calibration: [{ y: x, z: x }] } })).rejects.toThrow(/E_INPUT.*calibration sample 0, input 'x' is missing \(the sample has: y, z\)/);
    const odd = new Tensor('float32', new Float32Array(3 * 20 * 19), [1, 3, 20, 19]);
    await expect(compile(model, { int8: { calibration: [{ x }, { x: odd }] } })).rejects.toThrow(/E_INPUT.*calibration sample 1, input 'x': expected shape \[1,3,20,20\].*got \[1,3,20,19\]/);
    const nan = new Tensor('float32', Float32Array.from(x.data as Float32Array, (v, i) => (i === 7 ? NaN : v)), input);
    const r = await compile(model, { int8: { calibration: [{ x: nan }] } });
    expect(r.int8!.skipped.map((s) => s.reason)).toEqual(Array(3).fill('NaN or infinity in its input in calibration'));
    expect(r.int8!.quantized).toEqual([]);
  });
});
