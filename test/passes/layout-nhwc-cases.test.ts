// layout-nhwc on edge cases: models compiled with layout 'nhwc' (every region converted) and
// 'auto', run on 1 and 2 threads, compared with onnxruntime-node (from a review of the pass).

import { describe, expect, it } from 'vitest';
import type { onnx } from '../../compiler/frontend/onnx/proto.js';
import { lowerModel } from '../../compiler/compile.js';
import { isAccelcError } from '../../compiler/errors.js';
import { Tensor } from '../../runtime/tensor.js';
import { worstAgainstOrt } from '../helpers/ort-compare.js';
import { encode, floatTensor, node, valueInfo, FLOAT, type ModelParts } from '../frontend/build-model.js';

const rand = (n: number, seed: number) => { let s = seed; return Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1); };
const ints = (name: string, v: number[]): onnx.IAttributeProto => ({ name, type: 7, ints: v });
const int = (name: string, v: number): onnx.IAttributeProto => ({ name, type: 2, i: v });
const str = (name: string, v: string): onnx.IAttributeProto => ({ name, type: 3, s: new TextEncoder().encode(v) });
const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);
const input = (shape: number[], seed = 11) => new Tensor('float32', Float32Array.from(rand(prod(shape), seed)), shape);

interface Cv { name: string; x: string; y: string; cin: number; cout: number; k: number | [number, number]; group?: number; attrs?: onnx.IAttributeProto[]; bias?: boolean; seed?: number }
function conv(s: Cv): { n: onnx.INodeProto; w: onnx.ITensorProto[] } {
  const group = s.group ?? 1;
  const [kh, kw] = Array.isArray(s.k) ? s.k : [s.k, s.k];
  const seed = s.seed ?? s.name.length * 7 + 3;
  const w = [floatTensor(`${s.name}.w`, [s.cout, s.cin / group, kh, kw], rand(s.cout * (s.cin / group) * kh * kw, seed).map((v) => v * 0.5))];
  if (s.bias !== false) w.push(floatTensor(`${s.name}.b`, [s.cout], rand(s.cout, seed + 1)));
  return {
    n: node('Conv', [s.x, `${s.name}.w`, ...(s.bias !== false ? [`${s.name}.b`] : [])], [s.y], s.name, [ints('kernel_shape', [kh, kw]), int('group', group), ...(s.attrs ?? [])]),
    w,
  };
}

/** Compiled with `layout`, run on 1 and 2 threads against onnxruntime-node: the worst relative error and the graph's ops. */
async function run(parts: ModelParts, inputs: Record<string, Tensor>, layout: 'auto' | 'nhwc' | 'nchw'): Promise<{ worst: number; ops: string[] }> {
  const { worst, graph } = await worstAgainstOrt(parts, inputs, { layout });
  return { worst, ops: graph.nodes.map((n) => n.op) };
}

async function matches(parts: ModelParts, inputs: Record<string, Tensor>, layouts: ('auto' | 'nhwc')[] = ['nhwc', 'auto']): Promise<string[][]> {
  const all: string[][] = [];
  for (const layout of layouts) {
    const { worst, ops } = await run(parts, inputs, layout);
    expect(worst, `layout ${layout}: ${ops.join(' ')}`).toBeLessThanOrEqual(1e-5);
    all.push(ops);
  }
  return all;
}

const out = (name: string, shape: number[]) => valueInfo(name, FLOAT, shape);
const anyOut = (name: string): onnx.IValueInfoProto => ({ name, type: { tensorType: { elemType: FLOAT } } });

