// Channel moves without copies (compiler/lower/plan-channel-moves.ts): ShuffleNet-style
// Concat -> Reshape -> Transpose -> Reshape -> Split/Slice chains between convolutions compile to
// no kernel at all, every reader (1x1 conv, depthwise conv, an elementwise op) still sees the right
// channels (checked against onnxruntime-node), and groups where a channel would be needed in two
// places keep their copies.

import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { onnx } from '../../compiler/frontend/onnx/proto.js';
import { compile, lowerModel } from '../../compiler/compile.js';
import { planChannelMoves } from '../../compiler/lower/plan-channel-moves.js';
import { lowerKernel } from '../../compiler/lower/pipeline.js';
import { printKernel } from '../../compiler/ir/print.js';
import { runPasses } from '../../compiler/passes/pipeline.js';
import { loadOnnx } from '../../compiler/frontend/onnx/index.js';
import { InferenceSession } from '../../runtime/session.js';
import { Tensor } from '../../runtime/tensor.js';
import { runOrtNode } from '../helpers/ort.js';
import { hasModel, modelPath, relError } from '../helpers/models.js';
import { int64Tensor, attr, encode, floatTensor, node, valueInfo, FLOAT, type ModelParts } from '../frontend/build-model.js';

const rand = (n: number, seed: number) => { let s = seed; return Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1); };
const H = 6, C = 8, h = C / 2;

/** A 1x1 conv (`cin` -> `cout`) or a 3x3 depthwise conv (`dw`), weights and bias named after it. */
function conv(name: string, x: string, y: string, cin: number, cout: number, dw = false, seed = 1): { n: onnx.INodeProto; w: onnx.ITensorProto[] } {
  const wShape = dw ? [cout, 1, 3, 3] : [cout, cin, 1, 1];
  const attrs = dw ? [attr('group', cout), attr('pads', [1, 1, 1, 1]), attr('kernel_shape', [3, 3])] : [attr('kernel_shape', [1, 1])];
  return {
    n: node('Conv', [x, `${name}.w`, `${name}.b`], [y], name, attrs),
    w: [floatTensor(`${name}.w`, wShape, rand(wShape.reduce((a, b) => a * b, 1), seed)), floatTensor(`${name}.b`, [cout], rand(cout, seed + 50))],
  };
}

/**
 * x -> c0 -> t0 (8 ch); t0[0:4] passes through, t0[4:8] -> c1 -> c2 (depthwise) -> c3 -> b;
 * s = shuffle(concat(t0[0:4], b)); split s -> (p, q): q -> c4 -> y1 (1x1 conv reader);
 * p[0:2] -> c5 (depthwise) -> y2; p[2:4] -> Sigmoid -> y3 (a non-conv reader).
 * `extra` adds a reader of s itself (so its channels would be needed twice).
 */
function shuffleUnit(extra = false): ModelParts {
  const convs = [conv('c0', 'x', 't0', C, C, false, 1), conv('c1', 'xb', 'u1', h, h, false, 2), conv('c2', 'u1', 'u2', h, h, true, 3),
    conv('c3', 'u2', 'b', h, h, false, 4), conv('c4', 'q', 'y1', h, h, false, 5), conv('c5', 'pa', 'y2', 2, 2, true, 6)];
  const slice = (x: string, y: string, lo: number, hi: number, nm: string) =>
    [node('Slice', [x, `${nm}.s`, `${nm}.e`, 'ax1'], [y], nm), int64Tensor(`${nm}.s`, [lo]), int64Tensor(`${nm}.e`, [hi])] as const;
  const slices = [slice('t0', 'pass', 0, h, 'sl0'), slice('t0', 'xb', h, C, 'sl1'), slice('p', 'pa', 0, 2, 'sl2'), slice('p', 'pb', 2, 4, 'sl3')];
  const nodes = [
    ...convs.map((c) => c.n), ...slices.map((s) => s[0]),
    node('Concat', ['pass', 'b'], ['cat'], 'cat', [attr('axis', 1)]),
    node('Reshape', ['cat', 'shape5'], ['r5'], 'r5'),
    node('Transpose', ['r5'], ['t5'], 'tr', [attr('perm', [0, 2, 1, 3, 4])]),
    node('Reshape', ['t5', 'shape4'], ['s'], 'r4'),
    node('Split', ['s', 'halves'], ['p', 'q'], 'split', [attr('axis', 1)]),
    node('Sigmoid', ['pb'], ['y3'], 'sig'),
    ...(extra ? [node('Relu', ['s'], ['y4'], 'relu')] : []),
  ];
  const out = (n: string, c: number) => valueInfo(n, FLOAT, [1, c, H, H]);
  return {
    inputs: [valueInfo('x', FLOAT, [1, C, H, H])],
    outputs: [out('y1', h), out('y2', 2), out('y3', 2), ...(extra ? [out('y4', C)] : [])],
    initializers: [...convs.flatMap((c) => c.w), ...slices.flatMap((s) => [s[1], s[2]]), int64Tensor('ax1', [1]),
      int64Tensor('shape5', [1, 2, h, H, H]), int64Tensor('shape4', [1, C, H, H]), int64Tensor('halves', [h, h])],
    nodes,
  };
}

