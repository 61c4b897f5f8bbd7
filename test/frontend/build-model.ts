// Small ONNX models built in tests with onnx-proto, plus an error assertion helper.

import { expect } from 'vitest';
import { isAccelcError, type AccelcError, type ErrorCode } from '../../compiler/errors.js';
import { onnx } from '../../compiler/frontend/onnx/proto.js';

export const FLOAT = 1, INT64 = 7;

export function valueInfo(name: string, elemType: number, dims: Array<number | string>): onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

export function floatTensor(name: string, dims: number[], values: number[]): onnx.ITensorProto {
  return { name, dims, dataType: FLOAT, floatData: values };
}

/** A 1-D INT64 initializer (a shape, axes). */
export function int64Tensor(name: string, values: number[]): onnx.ITensorProto {
  return { name, dims: [values.length], dataType: INT64, int64Data: values };
}

/** An INT attribute, or INTS for an array. */
export function attr(name: string, v: number | number[]): onnx.IAttributeProto {
  return Array.isArray(v) ? { name, type: 7, ints: v } : { name, type: 2, i: v };
}

/** A FLOAT attribute. */
export function floatAttr(name: string, f: number): onnx.IAttributeProto {
  return { name, type: 1, f };
}

export function node(op: string, inputs: string[], outputs: string[], name = '', attribute: onnx.IAttributeProto[] = []): onnx.INodeProto {
  return { opType: op, input: inputs, output: outputs, name, attribute };
}

export interface ModelParts {
  nodes?: onnx.INodeProto[];
  inputs?: onnx.IValueInfoProto[];
  outputs?: onnx.IValueInfoProto[];
  initializers?: onnx.ITensorProto[];
  opset?: number;
}

export function modelProto(p: ModelParts): onnx.IModelProto {
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: p.opset ?? 13 }],
    graph: {
      name: 'g',
      node: p.nodes ?? [],
      input: p.inputs ?? [],
      output: p.outputs ?? [],
      initializer: p.initializers ?? [],
    },
  };
}

export function encode(p: ModelParts): Uint8Array {
  return onnx.ModelProto.encode(modelProto(p)).finish();
}

/** Runs fn, expects an AccelcError with `code` and a one-line message; returns the message. */
export function expectError(fn: () => unknown, code: ErrorCode, pattern?: RegExp): string {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected an AccelcError').toBeDefined();
  if (!isAccelcError(caught)) throw caught;
  const err = caught as AccelcError;
  expect(err.code).toBe(code);
  expect(err.message).not.toContain('\n');
  if (pattern) expect(err.message).toMatch(pattern);
  return err.message;
}
