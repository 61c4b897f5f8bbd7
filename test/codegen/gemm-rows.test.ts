// A row op over the last axis fused into the GEMM producing its rows (passes/fuse-row-ops.ts,
// lower/gemm-rows.ts): the pass's rewrite on the IR, when it declines, and the fused kernel's
// outputs against onnxruntime-node at 1 and 2 threads over Gemm and MatMul hosts, a residual Add,
// a Reshape in between, a shifted last row block, rows not a multiple of the vector tile, and
// batched MatMuls.

import { describe, expect, it } from 'vitest';
import { runPasses } from '../../compiler/passes/pipeline.js';
import { fusedRowOp } from '../../compiler/passes/fuse-row-ops.js';
import { blockRows } from '../../compiler/lower/gemm-rows.js';
import { loadOnnx } from '../../compiler/frontend/onnx/index.js';
import { compareWithOrt, seededValues } from '../helpers/ort-compare.js';
import { attr, encode, floatTensor, int64Tensor, node, valueInfo, FLOAT, type ModelParts } from '../frontend/build-model.js';

const rand = seededValues;

interface Case {
  host: 'Gemm' | 'MatMul';
  /** MatMul: leading dims of A (and of an activation B when bBatched) */
  batch?: number[];
  M: number; K: number; N: number;
  row: 'LayerNormalization' | 'Softmax';
  residual?: boolean; reshape?: boolean; noBias?: boolean; bBatched?: boolean;
  /** an activation B given transposed ([.., N, K], attention's k) and transposed back by a Transpose */
  bTransposed?: boolean;
  opset?: number;
  axis?: number;
  /** a Relu also reads the row op's input; the GEMM's output is also a graph output */
  readTwice?: boolean; gemmIsOutput?: boolean;
  /** gamma computed (Abs of an input) after the GEMM */
  lateScale?: boolean;
}

/** A x W [+ r] [-> Reshape] -> row op -> y (plus the other readers' outputs). */
function model(p: Case): ModelParts {
  return trimmed(untrimmed(p));
}

function untrimmed(p: Case): ModelParts {
  const lead = p.host === 'Gemm' ? [] : p.batch ?? [];
  const gShape = [...lead, p.M, p.N];
  const yShape = p.reshape ? [1, ...gShape] : gShape;
  const bDims = p.bBatched || p.bTransposed ? [...lead, p.K, p.N] : undefined;
  const btDims = [...lead, p.N, p.K];
  const xin = p.reshape ? 'h2' : p.residual ? 'h' : 'g';
  const gamma = p.lateScale ? 'gamma2' : 'gamma';
  const nodes = [
    ...(p.bTransposed ? [node('Transpose', ['bt'], ['bm'], 'transpose', [attr('perm', [...lead.keys(), lead.length + 1, lead.length])])] : []),
    p.host === 'Gemm'
      ? node('Gemm', ['a', 'w', 'c'], ['g'], 'gemm', [attr('transB', 1)])
      : node('MatMul', ['a', bDims ? 'bm' : 'w'], ['g'], 'gemm'),
    ...(p.residual ? [node('Add', ['g', 'r'], ['h'], 'add')] : []),
    ...(p.reshape ? [node('Reshape', [p.residual ? 'h' : 'g', 'shape'], ['h2'], 'reshape')] : []),
    ...(p.lateScale ? [node('Abs', ['gin'], ['gamma2'], 'abs')] : []),
    p.row === 'LayerNormalization'
      ? node('LayerNormalization', [xin, gamma, ...(p.noBias ? [] : ['beta'])], ['y'], 'ln', [attr('axis', p.axis ?? -1), { name: 'epsilon', type: 1, f: 1e-5 }])
      : node('Softmax', [xin], ['y'], 'softmax', p.axis === undefined && (p.opset ?? 17) < 13 ? [] : [attr('axis', p.axis ?? -1)]),
    ...(p.readTwice ? [node('Relu', [xin], ['y2'], 'relu')] : []),
  ];
  const lnParams = p.axis === undefined || p.axis === -1 ? [p.N] : gShape.slice(p.axis);
  const lnN = lnParams.reduce((a, b) => a * b, 1);
  return {
    opset: p.opset ?? 17,
    inputs: [valueInfo('a', FLOAT, [...lead, p.M, p.K]), ...(p.bTransposed ? [valueInfo('bt', FLOAT, btDims)] : bDims ? [valueInfo('bm', FLOAT, bDims)] : []), ...(p.residual ? [valueInfo('r', FLOAT, gShape)] : []), ...(p.lateScale ? [valueInfo('gin', FLOAT, [p.N])] : [])],
    outputs: [valueInfo('y', FLOAT, yShape), ...(p.readTwice ? [valueInfo('y2', FLOAT, yShape)] : []), ...(p.gemmIsOutput ? [valueInfo('g', FLOAT, gShape)] : [])],
    initializers: [
      floatTensor('w', p.host === 'Gemm' ? [p.N, p.K] : [p.K, p.N], rand(p.N * p.K, 3)), floatTensor('c', [p.N], rand(p.N, 4)),
      floatTensor('gamma', lnParams, rand(lnN, 5)), floatTensor('beta', lnParams, rand(lnN, 6)),
      int64Tensor('shape', yShape),
    ],
    nodes,
  };
}