/** Batch 2: shuffle(concat(MaxPool(x), conv(x))) -> 1x1 conv: both producers store with a channel stride of 2. */
function poolShuffle(): ModelParts {
  const c0 = conv('c0', 'x', 'a', C, C, false, 7), c1 = conv('c1', 's', 'y', 2 * C, C, false, 8);
  return {
    inputs: [valueInfo('x', FLOAT, [2, C, H, H])], outputs: [valueInfo('y', FLOAT, [2, C, H, H])],
    initializers: [...c0.w, ...c1.w, int64Tensor('shape5', [2, 2, C, H, H]), int64Tensor('shape4', [2, 2 * C, H, H])],
    nodes: [node('MaxPool', ['x'], ['m'], 'pool', [attr('kernel_shape', [3, 3]), attr('pads', [1, 1, 1, 1])]), c0.n,
      node('Concat', ['m', 'a'], ['cat'], 'cat', [attr('axis', 1)]), node('Reshape', ['cat', 'shape5'], ['r5'], 'r5'),
      node('Transpose', ['r5'], ['t5'], 'tr', [attr('perm', [0, 2, 1, 3, 4])]), node('Reshape', ['t5', 'shape4'], ['s'], 'r4'), c1.n],
  };
}

/** A one-conv branch: c1 reads rows of the group (t0[4:8]) and writes rows of the same group (b). */
function oneConvBranch(): ModelParts {
  const cs = [conv('c0', 'x', 't0', C, C, false, 11), conv('c1', 'xb', 'b', h, h, false, 12), conv('c2', 's', 'y', C, C, false, 13)];
  return {
    inputs: [valueInfo('x', FLOAT, [1, C, H, H])], outputs: [valueInfo('y', FLOAT, [1, C, H, H])],
    initializers: [...cs.flatMap((c) => c.w), int64Tensor('lo', [0]), int64Tensor('mid', [h]), int64Tensor('hi', [C]), int64Tensor('ax1', [1]),
      int64Tensor('shape5', [1, 2, h, H, H]), int64Tensor('shape4', [1, C, H, H])],
    nodes: [cs[0].n, node('Slice', ['t0', 'lo', 'mid', 'ax1'], ['pass'], 'sl0'), node('Slice', ['t0', 'mid', 'hi', 'ax1'], ['xb'], 'sl1'), cs[1].n,
      node('Concat', ['pass', 'b'], ['cat'], 'cat', [attr('axis', 1)]), node('Reshape', ['cat', 'shape5'], ['r5'], 'r5'),
      node('Transpose', ['r5'], ['t5'], 'tr', [attr('perm', [0, 2, 1, 3, 4])]), node('Reshape', ['t5', 'shape4'], ['s'], 'r4'), cs[2].n],
  };
}

async function compareWithOrt(parts: ModelParts, threads = 1): Promise<{ errs: number[]; kernels: string[] }> {
  const path = join(mkdtempSync(join(tmpdir(), 'accelc-chan-')), 'm.onnx');
  writeFileSync(path, encode(parts));
  const shape = parts.inputs![0].type!.tensorType!.shape!.dim!.map((d) => Number(d.dimValue));
  const x = new Tensor('float32', Float32Array.from(rand(shape.reduce((a, b) => a * b, 1), 9)), shape);
  const { wasm, meta } = await compile(path);
  const s = await InferenceSession.create(wasm, { threads });
  const ours = await s.run({ x });
  await s.release();
  const ref = await runOrtNode(path, { x });
  return { errs: Object.keys(ref).map((k) => relError(ours[k], ref[k])), kernels: meta.kernels.map((k) => k.ops[0]) };
}

