// importModel + inferShapes on small built models: structure checks, tensors, folding, misuse.

import { describe, expect, it } from 'vitest';
import { importModel } from '../../compiler/frontend/onnx/import.js';
import { inferShapes } from '../../compiler/frontend/onnx/infer.js';
import { loadOnnx } from '../../compiler/frontend/onnx/index.js';
import { lowerModel } from '../../compiler/compile.js';
import type { onnx } from '../../compiler/frontend/onnx/proto.js';
import { encode, expectError, FLOAT, floatTensor, INT64, node, valueInfo, type ModelParts } from './build-model.js';

const load = (p: ModelParts, shapes?: Record<string, number[]>) => loadOnnx(encode(p), { modelName: 'm', shapes });

describe('unsupported operators', () => {
  it('lists every unsupported node in one error', () => {
    const msg = expectError(() => load({
      nodes: [
        node('Foo', ['x'], ['a'], 'n1'),
        node('Relu', ['a'], ['b'], 'r'),
        node('Bar', ['b'], ['c']),
        { ...node('Baz', ['c'], ['y'], 'n3'), domain: 'com.example' },
      ],
      inputs: [valueInfo('x', FLOAT, [1])],
      outputs: [valueInfo('y', FLOAT, [1])],
    }), 'E_UNSUPPORTED');
    expect(msg).toBe('E_UNSUPPORTED: model m: 3 unsupported operators: Foo (opset 13) at node n1; '
      + 'Bar (opset 13) at node Bar_2; com.example.Baz (opset 13) at node n3');
  });
});

describe('graph structure', () => {
  it('refuses an output nothing produces', () => {
    expectError(() => load({
      nodes: [node('Relu', ['x'], ['y'])],
      inputs: [valueInfo('x', FLOAT, [1])],
      outputs: [valueInfo('z', FLOAT, [1])],
    }), 'E_MODEL', /graph output 'z' is not produced/);
  });
  it('refuses a cycle', () => {
    expectError(() => load({
      nodes: [node('Add', ['x', 'c'], ['a'], 'A'), node('Relu', ['a'], ['b'], 'B'), node('Relu', ['b'], ['c'], 'C')],
      inputs: [valueInfo('x', FLOAT, [1])],
      outputs: [valueInfo('c', FLOAT, [1])],
    }), 'E_MODEL', /cycle: A -> C -> B -> A/);
  });
  it('refuses undefined inputs and values defined twice', () => {
    expectError(() => load({
      nodes: [node('Add', ['x', 'ghost'], ['y'], 'A')],
      inputs: [valueInfo('x', FLOAT, [1])],
      outputs: [valueInfo('y', FLOAT, [1])],
    }), 'E_MODEL', /node 'A'.*'ghost' is not produced/);
    expectError(() => load({
      nodes: [node('Relu', ['x'], ['y'], 'A'), node('Relu', ['x'], ['y'], 'B')],
      inputs: [valueInfo('x', FLOAT, [1])],
      outputs: [valueInfo('y', FLOAT, [1])],
    }), 'E_MODEL', /'y' is defined more than once/);
  });
  it('sorts nodes given out of order and names unnamed ones', () => {
    const { graph } = load({
      nodes: [node('Relu', ['a'], ['y']), node('Neg', ['x'], ['a'])],
      inputs: [valueInfo('x', FLOAT, [2])],
      outputs: [valueInfo('y', FLOAT, [2])],
    });
    expect(graph.nodes.map((n) => n.name)).toEqual(['Neg_1', 'Relu_0']);
  });
});

