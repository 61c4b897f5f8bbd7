// A LayerNorm folded into the GEMMs reading it (passes/fold-layernorm.ts): the rewrite on the IR,
// when it declines, and the outputs against onnxruntime-node at 1 and 2 threads over MatMul and
// Gemm readers, a unit-axis Transpose in between (vit's attention input), a GELU epilogue reading
// the accumulator twice, a Softmax row op after the fold, batched rows, rows not a multiple of the
// vector tile, and inputs whose rows have a large mean (the centred form, gemm-lnfold.ts).

import { describe, expect, it } from 'vitest';
import type { onnx } from '../../compiler/frontend/onnx/proto.js';
import { runPasses } from '../../compiler/passes/pipeline.js';
import { foldedLayerNorm, foldWeights } from '../../compiler/passes/fold-layernorm.js';
import { loadOnnx } from '../../compiler/frontend/onnx/index.js';
import { Tensor } from '../../runtime/tensor.js';
import { seededValues, worstAgainstOrt } from '../helpers/ort-compare.js';
import { layerNorm, lnfoldInitializers, matmulGelu } from '../helpers/lnfold-model.js';
import { floatAttr, attr, encode, floatTensor, node, valueInfo, FLOAT, type ModelParts } from '../frontend/build-model.js';

interface Case {
  /** x's shape; the LayerNorm normalizes its last axis (D) */
  x: number[];
  /** what reads the LayerNorm's output */
  readers: ('matmul' | 'gelu' | 'softmax' | 'gemm' | 'add' | 'asB')[];
  /** a Transpose between the LayerNorm and its readers */
  perm?: number[];
  lnAxis?: number;
  lnIsOutput?: boolean;
  /** gamma computed at run time (Abs of an input) */
  liveGamma?: boolean;
  /** the LayerNorm's epsilon attribute (1e-5, the default, when absent) */
  epsilon?: number;
}

const N = 24;

function model(p: Case): ModelParts {
  const D = p.x[p.x.length - 1];
  const tShape = p.perm ? p.perm.map((a) => p.x[a]) : p.x;
  const y = p.perm ? 't' : 'n';
  const lead = tShape.slice(0, -1);
  const nodes: onnx.INodeProto[] = [
    ...(p.liveGamma ? [node('Abs', ['gin'], ['gamma2'], 'abs')] : []),
    layerNorm('x', p.liveGamma ? 'gamma2' : 'gamma', 'n', 'ln', p.lnAxis ?? -1, p.epsilon ?? 1e-5),
    ...(p.perm ? [node('Transpose', ['n'], ['t'], 'transpose', [attr('perm', p.perm)])] : []),
  ];
  const outputs: onnx.IValueInfoProto[] = [];
  p.readers.forEach((r, k) => {
    const o = `y${k}`;
    if (r === 'matmul') nodes.push(node('MatMul', [y, 'w'], [o], `mm${k}`));
    else if (r === 'gelu') nodes.push(...matmulGelu(y, o, k));
    else if (r === 'softmax') nodes.push(node('MatMul', [y, 'w'], [`m${k}`], `mm${k}`), node('Softmax', [`m${k}`], [o], `sm${k}`, [attr('axis', -1)]));
    else if (r === 'gemm') nodes.push(node('Gemm', [y, 'wt', 'bias'], [o], `gemm${k}`, [attr('transB', 1), floatAttr('alpha', 0.5), floatAttr('beta', 2)]));
    else if (r === 'add') nodes.push(node('Add', [y, 'r'], [o], `add${k}`));
    else nodes.push(node('MatMul', ['wb', y], [o], `mmb${k}`));
    const shape = r === 'add' ? tShape : r === 'asB' ? [...tShape.slice(0, -2), 6, D] : [...lead, N];
    outputs.push(valueInfo(o, FLOAT, shape));
  });
  if (p.lnIsOutput) outputs.push(valueInfo('n', FLOAT, p.x));
  const rows = tShape[tShape.length - 2];
  return {
    opset: 17,
    inputs: [valueInfo('x', FLOAT, p.x), ...(p.liveGamma ? [valueInfo('gin', FLOAT, [D])] : []), ...(p.readers.includes('add') ? [valueInfo('r', FLOAT, tShape)] : [])],
    outputs,
    initializers: lnfoldInitializers(D, N, nodes, [floatTensor('wb', [6, rows], seededValues(6 * rows, 8))]),
    nodes,
  };
}

const graphOf = (p: Case) => runPasses(loadOnnx(encode(model(p)), { modelName: 'lnfold' }).graph);
const folded = (p: Case) => graphOf(p).nodes.filter((n) => foldedLayerNorm(n)).length;