/** The model without the initializers no node reads (onnxruntime warns about them). */
function trimmed(p: ModelParts): ModelParts {
  const read = new Set(p.nodes!.flatMap((n) => n.input ?? []));
  return { ...p, initializers: p.initializers!.filter((t) => read.has(t.name!)) };
}

const graphOf = (p: Case) => runPasses(loadOnnx(encode(model(p)), { modelName: 'rows' }).graph);

describe('row ops fused into their GEMM', () => {
  it('a LayerNormalization folds into the Gemm: the Gemm takes its output, records it, and reads gamma and beta', () => {
    const g = graphOf({ host: 'Gemm', M: 32, K: 16, N: 24, row: 'LayerNormalization', residual: true });
    expect(g.nodes.map((n) => n.op)).toEqual(['Gemm']);
    const [h] = g.nodes;
    expect(h.outputs).toEqual(['y']);
    expect(h.inputs).toEqual(['a', 'w', 'c', 'r', 'gamma', 'beta']);
    expect(fusedRowOp(h)).toMatchObject({ op: 'LayerNormalization', node: 'ln', scale: 'gamma', bias: 'beta' });
    expect(fusedRowOp(h)!.epsilon).toBeCloseTo(1e-5);
    expect(g.values.has('h')).toBe(false);
  });

  it('looks through a Reshape that keeps the last axis; pads a MatMul without bias to its own inputs', () => {
    const g = graphOf({ host: 'Gemm', M: 32, K: 16, N: 24, row: 'LayerNormalization', reshape: true });
    expect(g.nodes.map((n) => n.op)).toEqual(['Gemm']);
    expect(g.values.has('h2')).toBe(false);
    const mm = graphOf({ host: 'MatMul', batch: [1], M: 32, K: 16, N: 24, row: 'LayerNormalization', noBias: true });
    expect(mm.nodes.map((n) => n.op)).toEqual(['MatMul']);
    expect(mm.nodes[0].inputs).toEqual(['a', 'w', 'gamma']);
  });

  it('a Softmax over the last axis folds into the batched q.k^T MatMul (nothing else recorded or read)', () => {
    const g = graphOf({ host: 'MatMul', batch: [4], M: 16, K: 8, N: 16, row: 'Softmax', bTransposed: true });
    expect(g.nodes.map((n) => n.op)).toEqual(['Transpose', 'MatMul']);
    expect(g.nodes[1].inputs).toEqual(['a', 'bm']);
    expect(g.nodes[1].outputs).toEqual(['y']);
    expect(fusedRowOp(g.nodes[1])).toEqual({ op: 'Softmax', node: 'softmax' });
  });

  it('declines a Softmax over other axes: axis 1 of 3, or the opset-11 default (the flattened axes from 1)', () => {
    const base: Case = { host: 'MatMul', batch: [2], M: 16, K: 8, N: 16, row: 'Softmax' };
    expect(graphOf({ ...base, axis: 1 }).nodes.some((n) => fusedRowOp(n))).toBe(false);
    expect(graphOf({ ...base, opset: 11, axis: undefined }).nodes.some((n) => fusedRowOp(n))).toBe(false);
    expect(graphOf({ ...base, opset: 11, axis: 2 }).nodes.some((n) => fusedRowOp(n))).toBe(true);
  });

  it('declines when the row op input has another reader or is a graph output, the row op is not over the last axis alone, rows are short, or its parameters are computed after the GEMM', () => {
    const base: Case = { host: 'Gemm', M: 32, K: 16, N: 24, row: 'LayerNormalization' };
    const declined = (p: Case) => graphOf(p).nodes.every((n) => !fusedRowOp(n));
    expect(declined({ ...base, residual: true, reshape: true, readTwice: true })).toBe(true);
    expect(declined({ ...base, gemmIsOutput: true })).toBe(true);
    expect(declined({ ...base, host: 'MatMul', batch: [2], axis: 1 })).toBe(true);
    expect(declined({ ...base, N: 4 })).toBe(true);
    expect(declined({ ...base, lateScale: true })).toBe(true);
  });

  it('takes row blocks of 8 to 16 rows (a multiple of the register tile) computing the fewest rows twice', () => {
    expect(blockRows(128)).toBe(16);
    expect(blockRows(197)).toBe(8);      // 200 rows computed; 16 would compute 208
    expect(blockRows(64)).toBe(8);       // 8 blocks for the threads
    expect(blockRows(37)).toBe(8);
    expect(blockRows(3)).toBe(3);
  });

  const cases: [string, Case][] = [
    ['Gemm + residual + LayerNormalization (bert out-projection)', { host: 'Gemm', M: 128, K: 64, N: 96, row: 'LayerNormalization', residual: true, reshape: true }],
    ['MatMul, rows a shifted last block and N not a multiple of 8, no bias', { host: 'MatMul', batch: [1], M: 37, K: 24, N: 20, row: 'LayerNormalization', noBias: true }],
    ['MatMul over 197 rows (vit), residual', { host: 'MatMul', batch: [1], M: 197, K: 32, N: 48, row: 'LayerNormalization', residual: true }],
    ['batched MatMul with an activation B', { host: 'MatMul', batch: [3], M: 20, K: 16, N: 40, row: 'LayerNormalization', bBatched: true }],
    ['Softmax after attention scores (4 heads, B transposed, packed)', { host: 'MatMul', batch: [4], M: 128, K: 64, N: 128, row: 'Softmax', bTransposed: true }],
    ['Softmax over 197 keys (vit: no whole vector tiles, exps to scratch), a shifted last block', { host: 'MatMul', batch: [3], M: 197, K: 16, N: 197, row: 'Softmax', bTransposed: true }],
    ['Softmax after a Gemm + residual, rows of 12', { host: 'Gemm', M: 37, K: 16, N: 12, row: 'Softmax', residual: true }],
  ];
  for (const [name, p] of cases) {
    it(`${name}: one kernel, matching onnxruntime-node at 1 and 2 threads`, async () => {
      for (const threads of [1, 2]) {
        const { err, ops } = await compareWithOrt(model(p), threads, 2);
        expect(ops).toEqual([[p.host, ...(p.residual ? ['Add'] : []), p.row]]);
        expect(err).toBeLessThanOrEqual(1e-5);
      }
    });
  }

  // Found in review: a MatMul with a 1-D B (no column axis) and a tree epilogue behind a Reshape.
  const oneDimB = (row: 'Softmax' | 'LayerNormalization'): ModelParts => ({
    opset: 17,
    inputs: [valueInfo('a', FLOAT, [2, 16, 32])],
    outputs: [valueInfo('y', FLOAT, [2, 16])],
    initializers: [floatTensor('w', [32], rand(32, 3)), floatTensor('gamma', [16], rand(16, 5)), floatTensor('beta', [16], rand(16, 6))],
    nodes: [node('MatMul', ['a', 'w'], ['g'], 'mm'),
      row === 'Softmax' ? node('Softmax', ['g'], ['y'], 'sm', [attr('axis', -1)]) : node('LayerNormalization', ['g', 'gamma', 'beta'], ['y'], 'ln', [attr('axis', -1)])],
  });
  for (const row of ['Softmax', 'LayerNormalization'] as const) {
    it(`a MatMul with a 1-D B keeps its ${row} apart (its output's last axis is not a GEMM row), matching onnxruntime-node`, async () => {
      const { err, ops } = await compareWithOrt(oneDimB(row), 1);
      expect(ops).toEqual([['MatMul'], [row]]);
      expect(err).toBeLessThanOrEqual(1e-5);
    });
  }
  for (const shape of [[16, 16], [4, 4, 16]]) {
    it(`an elementwise-tree epilogue (Mul by a tensor) before a Reshape to [${shape}] and a LayerNorm indexes the GEMM's shape`, async () => {
      const p: ModelParts = {
        opset: 17,
        inputs: [valueInfo('a', FLOAT, [2, 8, 32]), valueInfo('r', FLOAT, [2, 8, 16])],
        outputs: [valueInfo('y', FLOAT, shape)],
        initializers: [floatTensor('w', [32, 16], rand(512, 3)), floatTensor('gamma', [16], rand(16, 5)), floatTensor('beta', [16], rand(16, 6)),
          int64Tensor('shape', shape)],
        nodes: [node('MatMul', ['a', 'w'], ['g'], 'mm'), node('Mul', ['g', 'r'], ['h'], 'mul'), node('Reshape', ['h', 'shape'], ['h2'], 'rs'),
          node('LayerNormalization', ['h2', 'gamma', 'beta'], ['y'], 'ln', [attr('axis', -1)])],
      };
      for (const threads of [1, 2]) {
        const { err, ops } = await compareWithOrt(p, threads);
        expect(ops).toEqual([['MatMul', 'Mul', 'LayerNormalization']]);
        expect(err).toBeLessThanOrEqual(1e-5);
      }
    });
  }

  // A chain of row ops over the same rows (bert's last block: its norm2, then the final LayerNorm).
  const chained = (second: 'Softmax' | 'LayerNormalization', N: number): ModelParts => ({
    opset: 17,
    inputs: [valueInfo('a', FLOAT, [2, 12, 16])], outputs: [valueInfo('y', FLOAT, [2, 12, N])],
    initializers: [floatTensor('w', [16, N], rand(16 * N, 3)), floatTensor('g1', [N], rand(N, 5)), floatTensor('b1', [N], rand(N, 6)),
      floatTensor('g2', [N], rand(N, 7)), floatTensor('b2', [N], rand(N, 8))],
    nodes: [node('MatMul', ['a', 'w'], ['h'], 'mm'), node('LayerNormalization', ['h', 'g1', 'b1'], ['n1'], 'ln1', [attr('axis', -1)]),
      second === 'Softmax' ? node('Softmax', ['n1'], ['y'], 'sm', [attr('axis', -1)]) : node('LayerNormalization', ['n1', 'g2', 'b2'], ['y'], 'ln2', [attr('axis', -1)])],
  });
  it('chains a row op reading the previous one\'s output alone: recorded as next, its parameters read', () => {
    const g = runPasses(loadOnnx(encode(chained('LayerNormalization', 24)), { modelName: 'chain' }).graph);
    expect(g.nodes.map((n) => n.op)).toEqual(['MatMul']);
    const row = fusedRowOp(g.nodes[0])!;
    expect([row.node, row.next?.node, row.next?.next]).toEqual(['ln1', 'ln2', undefined]);
    expect(g.nodes[0].inputs.slice(-4)).toEqual(['g1', 'b1', 'g2', 'b2']);
    expect(g.values.has('n1')).toBe(false);
  });
  for (const [second, N] of [['LayerNormalization', 24], ['Softmax', 20]] as const) {
    it(`LayerNorm then ${second} over rows of ${N} in one kernel, matching onnxruntime-node at 1 and 2 threads`, async () => {
      for (const threads of [1, 2]) {
        const { err, ops } = await compareWithOrt(chained(second, N), threads);
        expect(ops).toEqual([['MatMul', 'LayerNormalization', second]]);
        expect(err).toBeLessThanOrEqual(1e-5);
      }
    });
  }
});