describe('tensors', () => {
  const withInit = (t: Omit<onnx.ITensorProto, 'name'>) => load({
    nodes: [node('Add', ['x', 'w'], ['y'])],
    inputs: [valueInfo('x', FLOAT, [4])],
    outputs: [valueInfo('y', FLOAT, [4])],
    initializers: [{ name: 'w', ...t }],
  });
  it('refuses dims that disagree with the payload', () => {
    expectError(() => withInit({ dims: [4], dataType: FLOAT, rawData: new Uint8Array(12) }), 'E_MODEL', /tensor 'w': raw_data holds 12 bytes but shape \[4\]/);
    expectError(() => withInit({ dims: [4], dataType: FLOAT, floatData: [1, 2, 3] }), 'E_MODEL', /float_data holds 3 values but its shape needs 4/);
    expectError(() => withInit({ dims: [4], dataType: FLOAT }), 'E_MODEL', /tensor 'w': has no data/);
    expectError(() => withInit({ dims: [-4], dataType: FLOAT }), 'E_MODEL', /negative/);
    expectError(() => withInit({ dims: [65536, 65536], dataType: FLOAT }), 'E_MODEL', /exceed 2147483648 elements/);
    expectError(() => withInit({ dims: [1], dataType: 8, stringData: [new Uint8Array(1)] }), 'E_UNSUPPORTED', /STRING/);
  });
  it('reads int64 exactly, float16 as bits, bool as bytes', () => {
    const big = 2n ** 62n + 1n;
    const { graph } = load({
      nodes: [
        { ...node('Constant', [], ['k'], 'k'), attribute: [{ name: 'value_ints', type: 7, ints: [{ low: 1, high: 2 ** 30, unsigned: false } as never, -3] }] },
        node('Concat', ['k', 'i'], ['y'], 'cat', [{ name: 'axis', type: 2, i: 0 }]),
      ],
      outputs: [valueInfo('y', INT64, [4])],
      initializers: [
        { name: 'i', dims: [2], dataType: INT64, int64Data: [{ low: 0, high: -1, unsigned: false } as never, 5] },
        { name: 'h', dims: [2], dataType: 10, int32Data: [0x3c00, 0xc000] },
        { name: 'b', dims: [2], dataType: 9, int32Data: [1, 0] },
      ],
    });
    expect(graph.nodes).toEqual([]);
    expect(graph.values.get('y')!.const!.data).toEqual(BigInt64Array.of(big, -3n, -(2n ** 32n), 5n));
    const raw = importModel(encode({
      initializers: [{ name: 'h', dims: [2], dataType: 10, int32Data: [0x3c00, 0xc000] }, { name: 'b', dims: [2], dataType: 9, int32Data: [1, 0] }],
      outputs: [valueInfo('h', 10, [2]), valueInfo('b', 9, [2])],
    }), { modelName: 'm' }).graph;
    expect(raw.values.get('h')!.const!.data).toEqual(Uint16Array.of(0x3c00, 0xc000));
    expect(raw.values.get('b')!.const!.data).toEqual(Uint8Array.of(1, 0));
  });
});

describe('inputs and shapes', () => {
  const dyn: ModelParts = {
    nodes: [node('Relu', ['x'], ['y'])],
    inputs: [valueInfo('x', FLOAT, ['N', 3, ''])],
    outputs: [valueInfo('y', FLOAT, ['N', 3, ''])],
  };
  it('defaults symbolic dims to 1 with a warning', () => {
    const { graph, warnings } = load(dyn);
    expect(graph.values.get('y')!.shape).toEqual([1, 3, 1]);
    expect(warnings).toEqual(["input 'x': dim 0 ('N') is not fixed; assuming 1", "input 'x': dim 2 is not fixed; assuming 1"]);
  });
  it('warns that float64 is computed in float32 (once per type, naming a value)', () => {
    const f64: ModelParts = { nodes: [node('Add', ['a', 'b'], ['c'])], inputs: [valueInfo('a', 11, [2]), valueInfo('b', 11, [2])], outputs: [valueInfo('c', 11, [2])] };
    expect(lowerModel(encode(f64)).warnings).toEqual(["float64 values (e.g. 'a') are computed in float32 arithmetic; results can differ from a float64 reference"]);
    expect(lowerModel(encode(dyn), { shapes: { x: [1, 3, 1] } }).warnings).toEqual([]);
  });
  it('takes shapes from the options', () => {
    const { graph, warnings } = load(dyn, { x: [5, 3, 7] });
    expect(warnings).toEqual([]);
    expect(graph.values.get('y')!.shape).toEqual([5, 3, 7]);
    expectError(() => load(dyn, { nope: [1] }), 'E_USAGE', /'nope', which is not a graph input/);
    expectError(() => load(dyn, { x: [1, 2] }), 'E_USAGE', /rank 2/);
  });
  it('initializers listed as inputs are not graph inputs', () => {
    const { graph } = load({
      nodes: [node('Add', ['x', 'w'], ['y'])],
      inputs: [valueInfo('x', FLOAT, [2]), valueInfo('w', FLOAT, [2])],
      outputs: [valueInfo('y', FLOAT, [2])],
      initializers: [floatTensor('w', [2], [1, 2])],
    });
    expect(graph.inputs).toEqual(['x']);
  });
});

