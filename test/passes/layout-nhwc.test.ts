// layout-nhwc: convolution regions with depthwise convs run channels-last. The IR after the pass
// (which regions convert, where Transposes go), and outputs against onnxruntime-node on 1 and 2
// threads for the channels-last kernels: 1x1 GEMM, im2col from NCHW and NHWC inputs, depthwise
// windows (strides, pads, dilations, channel counts not a multiple of 4, batch 2), pools, global
// pools, epilogues with residual adds.

import { describe, expect, it } from 'vitest';
import type { onnx } from '../../compiler/frontend/onnx/proto.js';
import { loadOnnx } from '../../compiler/frontend/onnx/index.js';
import type { Graph } from '../../compiler/ir/graph.js';
import { layoutNhwc } from '../../compiler/passes/layout-nhwc.js';
import { Tensor } from '../../runtime/tensor.js';
import { worstAgainstOrt } from '../helpers/ort-compare.js';
import { attr, encode, floatTensor, node, valueInfo, FLOAT, type ModelParts } from '../frontend/build-model.js';

const rand = (n: number, seed: number) => { let s = seed; return Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1); };
const graphOf = (p: ModelParts): Graph => loadOnnx(encode(p), { modelName: 'layout' }).graph;

interface ConvSpec { name: string; x: string; y: string; cin: number; cout: number; k: number; stride?: number; pad?: number; group?: number; dilation?: number; seed: number }
function conv(s: ConvSpec) {
  const group = s.group ?? 1;
  return {
    n: node('Conv', [s.x, `${s.name}.w`, `${s.name}.b`], [s.y], s.name, [attr('kernel_shape', [s.k, s.k]), attr('strides', [s.stride ?? 1, s.stride ?? 1]),
      attr('pads', Array(4).fill(s.pad ?? 0)), attr('group', group), attr('dilations', [s.dilation ?? 1, s.dilation ?? 1])]),
    w: [floatTensor(`${s.name}.w`, [s.cout, s.cin / group, s.k, s.k], rand(s.cout * (s.cin / group) * s.k * s.k, s.seed).map((v) => v * 0.5)),
      floatTensor(`${s.name}.b`, [s.cout], rand(s.cout, s.seed + 1))],
  };
}
const clip6 = (x: string, y: string, name: string) => node('Clip', [x, 'zero', 'six'], [y], name);
const bounds = [floatTensor('zero', [], [0]), floatTensor('six', [], [6])];

/** MobileNetV2-like: stem 3x3/2 (C -> 16), inverted residual (16 -> 48 -> dw 3x3 -> 16, + residual), GAP. */
function mobileBlock(C: number, H: number): ModelParts {
  const stem = conv({ name: 'stem', x: 'x', y: 's', cin: C, cout: 16, k: 3, stride: 2, pad: 1, seed: 1 });
  const expand = conv({ name: 'expand', x: 's6', y: 'e', cin: 16, cout: 48, k: 1, seed: 3 });
  const dw = conv({ name: 'dw', x: 'e6', y: 'd', cin: 48, cout: 48, k: 3, pad: 1, group: 48, seed: 5 });
  const project = conv({ name: 'project', x: 'd6', y: 'p', cin: 48, cout: 16, k: 1, seed: 7 });
  const oh = Math.floor((H - 1) / 2) + 1;
  return {
    inputs: [valueInfo('x', FLOAT, [1, C, H, H])], outputs: [valueInfo('y', FLOAT, [1, 16, 1, 1]), valueInfo('mid', FLOAT, [1, 16, oh, oh])],
    initializers: [...bounds, ...stem.w, ...expand.w, ...dw.w, ...project.w],
    nodes: [stem.n, clip6('s', 's6', 'c0'), expand.n, clip6('e', 'e6', 'c1'), dw.n, clip6('d', 'd6', 'c2'), project.n,
      node('Add', ['p', 's6'], ['mid'], 'residual'), node('GlobalAveragePool', ['mid'], ['y'], 'gap')],
  };
}

/** Compiles with `layout`, checks every output against onnxruntime-node on 1 and 2 threads; returns how many channels-last nodes the graph has. */
async function matchesOrt(parts: ModelParts, inputs: Record<string, Tensor>, layout: 'auto' | 'nhwc'): Promise<number> {
  const { worst, graph } = await worstAgainstOrt(parts, inputs, { layout });
  expect(worst).toBeLessThanOrEqual(1e-5);
  return graph.nodes.filter((n) => n.op.startsWith('Nhwc')).length;
}

const input = (shape: number[], seed = 11) => new Tensor('float32', Float32Array.from(rand(shape.reduce((a, b) => a * b, 1), seed)), shape);

