// Runs one op's schema on constant inputs: infer (shapes) and evaluate (values), checking they agree.

import { expect } from 'vitest';
import type { AttrValue, DType, Node, Tensor } from '../../compiler/ir/graph.js';
import type { OpCtx, StaticValue } from '../../compiler/frontend/onnx/op-schema.js';
import { lookupOp } from '../../compiler/frontend/onnx/registry.js';
import { toNumbers } from '../../compiler/frontend/onnx/ops/util/tensor-data.js';

export function f32(shape: number[], values: number[]): Tensor {
  return { dtype: 'float32', shape, data: Float32Array.from(values) };
}

export function i64(shape: number[], values: number[]): Tensor {
  return { dtype: 'int64', shape, data: BigInt64Array.from(values.map((v) => BigInt(v))) };
}

export function tensor(dtype: DType, shape: number[], data: Tensor['data']): Tensor {
  return { dtype, shape, data };
}

export interface RunResult { shapes: number[][]; dtypes: DType[]; outputs: Tensor[]; values: number[][] }

/** Infers and evaluates `op` on the given (constant, or undefined = omitted) inputs. */
export function runOp(op: string, inputs: Array<Tensor | undefined>, attrs: Record<string, AttrValue> = {}, opset = 13, nOut = 1): RunResult {
  const schema = lookupOp(op, '', opset);
  if (!schema) throw new Error(`no schema for ${op} at opset ${opset}`);
  const names = inputs.map((t, i) => (t ? `in${i}` : ''));
  const node: Node = { name: `${op}_test`, op, domain: '', inputs: names, outputs: Array.from({ length: nOut }, (_, i) => `out${i}`), attrs };
  const ctx: OpCtx = { opset, model: 'test' };
  const vals: Array<StaticValue | undefined> = inputs.map((t, i) => (t ? { name: names[i], dtype: t.dtype, shape: t.shape, const: t } : undefined));
  const inferred = schema.infer(node, vals, ctx);
  const outputs = schema.evaluate!(node, inputs, ctx);
  inferred.forEach((o, k) => {
    expect(outputs[k].shape, `${op} output ${k} shape`).toEqual(o.shape);
    expect(outputs[k].dtype).toBe(o.dtype);
  });
  return { shapes: inferred.map((o) => o.shape), dtypes: inferred.map((o) => o.dtype), outputs, values: outputs.map((t) => Array.from(toNumbers(t))) };
}

/** Only infers (no evaluation); an input is a float32 shape, a {dtype, shape} or a constant Tensor. */
export function inferOp(op: string, shapes: Array<number[] | Tensor | { dtype: DType; shape: number[] } | undefined>, attrs: Record<string, AttrValue> = {}, opset = 13): number[][] {
  const schema = lookupOp(op, '', opset);
  if (!schema) throw new Error(`no schema for ${op} at opset ${opset}`);
  const names = shapes.map((s, i) => (s ? `in${i}` : ''));
  const node: Node = { name: `${op}_test`, op, domain: '', inputs: names, outputs: ['out0'], attrs };
  const vals = shapes.map((s, i): StaticValue | undefined => {
    if (!s) return undefined;
    if (Array.isArray(s)) return { name: names[i], dtype: 'float32', shape: s };
    return { name: names[i], dtype: s.dtype, shape: s.shape, const: 'data' in s ? s : undefined };
  });
  return schema.infer(node, vals, { opset, model: 'test' }).map((o) => o.shape);
}
