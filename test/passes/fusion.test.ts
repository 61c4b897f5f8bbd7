// fuse-elementwise and fuse-layernorm: the graph after the pass, and the compiled outputs against
// onnxruntime-node (the fused kernels must compute what the separate ops did).

import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOnnx } from '../../compiler/frontend/onnx/index.js';
import { fuseElementwise, FUSED_KEY } from '../../compiler/passes/fuse-elementwise.js';
import { fuseLayerNorm } from '../../compiler/passes/fuse-layernorm.js';
import { fuseEpilogueTrees } from '../../compiler/passes/fuse-epilogue-tree.js';
import { runPasses } from '../../compiler/passes/pipeline.js';
import { compile } from '../../compiler/compile.js';
import { InferenceSession } from '../../runtime/session.js';
import { Tensor } from '../../runtime/tensor.js';
import { runOrtNode } from '../helpers/ort.js';
import { relError } from '../helpers/models.js';
import { encode, floatTensor, node, valueInfo, FLOAT, INT64, type ModelParts } from '../frontend/build-model.js';

const rand = (n: number, seed: number) => { let s = seed; return Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 4 - 2); };
const x = valueInfo('x', FLOAT, [2, 8, 16]);
const y = valueInfo('y', FLOAT, [2, 8, 16]);

// GELU as exported: x * 0.5 * (1 + erf(x / sqrt 2)), after a bias add
const gelu: ModelParts = {
  inputs: [x], outputs: [y],
  initializers: [floatTensor('bias', [16], rand(16, 1)), floatTensor('sqrt2', [], [Math.SQRT2]), floatTensor('one', [], [1]), floatTensor('half', [], [0.5])],
  nodes: [node('Add', ['x', 'bias'], ['a'], 'bias'), node('Div', ['a', 'sqrt2'], ['d'], 'div'), node('Erf', ['d'], ['e'], 'erf'),
    node('Add', ['e', 'one'], ['p'], 'plus'), node('Mul', ['a', 'p'], ['m'], 'mul'), node('Mul', ['m', 'half'], ['y'], 'half')],
};

const layerNorm: ModelParts = {
  inputs: [x], outputs: [y],
  initializers: [floatTensor('two', [], [2]), floatTensor('eps', [], [1e-5]), floatTensor('gamma', [16], rand(16, 2)), floatTensor('beta', [16], rand(16, 3))],
  nodes: [node('ReduceMean', ['x'], ['mu'], 'mean', [{ name: 'axes', type: 7, ints: [-1] }]), node('Sub', ['x', 'mu'], ['d'], 'sub'),
    node('Pow', ['d', 'two'], ['sq'], 'pow'), node('ReduceMean', ['sq'], ['var'], 'var', [{ name: 'axes', type: 7, ints: [-1] }]),
    node('Add', ['var', 'eps'], ['ve'], 'addeps'), node('Sqrt', ['ve'], ['sd'], 'sqrt'), node('Div', ['d', 'sd'], ['n'], 'div'),
    node('Mul', ['n', 'gamma'], ['g'], 'scale'), node('Add', ['g', 'beta'], ['y'], 'shift')],
};

async function compareWithOrt(parts: ModelParts): Promise<{ err: number; kernels: string[] }> {
  const path = join(mkdtempSync(join(tmpdir(), 'accelc-fuse-')), 'm.onnx');
  writeFileSync(path, encode(parts));
  const input = new Tensor('float32', Float32Array.from(rand(256, 9)), [2, 8, 16]);
  const { wasm, meta } = await compile(path);
  const s = await InferenceSession.create(wasm);
  const ours = (await s.run({ x: input })).y;
  await s.release();
  return { err: relError(ours, (await runOrtNode(path, { x: input })).y), kernels: meta.kernels.map((k) => k.ops.join('_')) };
}

