// Each graph pass on a small graph: the IR before and after, and for the numeric folds, the
// compiled model's outputs with the pass on and off against onnxruntime-node.

import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOnnx } from '../../compiler/frontend/onnx/index.js';
import type { Graph } from '../../compiler/ir/graph.js';
import { removeIdentity } from '../../compiler/passes/remove-identity.js';
import { eliminateCommonSubexpressions } from '../../compiler/passes/cse.js';
import { eliminateDeadNodes } from '../../compiler/passes/dead-nodes.js';
import { foldBatchNorm } from '../../compiler/passes/fold-batchnorm.js';
import { foldScaleShift } from '../../compiler/passes/fold-scale-shift.js';
import { fuseEpilogues } from '../../compiler/passes/fuse-epilogue.js';
import { foldMatMulScale } from '../../compiler/passes/fold-matmul-scale.js';
import { compile } from '../../compiler/compile.js';
import { InferenceSession } from '../../runtime/session.js';
import { Tensor } from '../../runtime/tensor.js';
import { runOrtNode } from '../helpers/ort.js';
import { relError } from '../helpers/models.js';
import { encode, floatTensor, node, valueInfo, FLOAT, type ModelParts } from '../frontend/build-model.js';

const rand = (n: number, seed: number) => { let s = seed; return Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1); };
const graphOf = (p: ModelParts): Graph => loadOnnx(encode(p), { modelName: 'test' }).graph;
const ops = (g: Graph) => g.nodes.map((n) => n.op);
const attr = (name: string, v: number | number[]) => (Array.isArray(v) ? { name, type: 7, ints: v } : typeof v === 'number' && !Number.isInteger(v) ? { name, type: 1, f: v } : { name, type: 2, i: v });

const x = valueInfo('x', FLOAT, [1, 4, 6, 6]);
const y = valueInfo('y', FLOAT, [1, 4, 6, 6]);
const conv = (out: string, inp = 'x', bias = true) => node('Conv', bias ? [inp, 'w', 'b'] : [inp, 'w'], [out], `conv_${out}`, [attr('pads', [1, 1, 1, 1])]);
const weights = [floatTensor('w', [4, 4, 3, 3], rand(144, 1)), floatTensor('b', [4], rand(4, 2))];

describe('graph passes', () => {
  it('remove-identity: consumers read the input; an Identity that is a graph output stays', () => {
    const g = graphOf({ inputs: [x], outputs: [y, valueInfo('z', FLOAT, [1, 4, 6, 6])], initializers: weights,
      nodes: [node('Identity', ['x'], ['i'], 'id1'), conv('c', 'i'), node('Dropout', ['c'], ['y'], 'drop'), node('Identity', ['c'], ['z'], 'id2')] });
    const after = removeIdentity(g);
    expect(ops(after)).toEqual(['Conv', 'Dropout', 'Identity']);
    expect(after.nodes[0].inputs[0]).toBe('x');
  });

  it('cse: a duplicate node goes, its uses read the first', () => {
    const g = graphOf({ inputs: [x], outputs: [y], nodes: [node('Relu', ['x'], ['a'], 'r1'), node('Relu', ['x'], ['b'], 'r2'), node('Add', ['a', 'b'], ['y'], 'add')] });
    const after = eliminateDeadNodes(eliminateCommonSubexpressions(g));
    expect(ops(after)).toEqual(['Relu', 'Add']);
    expect(after.nodes[1].inputs).toEqual(['a', 'a']);
  });

  it('dead-nodes: what no output needs goes', () => {
    const g = graphOf({ inputs: [x], outputs: [y], nodes: [node('Relu', ['x'], ['y'], 'r'), node('Sigmoid', ['x'], ['unused'], 's')] });
    expect(ops(eliminateDeadNodes(g))).toEqual(['Relu']);
  });

  it('fuse-epilogue: Conv -> Add(residual) -> Relu becomes one node, the residual an input', () => {
    const g = graphOf({ inputs: [x], outputs: [y], initializers: weights,
      nodes: [conv('c'), node('Add', ['c', 'x'], ['s'], 'add'), node('Relu', ['s'], ['y'], 'relu')] });
    const after = fuseEpilogues(g);
    expect(ops(after)).toEqual(['Conv']);
    expect(after.nodes[0].outputs).toEqual(['y']);
    expect(after.nodes[0].inputs).toEqual(['x', 'w', 'b', 'x']);
    expect(JSON.parse(after.nodes[0].attrs['accelc.epilogue'] as string)).toEqual([{ op: 'Add', operand: 'x' }, { op: 'Relu' }]);
  });

  it('fuse-epilogue leaves a chain whose middle value has another use', () => {
    const g = graphOf({ inputs: [x], outputs: [y, valueInfo('c', FLOAT, [1, 4, 6, 6])], initializers: weights, nodes: [conv('c'), node('Relu', ['c'], ['y'], 'relu')] });
    expect(ops(fuseEpilogues(g))).toEqual(['Conv', 'Relu']);
  });
});