describe('inference and folding', () => {
  it('folds a Shape -> Gather -> Unsqueeze -> Concat -> Reshape subgraph', () => {
    const ints = (name: string, v: number[]) => ({ name, dims: [v.length], dataType: INT64, int64Data: v });
    const { graph } = load({
      nodes: [
        node('Shape', ['x'], ['s']),
        node('Gather', ['s', 'zero'], ['n'], 'g', [{ name: 'axis', type: 2, i: 0 }]),
        node('Unsqueeze', ['n', 'axes'], ['n1']),
        node('Concat', ['n1', 'minus1'], ['shape'], 'c', [{ name: 'axis', type: 2, i: 0 }]),
        node('Reshape', ['x', 'shape'], ['y'], 'r'),
      ],
      inputs: [valueInfo('x', FLOAT, [2, 3, 4])],
      outputs: [valueInfo('y', FLOAT, [2, 12])],
      initializers: [{ name: 'zero', dims: [], dataType: INT64, int64Data: [0] }, ints('axes', [0]), ints('minus1', [-1])],
    });
    expect(graph.nodes.map((n) => n.op)).toEqual(['Reshape']);
    expect(graph.values.get('shape')!.const!.data).toEqual(BigInt64Array.of(2n, -1n));
    expect(graph.values.get('y')!.shape).toEqual([2, 12]);
    expect(graph.values.has('s')).toBe(false);
  });
  it('checks the declared output type against the inferred one', () => {
    expectError(() => load({
      nodes: [node('Relu', ['x'], ['y'], 'r')],
      inputs: [valueInfo('x', FLOAT, [2])],
      outputs: [valueInfo('y', INT64, [2])],
    }), 'E_SHAPE', /'y' is declared int64 \[2\] but computes float32 \[2\]/);
  });
  it('warns when declared output dims differ from the computed ones, and uses the computed', () => {
    const { graph, warnings } = load({
      nodes: [node('Relu', ['x'], ['y'], 'r')],
      inputs: [valueInfo('x', FLOAT, [2, 3])],
      outputs: [valueInfo('y', FLOAT, [2, 4])],
    });
    expect(graph.values.get('y')!.shape).toEqual([2, 3]);
    expect(warnings).toEqual(["output 'y' of node 'r' is declared [2,4] but computes [2,3]; the computed shape is used"]);
    expect(load({ nodes: [node('Relu', ['x'], ['y'], 'r')], inputs: [valueInfo('x', FLOAT, [2, 3])], outputs: [valueInfo('y', FLOAT, [2, 3])] }).warnings).toEqual([]);
  });
  it('reports shape errors with the node', () => {
    expectError(() => load({
      nodes: [node('Add', ['x', 'z'], ['y'], 'add1')],
      inputs: [valueInfo('x', FLOAT, [2]), valueInfo('z', FLOAT, [3])],
      outputs: [valueInfo('y', FLOAT, [2])],
    }), 'E_SHAPE', /^E_SHAPE: model m node 'add1' \(Add\): shapes \[2\] and \[3\] do not broadcast$/);
  });
  it('keeps a partly constant node whole (Dropout mask), folds Identity of a constant', () => {
    const { graph } = load({
      nodes: [node('Dropout', ['x'], ['y', 'mask'], 'd'), node('Identity', ['w'], ['w2'], 'i'), node('Add', ['y', 'w2'], ['z'], 'a')],
      inputs: [valueInfo('x', FLOAT, [2])],
      outputs: [valueInfo('z', FLOAT, [2]), valueInfo('mask', 9, [2])],
      initializers: [floatTensor('w', [2], [1, 2])],
    });
    expect(graph.nodes.map((n) => n.op)).toEqual(['Dropout', 'Add']);
    expect(graph.values.get('mask')).toEqual({ name: 'mask', dtype: 'bool', shape: [2] });
    expect(graph.values.get('w2')!.const!.data).toEqual(Float32Array.of(1, 2));
    expect(graph.values.has('w')).toBe(false);
  });
  it('reads int64 attributes beyond 2^53 (Slice ends = INT64_MAX, opset 9)', () => {
    const max = { low: -1, high: 0x7fffffff, unsigned: false } as never;
    const { graph } = load({
      opset: 9,
      nodes: [node('Slice', ['x'], ['y'], 's', [{ name: 'starts', type: 7, ints: [1] }, { name: 'ends', type: 7, ints: [max] }])],
      inputs: [valueInfo('x', FLOAT, [5])],
      outputs: [valueInfo('y', FLOAT, [4])],
    });
    expect(graph.nodes[0].attrs.ends).toEqual([2 ** 63]);
    expect(graph.values.get('y')!.shape).toEqual([4]);
  });
  it('inferShapes is idempotent', () => {
    const { graph } = load({
      nodes: [node('Relu', ['x'], ['y'])],
      inputs: [valueInfo('x', FLOAT, [2])],
      outputs: [valueInfo('y', FLOAT, [2])],
    });
    expect(inferShapes(graph, 'm')).toEqual(graph);
  });
});