describe('fuse-elementwise', () => {
  it('a GELU chain becomes one node; the bias add, read twice, stays its own (nothing is recomputed)', () => {
    const g = fuseElementwise(loadOnnx(encode(gelu), { modelName: 'gelu' }).graph);
    expect(g.nodes.map((n) => n.op)).toEqual(['Add', 'FusedElementwise']);
    expect(g.nodes[1].inputs).toEqual(['a', 'sqrt2', 'one', 'half']);
    expect(JSON.parse(g.nodes[1].attrs[FUSED_KEY] as string).op).toBe('Mul');
  });

  it('a value that is a graph output is not inlined', () => {
    const parts: ModelParts = { ...gelu, outputs: [y, valueInfo('p', FLOAT, [2, 8, 16])] };
    const g = fuseElementwise(loadOnnx(encode(parts), { modelName: 'gelu2' }).graph);
    expect(g.nodes.map((n) => n.op)).toEqual(['Add', 'FusedElementwise', 'FusedElementwise']);
    expect(g.nodes[1].outputs).toEqual(['p']);
  });

  it('the fused kernel matches onnxruntime-node', async () => {
    const { err, kernels } = await compareWithOrt(gelu);
    expect(kernels).toEqual(['Add', 'Div_Erf_Add_Mul_Mul']);
    expect(err).toBeLessThanOrEqual(1e-5);
  });
});

describe('fuse-layernorm', () => {
  it('the exported layer-norm pattern becomes one LayerNormalization node', () => {
    const g = fuseLayerNorm(loadOnnx(encode(layerNorm), { modelName: 'ln' }).graph);
    expect(g.nodes.map((n) => n.op)).toEqual(['LayerNormalization']);
    expect(g.nodes[0].inputs).toEqual(['x', 'gamma', 'beta']);
    expect(g.nodes[0].attrs.epsilon).toBeCloseTo(1e-5);
  });

  it('one kernel, matching onnxruntime-node', async () => {
    const { err, kernels } = await compareWithOrt(layerNorm);
    expect(kernels).toEqual(['LayerNormalization']);
    expect(err).toBeLessThanOrEqual(1e-5);
  });
});

describe('fuse-epilogue-tree', () => {
  // x @ W + bias, then GELU: MatMul and the whole chain in one kernel
  const mm: ModelParts = {
    inputs: [x], outputs: [valueInfo('y', FLOAT, [2, 8, 12])],
    initializers: [floatTensor('W', [16, 12], rand(192, 4)), floatTensor('bias', [12], rand(12, 5)), floatTensor('sqrt2', [], [Math.SQRT2]),
      floatTensor('one', [], [1]), floatTensor('half', [], [0.5])],
    nodes: [node('MatMul', ['x', 'W'], ['h'], 'mm'), node('Add', ['bias', 'h'], ['a'], 'bias'), node('Mul', ['a', 'half'], ['y'], 'scale')],
  };

  /** The model's kernels (ops joined) and its output's relative error against onnxruntime-node. */
  async function kernelsAndError(parts: ModelParts): Promise<{ kernels: string[]; err: number }> {
    const path = join(mkdtempSync(join(tmpdir(), 'accelc-fuse-')), 'm.onnx');
    writeFileSync(path, encode(parts));
    const input = new Tensor('float32', Float32Array.from(rand(256, 9)), [2, 8, 16]);
    const { wasm, meta } = await compile(path);
    const s = await InferenceSession.create(wasm);
    const ours = (await s.run({ x: input })).y;
    await s.release();
    return { kernels: meta.kernels.map((k) => k.ops.join('_')), err: relError(ours, (await runOrtNode(path, { x: input })).y) };
  }

  it('MatMul + bias + scale is one kernel matching onnxruntime-node', async () => {
    const { kernels, err } = await kernelsAndError(mm);
    expect(kernels).toEqual(['MatMul_Add_Mul']);
    expect(err).toBeLessThanOrEqual(1e-5);
  });

  // the bias Add is fused first; the GELU tree reading its output twice follows in a later round
  const mmGelu: ModelParts = {
    ...mm,
    nodes: [node('MatMul', ['x', 'W'], ['h'], 'mm'), ...gelu.nodes!.map((n) => (n.name === 'bias' ? node('Add', ['h', 'bias'], ['a'], 'bias') : n))],
  };

  it('MatMul + bias + GELU is one kernel matching onnxruntime-node', async () => {
    const { kernels, err } = await kernelsAndError(mmGelu);
    expect(kernels).toEqual(['MatMul_Add_Div_Erf_Add_Mul_Mul']);
    expect(err).toBeLessThanOrEqual(1e-5);
  });
});