describe('layout-nhwc', () => {
  it('converts a region with a depthwise conv: the stem reads NCHW, the global pool ends it, one Transpose for the output read outside', () => {
    const g = layoutNhwc(graphOf(mobileBlock(3, 17)), { minConvsPerTranspose: 4 });
    const ops = g.nodes.map((n) => n.op);
    expect(ops).toEqual(['NhwcConv', 'Clip', 'NhwcConv', 'Clip', 'NhwcConv', 'Clip', 'NhwcConv', 'Add', 'Transpose', 'NhwcGlobalPool']);
    expect(g.nodes[0].attrs['accelc.input_nchw']).toBe(1);
    expect(g.values.get('e.nhwc')!.shape).toEqual([1, 9, 9, 48]);
    expect(g.values.get('y')!.shape).toEqual([1, 16, 1, 1]);
    // the Add reads the NHWC residual, and the NCHW 'mid' (a graph output) comes from the Transpose
    const add = g.nodes.find((n) => n.name === 'residual')!;
    expect(add.inputs).toEqual(['p.nhwc', 's6.nhwc']);
    expect(g.nodes.find((n) => n.op === 'Transpose')!.outputs).toEqual(['mid']);
  });

  it('leaves a region alone when its layout changes are many for its convolutions, it has no depthwise conv, or a conv that runs Winograd', () => {
    const dwOnly = conv({ name: 'dw', x: 'x', y: 'y', cin: 8, cout: 8, k: 3, pad: 1, group: 8, seed: 1 });
    const lone = graphOf({ inputs: [valueInfo('x', FLOAT, [1, 8, 6, 6])], outputs: [valueInfo('y', FLOAT, [1, 8, 6, 6])], initializers: dwOnly.w, nodes: [dwOnly.n] });
    expect(layoutNhwc(lone)).toBe(lone);
    const dense = conv({ name: 'c', x: 'x', y: 'y', cin: 8, cout: 8, k: 3, pad: 1, seed: 1 });
    const plain = graphOf({ inputs: [valueInfo('x', FLOAT, [1, 8, 6, 6])], outputs: [valueInfo('y', FLOAT, [1, 8, 6, 6])], initializers: dense.w, nodes: [dense.n] });
    expect(layoutNhwc(plain)).toBe(plain);
    // a region with a conv Winograd runs faster over NCHW planes (3x3 stride 1, 16 -> 16 channels, 8x8) stays NCHW
    const dwConv = conv({ name: 'dw', x: 'x', y: 'd', cin: 16, cout: 16, k: 3, pad: 1, group: 16, seed: 1 });
    const pw = conv({ name: 'pw', x: 'd', y: 'p', cin: 16, cout: 16, k: 1, seed: 3 });
    const wino = conv({ name: 'w3', x: 'p', y: 'q', cin: 16, cout: 16, k: 3, pad: 1, seed: 5 });
    const pool = node('GlobalAveragePool', ['q'], ['y'], 'gap');
    const withWinograd = graphOf({ inputs: [valueInfo('x', FLOAT, [1, 16, 8, 8])], outputs: [valueInfo('y', FLOAT, [1, 16, 1, 1])],
      initializers: [...dwConv.w, ...pw.w, ...wino.w], nodes: [dwConv.n, pw.n, wino.n, pool] });
    expect(layoutNhwc(withWinograd, { minConvsPerTranspose: 1 })).toBe(withWinograd);
    const without = graphOf({ inputs: [valueInfo('x', FLOAT, [1, 16, 8, 8])], outputs: [valueInfo('y', FLOAT, [1, 16, 1, 1])],
      initializers: [...dwConv.w, ...pw.w], nodes: [dwConv.n, pw.n, node('GlobalAveragePool', ['p'], ['y'], 'gap')] });
    expect(layoutNhwc(without, { minConvsPerTranspose: 1 }).nodes.map((n) => n.op)).toEqual(['Transpose', 'NhwcConv', 'NhwcConv', 'NhwcGlobalPool']);
    // forced, both convert
    expect(layoutNhwc(lone, { all: true }).nodes.map((n) => n.op)).toEqual(['Transpose', 'NhwcConv', 'Transpose']);
    expect(layoutNhwc(plain, { all: true }).nodes.map((n) => n.op)).toEqual(['NhwcConv', 'Transpose']);
  });

  it('an inverted residual block matches onnxruntime-node (C = 3 and 8 input channels)', async () => {
    for (const C of [3, 8]) {
      // 4 kernels: the depthwise conv runs inside its projection's kernel (fuse-depthwise, lower/dw-pw-nhwc.ts)
      expect(await matchesOrt(mobileBlock(C, 17), { x: input([1, C, 17, 17]) }, 'auto')).toBe(4);
    }
  });

  const dwCases: [string, Omit<ConvSpec, 'name' | 'x' | 'y' | 'seed' | 'cout'>, number[]][] = [
    ['3x3 stride 2 pad 1', { cin: 16, k: 3, stride: 2, pad: 1 }, [1, 16, 15, 15]],
    ['5x5 pad 2 dilation 2', { cin: 8, k: 5, pad: 2, dilation: 2 }, [1, 8, 12, 11]],
    ['3x3 pad 1, 6 channels (not a multiple of 4)', { cin: 6, k: 3, pad: 1 }, [1, 6, 9, 9]],
    ['3x3 stride 2 no pad, batch 2, 12 channels', { cin: 12, k: 3, stride: 2 }, [2, 12, 10, 10]],
    ['plane smaller than the window (all borders)', { cin: 8, k: 3, pad: 1 }, [1, 8, 2, 1]],
  ];
  for (const [what, spec, shape] of dwCases) {
    it(`depthwise ${what} with a HardSwish epilogue matches onnxruntime-node`, async () => {
      const dw = conv({ name: 'dw', x: 'x', y: 'd', cout: spec.cin, group: spec.cin, seed: 2, ...spec });
      const oh = Math.floor((shape[2] + 2 * (spec.pad ?? 0) - (spec.dilation ?? 1) * (spec.k - 1) - 1) / (spec.stride ?? 1)) + 1;
      const ow = Math.floor((shape[3] + 2 * (spec.pad ?? 0) - (spec.dilation ?? 1) * (spec.k - 1) - 1) / (spec.stride ?? 1)) + 1;
      const parts: ModelParts = {
        inputs: [valueInfo('x', FLOAT, shape)], outputs: [valueInfo('y', FLOAT, [shape[0], spec.cin, oh, ow])], initializers: dw.w,
        nodes: [dw.n, node('HardSwish', ['d'], ['y'], 'hs')], opset: 14,
      };
      expect(await matchesOrt(parts, { x: input(shape) }, 'nhwc')).toBe(1);
    });
  }

  it('group-1 convs from an NHWC input (3x3 pad 1, 1x1 stride 2) and a residual add match onnxruntime-node', async () => {
    const a = conv({ name: 'a', x: 'x', y: 'a', cin: 8, cout: 12, k: 1, seed: 1 });
    const b = conv({ name: 'b', x: 'a', y: 'b', cin: 12, cout: 12, k: 3, pad: 1, seed: 3 });
    const s = conv({ name: 's', x: 'b', y: 'y', cin: 12, cout: 20, k: 1, stride: 2, seed: 5 });
    const parts: ModelParts = {
      inputs: [valueInfo('x', FLOAT, [2, 8, 9, 7])], outputs: [valueInfo('y', FLOAT, [2, 20, 5, 4])],
      initializers: [...a.w, ...b.w, ...s.w],
      nodes: [a.n, { ...b.n, output: ['b0'] }, node('Add', ['b0', 'a'], ['b1'], 'res'), node('Relu', ['b1'], ['b'], 'relu'), { ...s.n, input: ['b', 's.w', 's.b'] }],
    };
    expect(await matchesOrt(parts, { x: input([2, 8, 9, 7]) }, 'nhwc')).toBe(3);
  });

  const poolCases: [string, onnx.INodeProto, number[]][] = [
    ['MaxPool 3x3 stride 2 pad 1', node('MaxPool', ['x'], ['y'], 'p', [attr('kernel_shape', [3, 3]), attr('strides', [2, 2]), attr('pads', [1, 1, 1, 1])]), [1, 8, 6, 6]],
    ['MaxPool 3x3 stride 2 ceil mode', node('MaxPool', ['x'], ['y'], 'p', [attr('kernel_shape', [3, 3]), attr('strides', [2, 2]), attr('ceil_mode', 1)]), [1, 5, 5, 5]],
    ['AveragePool 3x3 pad 1 (padding not counted)', node('AveragePool', ['x'], ['y'], 'p', [attr('kernel_shape', [3, 3]), attr('pads', [1, 1, 1, 1])]), [1, 8, 11, 11]],
    ['GlobalMaxPool', node('GlobalMaxPool', ['x'], ['y'], 'p'), [1, 32, 1, 1]],
  ];
  for (const [what, pool, outShape] of poolCases) {
    it(`${what} after a conv matches onnxruntime-node`, async () => {
      const C = outShape[1];
      const c1 = conv({ name: 'c', x: 'x', y: 'h', cin: 4, cout: C, k: 3, pad: 1, seed: 4 });
      const parts: ModelParts = {
        inputs: [valueInfo('x', FLOAT, [1, 4, 11, 11])], outputs: [valueInfo('y', FLOAT, outShape)], initializers: c1.w,
        nodes: [c1.n, { ...pool, input: ['h'] }],
      };
      expect(await matchesOrt(parts, { x: input([1, 4, 11, 11]) }, 'nhwc')).toBe(2);
    });
  }
});
