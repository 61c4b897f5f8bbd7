// push-constant-ops (an elementwise op with a constant operand moved from a Concat's, Reshape's or
// Transpose's output to its inputs), and what it enables for a ViT's token assembly: the patch conv
// runs channels-last (its tokens are its NHWC output, layout-nhwc), takes the position embedding as
// its epilogue, writes its slab of the token Concat in place (plan-concat through the Reshape), and
// copies the class-token row in its own kernel. The IR after the passes, when they decline, and the
// outputs against onnxruntime-node at 1 and 2 threads.

import { describe, expect, it } from 'vitest';
import { runPasses } from '../../compiler/passes/pipeline.js';
import { pushConstantOps } from '../../compiler/passes/push-constant-ops.js';
import { loadOnnx } from '../../compiler/frontend/onnx/index.js';
import { compile } from '../../compiler/compile.js';
import { Tensor } from '../../runtime/tensor.js';
import { seededValues, worstAgainstOrt } from '../helpers/ort-compare.js';
import { int64Tensor, attr, encode, floatTensor, node, valueInfo, FLOAT, type ModelParts } from '../frontend/build-model.js';

/** x [1, 3, 16, 16] -> 4x4/4 patch conv (C channels) -> tokens [1, 16, C] -> Concat(cls, tokens) op pos -> MatMul. */
function vitStem(C: number, opts: { op?: string; clsLast?: boolean; perm?: number[]; posShape?: number[] } = {}): ModelParts {
  const op = opts.op ?? 'Add', posShape = opts.posShape ?? [1, 17, C];
  const pos = posShape.reduce((a, b) => a * b, 1);
  return {
    opset: 17,
    inputs: [valueInfo('x', FLOAT, [1, 3, 16, 16])],
    outputs: [valueInfo('y', FLOAT, [1, 17, 8])],
    initializers: [
      floatTensor('w', [C, 3, 4, 4], seededValues(C * 48, 3)), floatTensor('b', [C], seededValues(C, 4)),
      floatTensor('cls', [1, 1, C], seededValues(C, 5)), floatTensor('pos', posShape, seededValues(pos, 6).map((v) => (op === 'Div' ? 2 + v : v))),
      floatTensor('wm', [C, 8], seededValues(C * 8, 7)), int64Tensor('flat', [1, C, 16]),
    ],
    nodes: [
      node('Conv', ['x', 'w', 'b'], ['c'], 'conv', [attr('kernel_shape', [4, 4]), attr('strides', [4, 4])]),
      node('Reshape', ['c', 'flat'], ['r'], 'flatten'),
      node('Transpose', ['r'], ['t'], 'tokens', [attr('perm', opts.perm ?? [0, 2, 1])]),
      node('Concat', opts.clsLast ? ['t', 'cls'] : ['cls', 't'], ['cat'], 'concat', [attr('axis', 1)]),
      node(op, ['cat', 'pos'], ['e'], 'pos'),
      node('MatMul', ['e', 'wm'], ['y'], 'head'),
    ],
  };
}

const graphOf = (p: ModelParts, passes?: (g: ReturnType<typeof loadOnnx>['graph']) => ReturnType<typeof loadOnnx>['graph']) => {
  const g = loadOnnx(encode(p), { modelName: 'stem' }).graph;
  return passes ? passes(g) : runPasses(g);
};
const input = () => new Tensor('float32', Float32Array.from(seededValues(768, 9)), [1, 3, 16, 16]);