const bnParts = (): ModelParts => ({
  inputs: [x], outputs: [y],
  initializers: [weights[0], floatTensor('scale', [4], rand(4, 3).map((v) => v + 1.5)), floatTensor('shift', [4], rand(4, 4)),
    floatTensor('mean', [4], rand(4, 5)), floatTensor('var', [4], rand(4, 6).map((v) => v + 1.2)), floatTensor('s3', [1, 4, 1, 1], rand(4, 7)),
    floatTensor('t3', [4, 1, 1], rand(4, 8))],
  nodes: [conv('c', 'x', false), node('BatchNormalization', ['c', 'scale', 'shift', 'mean', 'var'], ['bn'], 'bn', [attr('epsilon', 1e-3)]),
    node('Mul', ['bn', 's3'], ['m'], 'mul'), node('Add', ['m', 't3'], ['a'], 'add'), node('Relu', ['a'], ['y'], 'relu')],
});

describe('numeric folds keep outputs unchanged', () => {
  it('fold-batchnorm then fold-scale-shift leave one Conv', () => {
    const after = foldScaleShift(foldBatchNorm(graphOf(bnParts())));
    expect(ops(after)).toEqual(['Conv', 'Relu']);
  });

  it('an unfolded BatchNormalization (+ Mul, Add by constants) folds into the Conv; outputs match the unfolded model and onnxruntime-node', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'accelc-bn-'));
    const path = join(dir, 'bn.onnx');
    writeFileSync(path, encode(bnParts()));
    const input = new Tensor('float32', Float32Array.from(rand(144, 9)), [1, 4, 6, 6]);
    const runWith = async (disable: string[]) => {
      const { wasm, meta } = await compile(path, { disablePasses: disable });
      const s = await InferenceSession.create(wasm);
      const out = (await s.run({ x: input })).y;
      await s.release();
      return { out, kernels: [...new Set(meta.kernels.map((k) => `${k.nodes.join('+')}:${k.ops.join('_')}`))].map((k) => k.split(':')[1]) };
    };
    const folded = await runWith([]);
    const unfolded = await runWith(['fold-batchnorm', 'fold-scale-shift']);
    const ort = (await runOrtNode(path, { x: input })).y;
    expect(folded.kernels.filter((k) => k.startsWith('Conv'))).toEqual(['Conv_Relu']);
    expect(folded.kernels.some((k) => k.includes('BatchNormalization'))).toBe(false);
    expect(unfolded.kernels.some((k) => k.includes('BatchNormalization'))).toBe(true);
    expect(relError(folded.out, ort)).toBeLessThanOrEqual(1e-5);
    expect(relError(unfolded.out, ort)).toBeLessThanOrEqual(1e-5);
  });
});

describe('fold-matmul-scale', () => {
  // y = MatMul(Div(q, 8), k) + MatMul(Mul(q, 0.5), k2) where Mul(q, 0.5) is also read elsewhere (stays).
  const q = valueInfo('q', FLOAT, [2, 3, 4]), k = valueInfo('k', FLOAT, [2, 4, 5]);
  const parts = (): ModelParts => ({
    inputs: [q, k], outputs: [valueInfo('y', FLOAT, [2, 3, 5]), valueInfo('h', FLOAT, [2, 3, 4])],
    initializers: [floatTensor('c', [], [8]), floatTensor('half', [1], [0.5]), floatTensor('k2', [4, 5], rand(20, 5))],
    nodes: [
      node('Div', ['q', 'c'], ['qs'], 'div'), node('MatMul', ['qs', 'k'], ['a'], 'mm1'),
      node('Mul', ['q', 'half'], ['h'], 'mul'), node('MatMul', ['h', 'k2'], ['b'], 'mm2'),
      node('Add', ['a', 'b'], ['y'], 'add'),
    ],
  });

  it('moves a scalar Div of a MatMul operand after the MatMul; a scaled value read elsewhere stays', () => {
    const after = foldMatMulScale(graphOf(parts()));
    expect(ops(after)).toEqual(['MatMul', 'Div', 'Mul', 'MatMul', 'Add']);
    expect(after.nodes[0].inputs).toEqual(['q', 'k']);
    expect(after.nodes[1].inputs).toEqual([after.nodes[0].outputs[0], 'c']);
    expect(after.nodes[1].outputs).toEqual(['a']);
    expect(after.values.has('qs')).toBe(false);
  });

  it('the compiled model fuses the moved Div into the MatMul kernel and matches onnxruntime-node', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'accelc-mmscale-'));
    const path = join(dir, 'mmscale.onnx');
    writeFileSync(path, encode(parts()));
    const feeds = { q: new Tensor('float32', Float32Array.from(rand(24, 3)), [2, 3, 4]), k: new Tensor('float32', Float32Array.from(rand(40, 4)), [2, 4, 5]) };
    const { wasm, meta } = await compile(path);
    expect(meta.kernels.map((kk) => kk.ops.join('_'))).toContain('MatMul_Div');
    expect(meta.kernels.some((kk) => kk.ops.join('_') === 'Div')).toBe(false);
    const s = await InferenceSession.create(wasm);
    const ours = await s.run(feeds);
    await s.release();
    const ort = await runOrtNode(path, feeds);
    expect(relError(ours.y, ort.y)).toBeLessThanOrEqual(1e-5);
    expect(relError(ours.h, ort.h)).toBeLessThanOrEqual(1e-6);
  });
});