describe('fuse-epilogue-tree: an embedding Gather hosts its elementwise consumer', () => {
  const V = 7, S = 5, E = 8;
  // token embedding + position embedding (same shape), then a scale: one kernel
  const embed = (leaf: { name: string; dims: number[] } = { name: 'pos', dims: [2, S, E] }): ModelParts => ({
    inputs: [valueInfo('ids', INT64, [2, S])], outputs: [valueInfo('y', FLOAT, [2, S, E])],
    initializers: [floatTensor('emb', [V, E], rand(V * E, 6)), floatTensor(leaf.name, leaf.dims, rand(leaf.dims.reduce((a, b) => a * b, 1), 7)),
      floatTensor('half', [], [0.5])],
    nodes: [node('Gather', ['emb', 'ids'], ['tok'], 'embed'), node('Add', ['tok', leaf.name], ['a'], 'pos_add'), node('Mul', ['a', 'half'], ['y'], 'scale')],
  });

  async function kernelsAndError(parts: ModelParts, threads = 1): Promise<{ kernels: string[]; err: number }> {
    const path = join(mkdtempSync(join(tmpdir(), 'accelc-fuse-')), 'm.onnx');
    writeFileSync(path, encode(parts));
    const ids = new Tensor('int64', BigInt64Array.from([0, 3, 6, -1, 2, 5, 1, -7, 4, 3], BigInt), [2, S]);   // negative ids count from the end
    const { wasm, meta } = await compile(path);
    const s = await InferenceSession.create(wasm, { threads });
    const ours = (await s.run({ ids })).y;
    await s.release();
    return { kernels: meta.kernels.map((k) => k.ops.join('_')), err: relError(ours, (await runOrtNode(path, { ids })).y) };
  }

  it('the Gather takes the Add of a same-shape tensor and the scale after it', () => {
    const g = fuseEpilogueTrees(fuseElementwise(loadOnnx(encode(embed()), { modelName: 'embed' }).graph));
    expect(g.nodes.map((n) => n.op)).toEqual(['Gather']);
    expect(g.nodes[0].inputs).toEqual(['emb', 'ids', 'pos', 'half']);
    expect(g.nodes[0].outputs).toEqual(['y']);
  });

  it('a leaf broadcast along the rows is not fused (the Gather takes scalars and same-shape leaves only)', () => {
    const g = runPasses(loadOnnx(encode(embed({ name: 'bias', dims: [E] })), { modelName: 'embed2' }).graph);
    expect(g.nodes.map((n) => n.op)).toEqual(['Gather', 'FusedElementwise']);
  });

  it('one kernel, matching onnxruntime-node on 1 and 2 threads', async () => {
    for (const threads of [1, 2]) {
      const { kernels, err } = await kernelsAndError(embed(), threads);
      expect(kernels).toEqual(['Gather_Add_Mul']);
      expect(err).toBeLessThanOrEqual(1e-6);
    }
    const { kernels, err } = await kernelsAndError(embed({ name: 'bias', dims: [E] }));
    expect(kernels).toEqual(['Gather', 'Add_Mul']);
    expect(err).toBeLessThanOrEqual(1e-6);
  });
});