describe('constant elementwise ops pushed over Concat, Reshape and Transpose', () => {
  it('moves the Add to the Concat inputs: the constant class token takes its row of pos at compile time, the tokens their slab', () => {
    const g = graphOf(vitStem(8), pushConstantOps);
    expect(g.nodes.map((n) => n.op)).toEqual(['Conv', 'Add', 'Reshape', 'Transpose', 'Concat', 'MatMul']);
    const cat = g.nodes[4];
    expect(cat.outputs).toEqual(['e']);
    const row = g.values.get(cat.inputs[0])!.const!;
    const cls = seededValues(8, 5), pos = seededValues(17 * 8, 6);
    expect([...row.data]).toEqual(cls.map((v, i) => Math.fround(Math.fround(v) + Math.fround(pos[i]))));
    // the Add now reads the conv's NCHW output and pos rows 1.. laid out as [1, C, 4, 4]
    const add = g.nodes[1], c = g.values.get(add.inputs[1])!.const!;
    expect(add.inputs[0]).toBe('c');
    expect(c.shape).toEqual([1, 8, 4, 4]);
    expect(c.data[1]).toBeCloseTo(pos[(1 + 1) * 8 + 0]);   // channel 0, pixel 1 = token 1 + 1 (after the class token)
    expect(g.values.has('cat') || g.values.has('t') || g.values.has('r')).toBe(false);
  });

  it('declines a constant that broadcasts the value, a value read twice, and a non-constant operand', () => {
    const grows = graphOf({ ...vitStem(8, { posShape: [2, 17, 8] }), outputs: [valueInfo('y', FLOAT, [2, 17, 8])] }, pushConstantOps);
    expect(grows.nodes.map((n) => n.op)).toEqual(['Conv', 'Reshape', 'Transpose', 'Concat', 'Add', 'MatMul']);
    const twice: ModelParts = { ...vitStem(8), outputs: [...vitStem(8).outputs!, valueInfo('cat', FLOAT, [1, 17, 8])] };
    expect(graphOf(twice, pushConstantOps).nodes.map((n) => n.op)).toEqual(['Conv', 'Reshape', 'Transpose', 'Concat', 'Add', 'MatMul']);
    const live: ModelParts = { ...vitStem(8), inputs: [...vitStem(8).inputs!, valueInfo('p', FLOAT, [1, 17, 8])], nodes: vitStem(8).nodes!.map((n) => (n.name === 'pos' ? { ...n, input: ['cat', 'p'] } : n)) };
    expect(graphOf(live, pushConstantOps).nodes.map((n) => n.op)).toEqual(['Conv', 'Reshape', 'Transpose', 'Concat', 'Add', 'MatMul']);
  });

  it('a ViT stem becomes one kernel: the channels-last patch conv with the position Add, writing its Concat slab, copying the class-token row', async () => {
    const { meta } = await compile(encode(vitStem(16)));
    expect(meta.kernels.map((k) => k.ops)).toEqual([['NhwcConv', 'Add', 'Concat'], ['MatMul']]);
    const g = graphOf(vitStem(16));
    expect(g.nodes.map((n) => n.op)).toEqual(['NhwcConv', 'Reshape', 'Concat', 'MatMul']);
  });

  const cases: [string, ModelParts][] = [
    ['the ViT stem (class token first, pos [1, 17, C])', vitStem(16)],
    ['class token last, a Mul by a [17, C] constant', vitStem(12, { op: 'Mul', clsLast: true, posShape: [17, 12] })],
    ['Sub of a scalar', vitStem(8, { op: 'Sub', posShape: [] })],
    ['Div by a per-channel constant broadcast over the tokens (kept on each Concat input)', vitStem(8, { op: 'Div', posShape: [8] })],
  ];
  for (const [name, parts] of cases) {
    it(`${name}: matches onnxruntime-node at 1 and 2 threads`, async () => {
      const { worst } = await worstAgainstOrt(parts, { x: input() });
      expect(worst).toBeLessThanOrEqual(1e-5);
      const { worst: nchw } = await worstAgainstOrt(parts, { x: input() }, { layout: 'nchw' });
      expect(nchw).toBeLessThanOrEqual(1e-5);
    });
  }

  it('a scalar of a higher rank than the Reshape\'s input (a Reshape to more dims): the moved op keeps the input\'s rank, matching onnxruntime-node', async () => {
    const p: ModelParts = {
      opset: 17,
      inputs: [valueInfo('a', FLOAT, [6, 4])],
      outputs: [valueInfo('y', FLOAT, [2, 3, 4])],
      initializers: [int64Tensor('shp', [2, 3, 4]), floatTensor('k', [1, 1, 1], [0.5])],
      nodes: [node('Relu', ['a'], ['r'], 'relu'), node('Reshape', ['r', 'shp'], ['s'], 'rs'), node('Sub', ['k', 's'], ['y'], 'sub')],
    };
    const { worst } = await worstAgainstOrt(p, { a: new Tensor('float32', Float32Array.from(seededValues(24, 9)), [6, 4]) });
    expect(worst).toBeLessThanOrEqual(1e-6);
    const g = graphOf(p, pushConstantOps);
    expect(g.nodes.map((n) => n.op)).toEqual(['Relu', 'Sub', 'Reshape']);
    expect(g.values.get(g.nodes[1].inputs[0])!.shape).toEqual([1, 1]);
  });

  it('a full-size constant over a Transpose whose perm is not its own inverse ([1, 2, 0]) is laid out by the inverse perm, matching onnxruntime-node', async () => {
    const p: ModelParts = {
      opset: 17,
      inputs: [valueInfo('a', FLOAT, [2, 3, 4])],
      outputs: [valueInfo('y', FLOAT, [3, 4, 2])],
      initializers: [floatTensor('k', [3, 4, 2], seededValues(24, 5))],
      nodes: [node('Relu', ['a'], ['r'], 'relu'), node('Transpose', ['r'], ['t'], 'tr', [attr('perm', [1, 2, 0])]), node('Sub', ['t', 'k'], ['y'], 'sub')],
    };
    const g = graphOf(p, pushConstantOps);
    expect(g.nodes.map((n) => n.op)).toEqual(['Relu', 'Sub', 'Transpose']);
    expect(g.values.get(g.nodes[1].inputs[1])!.shape).toEqual([2, 3, 4]);
    const { worst } = await worstAgainstOrt(p, { a: new Tensor('float32', Float32Array.from(seededValues(24, 9)), [2, 3, 4]) });
    expect(worst).toBeLessThanOrEqual(1e-6);
  });

  it('constants sliced along a Concat axis with a leading extent of 2, one full-rank, one of lower rank broadcast along the last axis, matching onnxruntime-node', async () => {
    const p: ModelParts = {
      opset: 17,
      inputs: [valueInfo('a', FLOAT, [2, 3, 4]), valueInfo('b', FLOAT, [2, 2, 4])],
      outputs: [valueInfo('y', FLOAT, [2, 5, 4])],
      initializers: [floatTensor('k', [2, 5, 4], seededValues(40, 5)), floatTensor('k2', [5, 1], seededValues(5, 6))],
      nodes: [node('Relu', ['a'], ['ra'], 'relu_a'), node('Relu', ['b'], ['rb'], 'relu_b'), node('Concat', ['ra', 'rb'], ['cat'], 'concat', [attr('axis', 1)]),
        node('Add', ['cat', 'k'], ['s'], 'add'), node('Mul', ['s', 'k2'], ['y'], 'mul')],
    };
    const g = graphOf(p, pushConstantOps);
    expect(g.nodes.map((n) => n.op).filter((op) => op !== 'Relu')).toEqual(['Add', 'Add', 'Mul', 'Mul', 'Concat']);
    expect(g.nodes.filter((n) => n.op === 'Add').map((n) => g.values.get(n.inputs[1])!.shape)).toEqual([[2, 3, 4], [2, 2, 4]]);
    const inputs = { a: new Tensor('float32', Float32Array.from(seededValues(24, 9)), [2, 3, 4]), b: new Tensor('float32', Float32Array.from(seededValues(16, 10)), [2, 2, 4]) };
    const { worst } = await worstAgainstOrt(p, inputs);
    expect(worst).toBeLessThanOrEqual(1e-6);
  });

  it('a Concat of a constant between two in-place inputs: the constant is copied by the kernel of the later one, matching onnxruntime-node', async () => {
    const p: ModelParts = {
      opset: 17,
      inputs: [valueInfo('a', FLOAT, [1, 4, 16])],
      outputs: [valueInfo('y', FLOAT, [1, 11, 8])],
      initializers: [floatTensor('w1', [16, 8], seededValues(128, 3)), floatTensor('w2', [16, 8], seededValues(128, 4)), floatTensor('k', [1, 3, 8], seededValues(24, 5))],
      nodes: [node('MatMul', ['a', 'w1'], ['m1'], 'mm1'), node('Relu', ['a'], ['r'], 'relu'), node('MatMul', ['r', 'w2'], ['m2'], 'mm2'),
        node('Concat', ['m1', 'k', 'm2'], ['y'], 'concat', [attr('axis', 1)])],
    };
    const { meta } = await compile(encode(p));
    expect(meta.kernels.map((k) => k.ops)).toEqual([['MatMul'], ['Relu'], ['MatMul', 'Concat']]);
    const { worst } = await worstAgainstOrt(p, { a: new Tensor('float32', Float32Array.from(seededValues(64, 9)), [1, 4, 16]) });
    expect(worst).toBeLessThanOrEqual(1e-5);
  });

  it('moves every op in a graph with many sites (20 Concat + Add branches), not just the first few', () => {
    const B = 20;
    const p: ModelParts = {
      opset: 17,
      inputs: [valueInfo('x', FLOAT, [1, 4, 8])],
      outputs: Array.from({ length: B }, (_, b) => valueInfo(`y${b}`, FLOAT, [1, 5, 8])),
      initializers: [floatTensor('k', [1, 1, 8], seededValues(8, 3)), floatTensor('pos', [1, 5, 8], seededValues(40, 4))],
      nodes: Array.from({ length: B }, (_, b) => [node('Relu', ['x'], [`r${b}`], `relu${b}`), node('Mul', ['x', `r${b}`], [`m${b}`], `mul${b}`),
        node('Concat', ['k', `m${b}`], [`c${b}`], `concat${b}`, [attr('axis', 1)]), node('Add', [`c${b}`, 'pos'], [`y${b}`], `add${b}`)]).flat(),
    };
    const g = graphOf(p, pushConstantOps);
    for (let b = 0; b < B; b++) expect(g.nodes.find((n) => n.outputs[0] === `y${b}`)!.op).toBe('Concat');
  });
});
