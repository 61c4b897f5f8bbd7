// onnx.TensorProto -> Tensor. Payloads come from raw_data (little-endian bytes, copied so the typed
// array is aligned), from the typed repeated fields, or from an external file next to the model.
// Storage: bool as Uint8Array, float16 as Uint16Array bits, int64/uint64 as BigInt64/BigUint64Array.

import { fail } from '../../errors.js';
import { DTYPE_BYTES, type DType, type Tensor, type TypedArray } from '../../ir/graph.js';
import { allocData, dtypeFromOnnx, onnxTypeName } from './dtype.js';
import { readExternalData } from './external-data.js';
import { longToBigInt, longToNumber } from './long.js';
import type { LongLike, onnx } from './proto.js';

export { tensorFromProto, MAX_ELEMENTS };

/** Tensors are indexed with 32-bit arithmetic downstream. */
const MAX_ELEMENTS = 2 ** 31;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

interface TensorCtx { model: string; modelDir?: string }

function tensorFromProto(t: onnx.ITensorProto, ctx: TensorCtx, fallbackName = '(unnamed)'): Tensor {
  const name = t.name || fallbackName;
  const bad = (code: 'E_MODEL' | 'E_UNSUPPORTED', msg: string): never =>
    fail(code, `tensor '${name}': ${msg}`, { model: ctx.model });
  const code = t.dataType ?? 0;
  if (code === 0) bad('E_MODEL', 'has no data type');
  const dtype = dtypeFromOnnx(code);
  if (!dtype || dtype === 'string') return bad('E_UNSUPPORTED', `data type ${onnxTypeName(code)} is not supported`);
  if (t.segment) bad('E_UNSUPPORTED', 'segmented tensors are not supported');
  const shape = checkDims(t.dims ?? [], bad);
  const n = shape.reduce((a, b) => a * b, 1);
  const byteLength = n * DTYPE_BYTES[dtype];
  if (t.dataLocation === 1) {
    const bytes = readExternalData(t, byteLength, ctx.modelDir, { model: ctx.model, tensor: name });
    return { dtype, shape, data: fromBytes(dtype, bytes) };
  }
  if (t.rawData && t.rawData.length > 0) {
    if (t.rawData.length !== byteLength) {
      bad('E_MODEL', `raw_data holds ${t.rawData.length} bytes but shape [${shape}] of ${dtype} needs ${byteLength}`);
    }
    return { dtype, shape, data: fromBytes(dtype, t.rawData) };
  }
  return { dtype, shape, data: fromTypedFields(t, dtype, n, bad) };
}

function checkDims(dims: LongLike[], bad: (code: 'E_MODEL', msg: string) => never): number[] {
  const shape = dims.map(longToNumber);
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) bad('E_MODEL', `dims [${shape}] contain a negative or invalid dimension`);
    n *= d;
    if (d > MAX_ELEMENTS || n > MAX_ELEMENTS) bad('E_MODEL', `dims [${shape}] exceed ${MAX_ELEMENTS} elements`);
  }
  return shape;
}

/** Copies little-endian bytes into a fresh (hence aligned) typed array. */
function fromBytes(dtype: DType, bytes: Uint8Array): TypedArray {
  if (!LITTLE_ENDIAN) throw new Error('accelc assumes a little-endian host');
  const data = allocData(dtype, bytes.length / DTYPE_BYTES[dtype]);
  new Uint8Array(data.buffer).set(bytes);
  return data;
}

type Bad = (code: 'E_MODEL', msg: string) => never;

function fromTypedFields(t: onnx.ITensorProto, dtype: DType, n: number, bad: Bad): TypedArray {
  const [field, values] = typedField(t, dtype);
  if (values.length === 0 && n > 0) bad('E_MODEL', `has no data for its ${n} elements`);
  if (values.length !== n) {
    bad('E_MODEL', `${field} holds ${values.length} values but its shape needs ${n}`);
  }
  const data = allocData(dtype, n);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    const unsigned = data instanceof BigUint64Array;
    try {
      for (let i = 0; i < n; i++) data[i] = longToBigInt(values[i] as LongLike, unsigned);
    } catch {
      bad('E_MODEL', `${field} holds a value that is not an integer`);
    }
  } else if (dtype === 'uint32') {
    for (let i = 0; i < n; i++) data[i] = longToNumber(values[i] as LongLike);
  } else if (dtype === 'bool') {
    const nums = values as number[];
    for (let i = 0; i < n; i++) data[i] = nums[i] ? 1 : 0;
  } else {
    const nums = values as number[];
    for (let i = 0; i < n; i++) data[i] = nums[i];
  }
  return data;
}

/** Which repeated field carries the payload of dtype (ONNX packs small ints and float16 bits in int32_data). */
function typedField(t: onnx.ITensorProto, dtype: DType): [string, ArrayLike<number | LongLike>] {
  switch (dtype) {
    case 'float32': return ['float_data', t.floatData ?? []];
    case 'float64': return ['double_data', t.doubleData ?? []];
    case 'int64': return ['int64_data', t.int64Data ?? []];
    case 'uint32': case 'uint64': return ['uint64_data', t.uint64Data ?? []];
    default: return ['int32_data', t.int32Data ?? []];
  }
}