describe('layout-nhwc edge cases', () => {
  it('a region value read twice by one node (Mul(a, a)), also a graph output', async () => {
    const a = conv({ name: 'a', x: 'x', y: 'a', cin: 8, cout: 8, k: 3, group: 8, attrs: [ints('pads', [1, 1, 1, 1])] });
    await matches({
      inputs: [out('x', [1, 8, 6, 6])], outputs: [out('y', [1, 8, 6, 6]), out('a', [1, 8, 6, 6])], initializers: a.w,
      nodes: [a.n, node('Mul', ['a', 'a'], ['y'], 'sq')],
    }, { x: input([1, 8, 6, 6]) });
  });

  it('a region value read inside and by a non-region op (Softmax) and a broadcast Add', async () => {
    const a = conv({ name: 'a', x: 'x', y: 'a', cin: 8, cout: 8, k: 3, group: 8, attrs: [ints('pads', [1, 1, 1, 1])] });
    const b = conv({ name: 'b', x: 'a', y: 'b', cin: 8, cout: 8, k: 1 });
    await matches({
      inputs: [out('x', [1, 8, 5, 5])], outputs: [out('y', [1, 8, 5, 5]), out('z', [1, 8, 5, 5])],
      initializers: [...a.w, ...b.w, floatTensor('cb', [1, 8, 1, 1], rand(8, 5))],
      nodes: [a.n, b.n, node('Add', ['b', 'cb'], ['y'], 'bcast'), node('Softmax', ['a'], ['z'], 'sm', [int('axis', 1)])],
    }, { x: input([1, 8, 5, 5]) });
  });

  it('a [1,1,1,1] region value used as a scalar operand inside the region', async () => {
    const s = conv({ name: 's', x: 'x', y: 's', cin: 8, cout: 1, k: 3 });
    const d = conv({ name: 'd', x: 'z', y: 'd', cin: 8, cout: 8, k: 3, group: 8, attrs: [ints('pads', [1, 1, 1, 1])] });
    await matches({
      inputs: [out('x', [1, 8, 3, 3]), out('z', [1, 8, 4, 4])], outputs: [out('y', [1, 8, 4, 4])], initializers: [...s.w, ...d.w],
      nodes: [s.n, d.n, node('Mul', ['d', 's'], ['y'], 'scale')],
    }, { x: input([1, 8, 3, 3]), z: input([1, 8, 4, 4], 3) });
  });

  it('elementwise over two regions, and over a region value and a graph input', async () => {
    const a = conv({ name: 'a', x: 'x', y: 'a', cin: 4, cout: 4, k: 3, group: 4, attrs: [ints('pads', [1, 1, 1, 1])] });
    const b = conv({ name: 'b', x: 'z', y: 'b', cin: 4, cout: 4, k: 1 });
    await matches({
      inputs: [out('x', [2, 4, 5, 5]), out('z', [2, 4, 5, 5])], outputs: [out('y', [2, 4, 5, 5])], initializers: [...a.w, ...b.w],
      nodes: [a.n, b.n, node('Add', ['a', 'b'], ['s'], 'sum'), node('Sub', ['s', 'x'], ['y'], 'minus')],
    }, { x: input([2, 4, 5, 5]), z: input([2, 4, 5, 5], 4) });
  });

  it('Clip with bounds from graph inputs after a depthwise conv', async () => {
    const a = conv({ name: 'a', x: 'x', y: 'a', cin: 8, cout: 8, k: 3, group: 8, attrs: [ints('pads', [1, 1, 1, 1])] });
    await matches({
      inputs: [out('x', [1, 8, 5, 5]), out('lo', []), out('hi', [])], outputs: [out('y', [1, 8, 5, 5])], initializers: a.w,
      nodes: [a.n, node('Clip', ['a', 'lo', 'hi'], ['y'], 'clip')],
    }, { x: input([1, 8, 5, 5]), lo: new Tensor('float32', Float32Array.of(-0.2), []), hi: new Tensor('float32', Float32Array.of(0.3), []) });
  });

  it('a conv reading a graph input that is also read by the region (residual) and outside', async () => {
    const a = conv({ name: 'a', x: 'x', y: 'a', cin: 8, cout: 8, k: 3, attrs: [ints('pads', [1, 1, 1, 1])] });
    const d = conv({ name: 'd', x: 'r', y: 'd', cin: 8, cout: 8, k: 3, group: 8, attrs: [ints('pads', [1, 1, 1, 1])] });
    await matches({
      inputs: [out('x', [1, 8, 6, 6])], outputs: [out('y', [1, 8, 6, 6]), out('z', [1, 8, 6, 6])], initializers: [...a.w, ...d.w],
      nodes: [a.n, node('Add', ['a', 'x'], ['r'], 'res'), d.n, node('Relu', ['d'], ['y'], 'relu'), node('Softmax', ['x'], ['z'], 'sm', [int('axis', 1)])],
    }, { x: input([1, 8, 6, 6]) });
  });

  it('an im2col conv reading NCHW x while a depthwise conv of the same region reads x transposed', async () => {
    const a = conv({ name: 'a', x: 'x', y: 'a', cin: 8, cout: 8, k: 3, attrs: [ints('pads', [1, 1, 1, 1])] });
    const d = conv({ name: 'd', x: 'x', y: 'd', cin: 8, cout: 8, k: 3, group: 8, attrs: [ints('pads', [1, 1, 1, 1])] });
    await matches({
      inputs: [out('x', [1, 8, 6, 6])], outputs: [out('y', [1, 8, 6, 6])], initializers: [...a.w, ...d.w],
      nodes: [a.n, d.n, node('Add', ['a', 'd'], ['y'], 'sum')],
    }, { x: input([1, 8, 6, 6]) });
  });

  it('value and node names that collide with the generated ones', async () => {
    const a = conv({ name: 'a', x: 'x', y: 'x.nhwc', cin: 8, cout: 8, k: 3, group: 8, attrs: [ints('pads', [1, 1, 1, 1])] });
    const b = conv({ name: 'x.to_nhwc', x: 'x.nhwc', y: 'y.to_nchw', cin: 8, cout: 8, k: 1 });
    await matches({
      inputs: [out('x', [1, 8, 4, 4])], outputs: [out('y', [1, 8, 4, 4])], initializers: [...a.w, ...b.w],
      nodes: [a.n, b.n, node('Relu', ['y.to_nchw'], ['y'], 'y.to_nchw')],
    }, { x: input([1, 8, 4, 4]) });
  });

  const convCases: [string, Omit<Cv, 'name' | 'x' | 'y'>, number[]][] = [
    ['dw SAME_UPPER stride 2', { cin: 8, cout: 8, k: 3, group: 8, attrs: [str('auto_pad', 'SAME_UPPER'), ints('strides', [2, 2])] }, [1, 8, 6, 7]],
    ['dw SAME_LOWER stride 2 k4', { cin: 8, cout: 8, k: 4, group: 8, attrs: [str('auto_pad', 'SAME_LOWER'), ints('strides', [2, 2])] }, [1, 8, 6, 7]],
    ['dw asymmetric pads, 5 channels, batch 3', { cin: 5, cout: 5, k: [3, 2], group: 5, attrs: [ints('pads', [0, 2, 1, 0])] }, [3, 5, 5, 4]],
    ['dw kernel larger than the plane', { cin: 4, cout: 4, k: 5, group: 4, attrs: [ints('pads', [2, 2, 2, 2])] }, [1, 4, 2, 3]],
    ['dw no bias, stride [2,1], dilation [1,2]', { cin: 12, cout: 12, k: 3, group: 12, bias: false, attrs: [ints('strides', [2, 1]), ints('dilations', [1, 2]), ints('pads', [1, 2, 1, 2])] }, [2, 12, 7, 8]],
    ['1x1 stride 2 pads 1', { cin: 6, cout: 10, k: 1, attrs: [ints('strides', [2, 2]), ints('pads', [1, 1, 1, 1])] }, [1, 6, 5, 5]],
    ['1x1 SAME_UPPER', { cin: 6, cout: 5, k: 1, attrs: [str('auto_pad', 'SAME_UPPER')] }, [2, 6, 3, 3]],
    ['3x3 stride 2 dilation 2 pads', { cin: 3, cout: 7, k: 3, attrs: [ints('pads', [2, 1, 1, 2]), ints('strides', [2, 2]), ints('dilations', [2, 2])] }, [1, 3, 9, 8]],
    ['3x3 SAME_LOWER stride 2', { cin: 3, cout: 7, k: 3, attrs: [str('auto_pad', 'SAME_LOWER'), ints('strides', [2, 2])] }, [1, 3, 8, 7]],
    ['3x3 asymmetric pads, batch 2, 3 out channels', { cin: 5, cout: 3, k: 3, attrs: [ints('pads', [1, 0, 2, 1])] }, [2, 5, 4, 6]],
    ['kernel larger than the plane', { cin: 4, cout: 6, k: [5, 3], attrs: [ints('pads', [2, 1, 2, 1])] }, [1, 4, 2, 2]],
    ['1x1 VALID 2 out channels', { cin: 9, cout: 2, k: 1, attrs: [str('auto_pad', 'VALID')] }, [1, 9, 3, 5]],
  ];
  for (const [what, spec, shape] of convCases) {
    it(`conv ${what} (alone, and from a region value)`, async () => {
      const c1 = conv({ name: 'c', x: 'x', y: 'y', ...spec });
      await matches({ inputs: [out('x', shape)], outputs: [anyOut('y')], initializers: c1.w, nodes: [c1.n] }, { x: input(shape) }, ['nhwc']);
      // fed by a Relu on a 1x1 conv output (inside the region: NHWC input)
      const c0 = conv({ name: 'p', x: 'x', y: 'p', cin: shape[1], cout: shape[1], k: 1 });
      const c2 = conv({ name: 'c', x: 'q', y: 'y', ...spec });
      await matches({ inputs: [out('x', shape)], outputs: [anyOut('y')], initializers: [...c0.w, ...c2.w], nodes: [c0.n, node('Relu', ['p'], ['q'], 'r'), c2.n] }, { x: input(shape) }, ['nhwc']);
    });
  }

  const poolCases: [string, onnx.INodeProto, number[], number?][] = [
    ['AveragePool count_include_pad pads 1', node('AveragePool', ['h'], ['y'], 'p', [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1]), int('count_include_pad', 1)]), [1, 8, 7, 7]],
    ['AveragePool ceil_mode stride 2 pads', node('AveragePool', ['h'], ['y'], 'p', [ints('kernel_shape', [3, 3]), ints('strides', [2, 2]), ints('pads', [1, 1, 1, 1]), int('ceil_mode', 1)]), [1, 8, 6, 6]],
    ['AveragePool ceil_mode count_include_pad', node('AveragePool', ['h'], ['y'], 'p', [ints('kernel_shape', [3, 3]), ints('strides', [2, 2]), ints('pads', [1, 1, 1, 1]), int('ceil_mode', 1), int('count_include_pad', 1)]), [1, 8, 6, 6]],
    ['AveragePool SAME_UPPER stride 2', node('AveragePool', ['h'], ['y'], 'p', [ints('kernel_shape', [3, 3]), ints('strides', [2, 2]), str('auto_pad', 'SAME_UPPER')]), [1, 8, 7, 5]],
    ['MaxPool dilations', node('MaxPool', ['h'], ['y'], 'p', [ints('kernel_shape', [2, 2]), ints('dilations', [2, 2]), ints('pads', [1, 1, 1, 1])]), [1, 6, 7, 7], 12],
    ['MaxPool storage_order 1', node('MaxPool', ['h'], ['y'], 'p', [ints('kernel_shape', [2, 2]), ints('strides', [2, 2]), int('storage_order', 1)]), [2, 5, 7, 6], 12],
    ['MaxPool SAME_LOWER', node('MaxPool', ['h'], ['y'], 'p', [ints('kernel_shape', [2, 3]), str('auto_pad', 'SAME_LOWER')]), [1, 8, 5, 5], 12],
    ['GlobalAveragePool 20 channels batch 2', node('GlobalAveragePool', ['h'], ['y'], 'p'), [2, 20, 5, 3]],
  ];
  for (const [what, pool, shape, opset] of poolCases) {
    it(`${what} after a depthwise conv`, async () => {
      const c1 = conv({ name: 'c', x: 'x', y: 'h', cin: shape[1], cout: shape[1], k: 3, group: shape[1], attrs: [ints('pads', [1, 1, 1, 1])] });
      await matches({ inputs: [out('x', shape)], outputs: [anyOut('y')], initializers: c1.w, nodes: [c1.n, pool], opset }, { x: input(shape) });
    });
  }

  it('a pool whose output is read by the global pool and is a graph output', async () => {
    const c1 = conv({ name: 'c', x: 'x', y: 'h', cin: 8, cout: 8, k: 3, group: 8, attrs: [ints('pads', [1, 1, 1, 1])] });
    await matches({
      inputs: [out('x', [1, 8, 6, 6])], outputs: [out('m', [1, 8, 3, 3]), out('y', [1, 8, 1, 1])], initializers: c1.w,
      nodes: [c1.n, node('MaxPool', ['h'], ['m'], 'mp', [ints('kernel_shape', [2, 2]), ints('strides', [2, 2])]), node('GlobalAveragePool', ['m'], ['y'], 'gap')],
    }, { x: input([1, 8, 6, 6]) });
  });

  it('epilogues on NhwcConv: residual + Relu, swish tree, scalar Mul, HardSigmoid', async () => {
    const e = conv({ name: 'e', x: 'x', y: 'e', cin: 8, cout: 16, k: 1 });
    const d = conv({ name: 'd', x: 'e1', y: 'd', cin: 16, cout: 16, k: 3, group: 16, attrs: [ints('pads', [1, 1, 1, 1])] });
    const p = conv({ name: 'p', x: 'd2', y: 'p', cin: 16, cout: 8, k: 1 });
    await matches({
      inputs: [out('x', [1, 8, 7, 7])], outputs: [out('y', [1, 8, 7, 7])], initializers: [...e.w, ...d.w, ...p.w, floatTensor('two', [1], [2])],
      nodes: [e.n, node('Sigmoid', ['e'], ['es'], 'sig'), node('Mul', ['e', 'es'], ['e1'], 'swish'),
        d.n, node('Mul', ['d', 'two'], ['d1'], 'dbl'), node('HardSigmoid', ['d1'], ['d2'], 'hsig'),
        p.n, node('Add', ['p', 'x'], ['p1'], 'res'), node('Relu', ['p1'], ['y'], 'relu')],
    }, { x: input([1, 8, 7, 7]) });
  });

  it('two depthwise convs fed by one value, max of three, graph output mid-region', async () => {
    const a = conv({ name: 'a', x: 'x', y: 'a', cin: 4, cout: 4, k: 3, group: 4, attrs: [ints('pads', [1, 1, 1, 1])] });
    const b = conv({ name: 'b', x: 'x', y: 'b', cin: 4, cout: 4, k: 5, group: 4, attrs: [ints('pads', [2, 2, 2, 2])] });
    await matches({
      inputs: [out('x', [1, 4, 6, 6])], outputs: [out('y', [1, 4, 6, 6]), out('b', [1, 4, 6, 6])], initializers: [...a.w, ...b.w],
      nodes: [a.n, b.n, node('Max', ['a', 'b', 'x'], ['y'], 'max3')],
    }, { x: input([1, 4, 6, 6]) });
  });
  it('a depthwise host with a residual epilogue operand that is an entry (transposed view of a graph input)', async () => {
    const d = conv({ name: 'd', x: 'x', y: 'd', cin: 8, cout: 8, k: 3, group: 8, attrs: [ints('pads', [1, 1, 1, 1])] });
    const d2 = conv({ name: 'd2', x: 'd', y: 'd2', cin: 8, cout: 8, k: 3, group: 8, attrs: [ints('pads', [1, 1, 1, 1])] });
    await matches({
      inputs: [out('x', [2, 8, 5, 6])], outputs: [out('y', [2, 8, 5, 6])], initializers: [...d.w, ...d2.w],
      nodes: [d.n, d2.n, node('Add', ['d2', 'x'], ['y0'], 'res'), node('Relu', ['y0'], ['y'], 'relu')],
    }, { x: input([2, 8, 5, 6]) });
  });

  it('a region output read by NCHW convs (3x3 with a bias input, grouped, depthwise + 1x1 with bias inputs), MaxPool, Concat', async () => {
    const d = conv({ name: 'd', x: 'x', y: 'd', cin: 8, cout: 8, k: 3, group: 8, attrs: [ints('pads', [1, 1, 1, 1])] });
    const p = conv({ name: 'p', x: 'd', y: 'p', cin: 8, cout: 8, k: 1 });
    const w3 = conv({ name: 'w3', x: 'p', y: 'w3', cin: 8, cout: 8, k: 3, bias: false, attrs: [ints('pads', [1, 1, 1, 1])] });
    const gc = conv({ name: 'gc', x: 'p', y: 'gc', cin: 8, cout: 8, k: 3, group: 2, attrs: [ints('pads', [1, 1, 1, 1])] });
    const dn = conv({ name: 'dn', x: 'p', y: 'dn', cin: 8, cout: 8, k: 3, group: 8, bias: false, attrs: [ints('pads', [1, 1, 1, 1])] });
    const pn = conv({ name: 'pn', x: 'dn1', y: 'pn', cin: 8, cout: 8, k: 1, bias: false });
    await matches({
      inputs: [out('x', [1, 8, 6, 6]), out('bias', [8])], outputs: [out('y', [1, 32, 6, 6]), out('mp', [1, 8, 3, 3])],
      initializers: [...d.w, ...p.w, ...w3.w, ...gc.w, ...dn.w, ...pn.w],
      nodes: [d.n, p.n, { ...w3.n, input: ['p', 'w3.w', 'bias'] }, gc.n, { ...dn.n, input: ['p', 'dn.w', 'bias'] }, node('Relu', ['dn'], ['dn1'], 'r'),
        { ...pn.n, input: ['dn1', 'pn.w', 'bias'] },
        node('MaxPool', ['p'], ['mp'], 'mp', [ints('kernel_shape', [2, 2]), ints('strides', [2, 2])]),
        node('Concat', ['w3', 'gc', 'pn', 'p'], ['y'], 'cat', [int('axis', 1)])],
    }, { x: input([1, 8, 6, 6]), bias: input([8], 9) });
  });

  it('two global pools (32 channels, batch 2) concatenated', async () => {
    const d = conv({ name: 'd', x: 'x', y: 'd', cin: 32, cout: 32, k: 3, group: 32, attrs: [ints('pads', [1, 1, 1, 1])] });
    await matches({
      inputs: [out('x', [2, 32, 4, 5])], outputs: [out('y', [2, 64, 1, 1])], initializers: d.w,
      nodes: [d.n, node('GlobalAveragePool', ['d'], ['a'], 'gap'), node('GlobalMaxPool', ['d'], ['m'], 'gmp'), node('Concat', ['a', 'm'], ['y'], 'cat', [int('axis', 1)])],
    }, { x: input([2, 32, 4, 5]) });
  });

  it('a 1x1 plane entering the region from an NCHW grouped conv and a Concat', async () => {
    const a = conv({ name: 'a', x: 'x', y: 'a', cin: 8, cout: 8, k: 1, group: 2 });
    const b = conv({ name: 'b', x: 'x', y: 'b', cin: 8, cout: 8, k: 1, group: 4 });
    const d = conv({ name: 'd', x: 'c', y: 'd', cin: 16, cout: 16, k: 3, group: 16, attrs: [ints('pads', [1, 1, 1, 1])] });
    const p = conv({ name: 'p', x: 'd', y: 'y', cin: 16, cout: 8, k: 1 });
    await matches({
      inputs: [out('x', [1, 8, 1, 1])], outputs: [out('y', [1, 8, 1, 1])], initializers: [...a.w, ...b.w, ...d.w, ...p.w],
      nodes: [a.n, b.n, node('Concat', ['a', 'b'], ['c'], 'cat', [int('axis', 1)]), d.n, p.n],
    }, { x: input([1, 8, 1, 1]) });
  });
  it('a 7x7 depthwise conv, 5x5 stride-3 pools, unary ops (Erf, Elu, Selu, Softplus, Abs, Sqrt, Exp), Min with a [1,1,1,1] input', async () => {
    const d = conv({ name: 'd', x: 'x', y: 'd', cin: 16, cout: 16, k: 7, group: 16, attrs: [ints('pads', [3, 3, 3, 3])] });
    const unary = ['Erf', 'Elu', 'Selu', 'Softplus', 'Abs', 'Sqrt', 'Exp'];
    await matches({
      inputs: [out('x', [3, 16, 9, 8]), out('s', [1, 1, 1, 1])], outputs: [anyOut('y'), anyOut('z'), anyOut('g')], initializers: d.w,
      nodes: [d.n, ...unary.map((op, i) => node(op, [i ? `u${i - 1}` : 'd'], [`u${i}`], op)), node('Min', [`u${unary.length - 1}`, 's', 'd'], ['m'], 'min'),
        node('MaxPool', ['m'], ['y'], 'mp', [ints('kernel_shape', [5, 5]), ints('strides', [3, 3]), ints('pads', [2, 2, 2, 2])]),
        node('AveragePool', ['m'], ['z'], 'ap', [ints('kernel_shape', [5, 5]), ints('strides', [3, 3]), ints('pads', [2, 1, 2, 1])]),
        node('GlobalMaxPool', ['u0'], ['g'], 'gmp')], opset: 18,
    }, { x: input([3, 16, 9, 8]), s: input([1, 1, 1, 1], 5) });
  });

  it('opset-6 Clip (attributes) fused into a depthwise conv', async () => {
    const d = conv({ name: 'd', x: 'x', y: 'd', cin: 8, cout: 8, k: 3, group: 8, attrs: [ints('pads', [1, 1, 1, 1])] });
    await matches({
      inputs: [out('x', [1, 8, 5, 5])], outputs: [anyOut('y')], initializers: d.w,
      nodes: [d.n, node('Clip', ['d'], ['y'], 'clip', [{ name: 'min', type: 1, f: -0.1 }, { name: 'max', type: 1, f: 0.2 }])], opset: 10,
    }, { x: input([1, 8, 5, 5]) });
  });
  it('NCHW convs outside the region (grouped, Winograd 3x3, depthwise + 1x1) with a residual that is a region exit', async () => {
    const d = conv({ name: 'd', x: 'x', y: 'd', cin: 16, cout: 16, k: 3, group: 16, attrs: [ints('pads', [1, 1, 1, 1])] });
    const p = conv({ name: 'p', x: 'd', y: 'p', cin: 16, cout: 16, k: 1 });
    const gc = conv({ name: 'gc', x: 'x', y: 'gc', cin: 16, cout: 16, k: 3, group: 2, attrs: [ints('pads', [1, 1, 1, 1])] });
    const w3 = conv({ name: 'w3', x: 'x', y: 'w3', cin: 16, cout: 16, k: 3, bias: false, attrs: [ints('pads', [1, 1, 1, 1])] });
    const dn = conv({ name: 'dn', x: 'x', y: 'dn', cin: 16, cout: 16, k: 3, group: 16, bias: false, attrs: [ints('pads', [1, 1, 1, 1])] });
    const pn = conv({ name: 'pn', x: 'dn1', y: 'pn', cin: 16, cout: 16, k: 1, bias: false });
    await matches({
      inputs: [out('x', [1, 16, 12, 12]), out('bias', [16])], outputs: [anyOut('a'), anyOut('b'), anyOut('c')],
      initializers: [...d.w, ...p.w, ...gc.w, ...w3.w, ...dn.w, ...pn.w],
      nodes: [d.n, p.n, gc.n, node('Add', ['gc', 'p'], ['a0'], 'ra'), node('Relu', ['a0'], ['a'], 'rra'),
        { ...w3.n, input: ['x', 'w3.w', 'bias'] }, node('Add', ['p', 'w3'], ['b'], 'rb'),
        { ...dn.n, input: ['x', 'dn.w', 'bias'] }, node('Relu', ['dn'], ['dn1'], 'r'), { ...pn.n, input: ['dn1', 'pn.w', 'bias'] }, node('Add', ['pn', 'p'], ['c'], 'rc')],
    }, { x: input([1, 16, 12, 12]), bias: input([16], 9) });
  });
  it('larger odd sizes: 37 -> 45 channels 3x3/2 from NCHW, 5x5 depthwise, 1x1 to 29 with a swish tree, batch 2', async () => {
    const a = conv({ name: 'a', x: 'x', y: 'a', cin: 37, cout: 45, k: 3, attrs: [ints('strides', [2, 2]), ints('pads', [1, 1, 1, 1])] });
    const d = conv({ name: 'd', x: 'a', y: 'd', cin: 45, cout: 45, k: 5, group: 45, attrs: [ints('pads', [2, 2, 2, 2])] });
    const p = conv({ name: 'p', x: 'd', y: 'p', cin: 45, cout: 29, k: 1 });
    await matches({
      inputs: [out('x', [2, 37, 23, 19])], outputs: [anyOut('y')], initializers: [...a.w, ...d.w, ...p.w],
      nodes: [a.n, d.n, p.n, node('Sigmoid', ['p'], ['ps'], 'sig'), node('Mul', ['p', 'ps'], ['y'], 'swish')],
    }, { x: input([2, 37, 23, 19]) });
  });
  it('a ViT-style patch embedding (conv 4x4/4 -> Reshape -> Transpose -> Concat -> Add) under --layout nhwc', async () => {
    const c1 = conv({ name: 'pe', x: 'x', y: 'e', cin: 3, cout: 16, k: 4, attrs: [ints('strides', [4, 4])] });
    await matches({
      inputs: [out('x', [1, 3, 16, 12])], outputs: [anyOut('y')],
      initializers: [...c1.w, { name: 'shape', dims: [3], dataType: 7, int64Data: [1, 16, 12] }, floatTensor('cls', [1, 1, 16], rand(16, 3)), floatTensor('pos', [1, 13, 16], rand(13 * 16, 4))],
      nodes: [c1.n, node('Reshape', ['e', 'shape'], ['r'], 'rs'), node('Transpose', ['r'], ['t'], 'tr', [ints('perm', [0, 2, 1])]),
        node('Concat', ['cls', 't'], ['c'], 'cat', [int('axis', 1)]), node('Add', ['c', 'pos'], ['y'], 'pos_add')],
    }, { x: input([1, 3, 16, 12]) }, ['nhwc']);
  });
  // Regression: freshName (passes/graph-edit.ts) avoided only names in g.values, and dead-nodes
  // dropped the values of a kept node's unused outputs; Split's unused second output named 'x.nhwc'
  // and x's transposed copy were both 'x.nhwc', and y came out wrong (rel. err 0.78) with no error.
  it("the NHWC copy of x does not take the name of another node's unused output (x.nhwc)", async () => {
    const d = conv({ name: 'dw', x: 'x', y: 'y', cin: 8, cout: 8, k: 3, group: 8, attrs: [ints('pads', [1, 1, 1, 1])] });
    const parts: ModelParts = {
      inputs: [out('x', [1, 8, 4, 4]), out('z', [1, 8, 4, 4])], outputs: [out('y', [1, 8, 4, 4]), anyOut('r')], initializers: d.w,
      nodes: [node('Split', ['z'], ['s0', 'x.nhwc'], 'sp', [int('axis', 1)]), d.n, node('Relu', ['s0'], ['r'], 'relu')],
    };
    let result: { worst: number; ops: string[] } | undefined, error: unknown;
    try { result = await run(parts, { x: input([1, 8, 4, 4]), z: input([1, 8, 4, 4], 5) }, 'nhwc'); } catch (e) { error = e; }
    expect(error).toBeUndefined();
    expect(result!.worst).toBeLessThanOrEqual(1e-5);
  });

  // Regression: an unknown layout silently meant 'auto' in the compile API.
  it('compile options with an unknown layout are refused (E_USAGE)', () => {
    const d = conv({ name: 'dw', x: 'x', y: 'y', cin: 8, cout: 8, k: 3, group: 8, attrs: [ints('pads', [1, 1, 1, 1])] });
    const model = encode({ inputs: [out('x', [1, 8, 4, 4])], outputs: [out('y', [1, 8, 4, 4])], initializers: d.w, nodes: [d.n] });
    let error: unknown;
    try { lowerModel(model, { layout: 'NHWC' as 'nhwc' }); } catch (e) { error = e; }
    expect(isAccelcError(error) && (error as { code: string }).code).toBe('E_USAGE');
  });
});