describe('LayerNorm folded into the GEMMs reading it', () => {
  it('removes the LayerNorm: each MatMul reads x and its own scaled weights, and records the fold with its constants', () => {
    const epsilon = Math.fround(3e-4);   // not the default, so the fold must carry the attribute's value
    const g = graphOf({ x: [1, 20, 16], readers: ['matmul', 'matmul'], epsilon });
    expect(g.nodes.map((n) => n.op)).toEqual(['MatMul', 'MatMul']);
    for (const n of g.nodes) {
      expect(n.inputs[0]).toBe('x');
      const f = foldedLayerNorm(n)!;
      expect(f).toMatchObject({ node: 'ln' });
      expect(f.epsilon).toBeCloseTo(epsilon, 10);
      expect(n.inputs.slice(2)).toEqual([f.colsum, f.shift]);
      expect(g.values.get(n.inputs[1])!.const).toBeDefined();
    }
    expect(new Set(g.nodes.map((n) => n.inputs[1])).size).toBe(2);
    expect(g.values.has('n')).toBe(false);
  });

  it('looks through a Transpose that moves only a unit axis (vit: [1, S, D] -> [S, 1, D]), which then reads x', () => {
    const g = graphOf({ x: [1, 20, 16], perm: [1, 0, 2], readers: ['matmul'] });
    expect(g.nodes.map((n) => n.op)).toEqual(['Transpose', 'MatMul']);
    expect(g.nodes[0].inputs).toEqual(['x']);
    expect(foldedLayerNorm(g.nodes[1])).toBeDefined();
  });

  it('declines when another op, a B operand or the graph reads the output, the Transpose moves data, the axis is not the last, or gamma is computed', () => {
    expect(folded({ x: [1, 20, 16], readers: ['matmul', 'add'] })).toBe(0);
    expect(folded({ x: [1, 20, 16], readers: ['matmul', 'asB'] })).toBe(0);
    expect(folded({ x: [1, 20, 16], readers: ['matmul'], lnIsOutput: true })).toBe(0);
    expect(folded({ x: [2, 16, 16], perm: [0, 2, 1], readers: ['matmul'] })).toBe(0);
    expect(folded({ x: [4, 16], readers: ['matmul'], lnAxis: 0 })).toBe(0);
    expect(folded({ x: [1, 20, 16], readers: ['matmul'], liveGamma: true })).toBe(0);
    expect(folded({ x: [1, 20, 16], readers: ['matmul'] })).toBe(1);
  });

  it('folds gamma into the weights and beta, alpha into the column constants (transB)', () => {
    const w = { dtype: 'float32' as const, shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) };   // [N = 2, K = 3]
    const f = foldWeights(w, Float32Array.from([1, 2, 3]), Float32Array.from([1, 0, -1]), true, 0.5);
    expect([...f.weight.data]).toEqual([1, 4, 9, 4, 10, 18]);
    expect([...f.colsum.data]).toEqual([7, 16]);   // 0.5 * (1 + 4 + 9), 0.5 * (4 + 10 + 18)
    expect([...f.shift.data]).toEqual([-1, -1]);   // 0.5 * (1 - 3), 0.5 * (4 - 6)
  });

  // [name, case, offset added to x, rows given the offset (default all)]
  const cases: [string, Case, number, number?][] = [
    ['two MatMuls (attention QKV, MLP)', { x: [1, 37, 32], readers: ['matmul', 'matmul'] }, 0],
    ['vit: a unit-axis Transpose, 197 rows, a GELU epilogue reading the accumulator twice', { x: [1, 197, 64], perm: [1, 0, 2], readers: ['gelu'] }, 0],
    ['Gemm with transB, alpha 0.5, bias times 2; rows of 20 (not whole vector tiles)', { x: [13, 20], readers: ['gemm'] }, 0],
    ['batched rows [3, 9, 24] and a Softmax row op after the fold', { x: [3, 9, 24], readers: ['softmax', 'matmul'] }, 0],
    // rows whose mean is far above their spread take the centred form (gemm-lnfold.ts): as exact as the rest
    ['rows whose mean (30) is 50 times their spread', { x: [1, 40, 64], readers: ['gelu'] }, 30],
    ['rows whose mean (300) is 500 times their spread, and a Softmax row op', { x: [2, 12, 24], readers: ['softmax'] }, 300],
    ['three of 197 rows far from zero (the whole GEMM centred), the rest not', { x: [1, 197, 64], perm: [1, 0, 2], readers: ['gelu'] }, 300, 3],
    ['a mean of 5 times the spread (under the threshold: the folded form)', { x: [1, 40, 64], readers: ['matmul'] }, 3],
    ['an epsilon of 0.25 (far from the default, near the rows\' variance)', { x: [1, 37, 32], readers: ['matmul'], epsilon: 0.25 }, 0],
  ];
  for (const [name, p, offset, rows] of cases) {
    it(`${name}: matches onnxruntime-node at 1 and 2 threads, no LayerNorm kernel`, async () => {
      const size = p.x.reduce((a, b) => a * b, 1), D = p.x[p.x.length - 1];
      const x = new Tensor('float32', Float32Array.from(seededValues(size, 9), (v, i) => v + (rows === undefined || i < rows * D ? offset : 0)), p.x);
      const { worst, meta } = await worstAgainstOrt(model(p), { x });
      // far from zero, x itself and its row mean carry float32 error that any LayerNorm kernel shares
      const { worst: unfolded } = await worstAgainstOrt(model(p), { x }, { disablePasses: ['fold-layernorm'] });
      expect(worst).toBeLessThanOrEqual(Math.max(1e-5, 1.5 * unfolded));
      expect(meta.kernels.map((k) => k.ops.join('_'))).not.toContain('LayerNormalization');
      expect(meta.kernels.filter((k) => k.ops.includes('LayerNormalization')).length).toBe(p.readers.length);
    });
  }
});