describe('channel moves', () => {
  it('plans one group: sinks get rows, the pass-through conv and the branch conv store through row tables', () => {
    const g = runPasses(loadOnnx(encode(shuffleUnit()), { modelName: 'unit' }).graph);
    const plan = planChannelMoves(g);
    expect(plan.groups).toEqual([{ n: 1, rows: 12, e: H * H }]);
    expect([...plan.skip].map((n) => n.op).sort()).toEqual(['Concat', 'Reshape', 'Reshape', 'Slice', 'Slice', 'Slice', 'Slice', 'Split', 'Transpose']);
    // sinks in order: t0[4:8] (rows 0-3), q = (t0[2], b[2], t0[3], b[3]), pa = (t0[0], b[0]), pb = (t0[1], b[1])
    expect([...plan.sources.get('t0')!.rows]).toEqual([8, 10, 4, 6, 0, 1, 2, 3]);
    expect([...plan.sources.get('b')!.rows]).toEqual([9, 11, 5, 7]);
    expect(Object.fromEntries([...plan.sinks].map(([v, s]) => [v, s.row0]))).toEqual({ xb: 0, q: 4, pa: 8, pb: 10 });
  });

  it('compiles to the convolutions and the Sigmoid only, matching onnxruntime-node', async () => {
    const { errs, kernels } = await compareWithOrt(shuffleUnit());
    expect(kernels).toEqual(['Conv', 'Conv', 'Conv', 'Conv', 'Conv', 'Conv', 'Sigmoid']);
    for (const e of errs) expect(e).toBeLessThanOrEqual(1e-5);
  });

  it('matches onnxruntime-node on two threads', async () => {
    const { errs } = await compareWithOrt(shuffleUnit(), 2);
    for (const e of errs) expect(e).toBeLessThanOrEqual(1e-5);
  });

  it('pooling and conv producers with evenly spaced channels write strided views (batch 2)', async () => {
    const g = runPasses(loadOnnx(encode(poolShuffle()), { modelName: 'pool' }).graph);
    const plan = planChannelMoves(g);
    expect([...plan.sources.get('m')!.rows]).toEqual([0, 2, 4, 6, 8, 10, 12, 14]);
    expect([...plan.sources.get('a')!.rows]).toEqual([1, 3, 5, 7, 9, 11, 13, 15]);
    const { errs, kernels } = await compareWithOrt(poolShuffle());
    expect(kernels).toEqual(['MaxPool', 'Conv', 'Conv']);
    expect(errs[0]).toBeLessThanOrEqual(1e-5);
  });

  it('a conv reading and writing rows of the same group stays vectorized and matches onnxruntime-node', async () => {
    const { program } = lowerModel(encode(oneConvBranch()));
    const c1 = program.kernels.find((k) => k.name === 'c1')!;
    expect(printKernel(lowerKernel(c1, program))).toMatch(/v:b\S*\[0, \d+, ramp\(/);   // 4-lane stores
    const { errs, kernels } = await compareWithOrt(oneConvBranch());
    expect(kernels).toEqual(['Conv', 'Conv', 'Conv']);
    expect(errs[0]).toBeLessThanOrEqual(1e-5);
  });

  it('a channel needed in two places (the shuffled tensor is also read whole) keeps the copies', async () => {
    const g = runPasses(loadOnnx(encode(shuffleUnit(true)), { modelName: 'unit2' }).graph);
    expect(planChannelMoves(g).groups).toEqual([]);
    const { errs, kernels } = await compareWithOrt(shuffleUnit(true));
    expect(kernels).toContain('Concat');
    for (const e of errs) expect(e).toBeLessThanOrEqual(1e-5);
  });

  it.skipIf(!hasModel('shufflenet_v2_x1_0'))('ShuffleNetV2 has no more kernels than Conv, pooling and Gemm nodes (59)', () => {
    const { source, program } = lowerModel(modelPath('shufflenet_v2_x1_0'));
    const budget = source.nodes.filter((n) => ['Conv', 'Gemm', 'MatMul', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'ReduceMean'].includes(n.op)).length;
    expect(budget).toBe(59);
    expect(program.kernels.length).toBeLessThanOrEqual(budget);
    expect(program.kernels.filter((k) => ['Concat', 'Reshape', 'Transpose', 'Slice', 'Split'].includes(k.ops[0]))).toEqual([]);
  }, 60_000);
});
