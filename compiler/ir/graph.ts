// The graph IR: a typed, topologically ordered dataflow graph of ONNX-like operators.
// Every value has a dtype and a static shape once shape inference has run; constants carry their data.

export type DType =
  | 'float32' | 'float64' | 'float16'
  | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64'
  | 'bool' | 'string';

export type TypedArray =
  | Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array
  | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;

/** A dimension: a number once known, a symbolic name (ONNX dim_param) before specialisation. */
export type Dim = number | string;

/** A constant tensor. bool is stored as Uint8Array, float16 as Uint16Array (raw bits). */
export interface Tensor {
  dtype: DType;
  shape: number[];
  data: TypedArray;
}

export interface Value {
  name: string;
  dtype: DType;
  shape: Dim[];
  /** Set for initializers, Constant outputs and anything constant folding produced. */
  const?: Tensor;
}

export type AttrValue = number | string | number[] | string[] | Tensor | Tensor[] | Graph | Graph[];

export interface Node {
  name: string;
  op: string;
  domain: string;      // '' for the default ONNX domain
  inputs: string[];    // '' marks an omitted optional input
  outputs: string[];
  attrs: Record<string, AttrValue>;
}

export interface Graph {
  name: string;
  /** Opset version of the default domain. */
  opset: number;
  nodes: Node[];       // topological order
  values: Map<string, Value>;
  inputs: string[];    // graph inputs that are not initializers
  outputs: string[];
}

export const DTYPE_BYTES: Record<DType, number> = {
  float32: 4, float64: 8, float16: 2, int8: 1, uint8: 1, int16: 2, uint16: 2,
  int32: 4, uint32: 4, int64: 8, uint64: 8, bool: 1, string: 0,
};

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function isStatic(shape: readonly Dim[]): shape is number[] {
  return shape.every((d) => typeof d === 'number');
}

export function valueOf(g: Graph, name: string): Value {
  const v = g.values.get(name);
  if (!v) throw new Error(`graph ${g.name}: no value named '${name}'`);
  return v;
}
