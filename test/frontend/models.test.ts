// Every shared model imports, infers to static shapes, and has the output shape its README states.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isStatic, type Graph } from '../../compiler/ir/graph.js';
import { loadOnnx } from '../../compiler/frontend/onnx/index.js';

const DIR = '/work/shared/models';

const MODELS: Array<{ file: string; input: [string, number[]]; output: [string, number[]] }> = [
  { file: 'mobilenet_v2.onnx', input: ['input', [1, 3, 224, 224]], output: ['logits', [1, 1000]] },
  { file: 'resnet18.onnx', input: ['input', [1, 3, 224, 224]], output: ['logits', [1, 1000]] },
  { file: 'squeezenet1_1.onnx', input: ['input', [1, 3, 224, 224]], output: ['logits', [1, 1000]] },
  { file: 'shufflenet_v2_x1_0.onnx', input: ['input', [1, 3, 224, 224]], output: ['logits', [1, 1000]] },
  { file: 'vit_tiny.onnx', input: ['input', [1, 3, 224, 224]], output: ['logits', [1, 1000]] },
  { file: 'bert_mini.onnx', input: ['input_ids', [1, 128]], output: ['logits', [1, 2]] },
  { file: 'digits_cnn.onnx', input: ['image', [1, 1, 16, 16]], output: ['logits', [1, 10]] },
];

function checkStatic(g: Graph): void {
  for (const v of g.values.values()) expect(isStatic(v.shape), `${v.name} [${v.shape}]`).toBe(true);
  for (const n of g.nodes) {
    for (const o of n.outputs) if (o) expect(g.values.has(o), `${n.name} output ${o}`).toBe(true);
  }
}

/** Reshape nodes left in the graph must have a constant shape input. */
function reshapesFolded(g: Graph): number {
  const reshapes = g.nodes.filter((n) => n.op === 'Reshape');
  for (const n of reshapes) expect(g.values.get(n.inputs[1])?.const, `${n.name} shape`).toBeDefined();
  return reshapes.length;
}

describe('real models', () => {
  for (const m of MODELS) {
    const path = join(DIR, m.file);
    it.skipIf(!existsSync(path))(m.file, () => {
      const { graph, warnings } = loadOnnx(path);
      expect(graph.inputs).toEqual([m.input[0]]);
      expect(graph.values.get(m.input[0])!.shape).toEqual(m.input[1]);
      expect(graph.outputs).toEqual([m.output[0]]);
      const out = graph.values.get(m.output[0])!;
      expect(out.shape).toEqual(m.output[1]);
      checkStatic(graph);
      expect(graph.nodes.some((n) => ['Constant', 'Shape', 'Identity'].includes(n.op))).toBe(false);
      if (m.file === 'digits_cnn.onnx') expect(warnings).toEqual(["input 'image': dim 0 ('batch') is not fixed; assuming 1"]);
      else expect(warnings).toEqual([]);
    });
  }

  for (const file of ['shufflenet_v2_x1_0.onnx', 'vit_tiny.onnx', 'bert_mini.onnx']) {
    const path = join(DIR, file);
    it.skipIf(!existsSync(path))(`${file}: shape subgraphs fold into constant Reshape shapes`, () => {
      const { graph } = loadOnnx(path);
      expect(reshapesFolded(graph)).toBeGreaterThan(0);
      expect(graph.nodes.some((n) => ['Gather', 'Concat', 'Unsqueeze'].includes(n.op) && n.inputs.every((i) => graph.values.get(i)?.const))).toBe(false);
    });
  }

  const digits = join(DIR, 'digits_cnn.onnx');
  it.skipIf(!existsSync(digits))('digits_cnn: a batch size given in shapes replaces the symbolic dim', () => {
    const { graph, warnings } = loadOnnx(digits, { shapes: { image: [8, 1, 16, 16] } });
    expect(warnings).toEqual([]);
    expect(graph.values.get('logits')!.shape).toEqual([8, 10]);
  });
});
