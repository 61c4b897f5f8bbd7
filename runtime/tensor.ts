// A dense tensor on the host, shaped like onnxruntime-web's Tensor so code can move between the two:
//   new Tensor('float32', new Float32Array(n), [1, 3, 224, 224])
//   new Tensor(new Float32Array(n), [1, 3, 224, 224])        // type from the array
// The data length is checked against the dims; 'bool' is stored as a Uint8Array of 0/1 and
// 'float16' as the raw bits in a Uint16Array, as onnxruntime does.

import { fail } from '../compiler/errors.js';

export { Tensor, DTYPES, dtypeInfo, isTensorType, typeOfArray, shapeSize, formatDims };
export type { TensorType, TypedArray, DtypeInfo };

type TensorType =
  | 'float32' | 'float64' | 'float16'
  | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64'
  | 'bool';

type TypedArray =
  | Float32Array | Float64Array
  | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array
  | BigInt64Array | BigUint64Array;

interface TypedArrayCtor {
  new (length: number): TypedArray;
  new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): TypedArray;
  readonly BYTES_PER_ELEMENT: number;
  readonly name: string;
}

interface DtypeInfo {
  type: TensorType;
  array: TypedArrayCtor;
  bytes: number;          // bytes per element
  bigint: boolean;        // elements are bigint (int64, uint64)
}

const DTYPES: Readonly<Record<TensorType, DtypeInfo>> = {
  float32: { type: 'float32', array: Float32Array, bytes: 4, bigint: false },
  float64: { type: 'float64', array: Float64Array, bytes: 8, bigint: false },
  float16: { type: 'float16', array: Uint16Array, bytes: 2, bigint: false },
  int8: { type: 'int8', array: Int8Array, bytes: 1, bigint: false },
  uint8: { type: 'uint8', array: Uint8Array, bytes: 1, bigint: false },
  int16: { type: 'int16', array: Int16Array, bytes: 2, bigint: false },
  uint16: { type: 'uint16', array: Uint16Array, bytes: 2, bigint: false },
  int32: { type: 'int32', array: Int32Array, bytes: 4, bigint: false },
  uint32: { type: 'uint32', array: Uint32Array, bytes: 4, bigint: false },
  int64: { type: 'int64', array: BigInt64Array, bytes: 8, bigint: true },
  uint64: { type: 'uint64', array: BigUint64Array, bytes: 8, bigint: true },
  bool: { type: 'bool', array: Uint8Array, bytes: 1, bigint: false },
};

function isTensorType(s: unknown): s is TensorType {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(DTYPES, s);
}

function dtypeInfo(type: string): DtypeInfo {
  if (!isTensorType(type)) fail('E_UNSUPPORTED', `unknown tensor type '${type}' (known: ${Object.keys(DTYPES).join(', ')})`);
  return DTYPES[type];
}

/** The tensor type a typed array stands for when no type is given (Uint16Array: uint16, not float16). */
function typeOfArray(data: unknown): TensorType | undefined {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint32Array) return 'uint32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof BigUint64Array) return 'uint64';
  return undefined;
}

function shapeSize(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

function formatDims(dims: readonly number[]): string {
  return `[${dims.join(',')}]`;
}

type TensorInput = TypedArray | readonly number[] | readonly bigint[] | readonly boolean[];

class Tensor {
  readonly type: TensorType;
  readonly dims: readonly number[];
  readonly data: TypedArray;

  constructor(type: TensorType, data: TensorInput, dims?: readonly number[]);
  constructor(data: TypedArray | readonly number[] | readonly boolean[], dims?: readonly number[]);
  constructor(a: TensorType | TensorInput, b?: TensorInput | readonly number[], c?: readonly number[]) {
    let type: TensorType;
    let raw: TensorInput;
    let dims: readonly number[] | undefined;
    if (typeof a === 'string') {
      type = dtypeInfo(a).type;
      raw = b as TensorInput;
      dims = c;
    } else {
      raw = a;
      dims = b as readonly number[] | undefined;
      const inferred = Array.isArray(raw) ? (typeof raw[0] === 'boolean' ? 'bool' : 'float32') : typeOfArray(raw);
      if (!inferred) fail('E_INPUT', `tensor data must be a typed array or an array, got ${describe(raw)}`);
      type = inferred;
    }
    const data = toTypedArray(type, raw);
    const shape = Object.freeze([...(dims ?? [data.length])]);
    if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
      fail('E_INPUT', `tensor dims must be non-negative integers, got ${formatDims(shape)}`);
    }
    const size = shapeSize(shape);
    if (size !== data.length) {
      fail('E_INPUT', `tensor dims ${formatDims(shape)} hold ${size} elements but the data has ${data.length}`);
    }
    this.type = type;
    this.dims = shape;
    this.data = data;
  }

  /** Number of elements (the product of the dims). */
  get size(): number {
    return this.data.length;
  }
}

function toTypedArray(type: TensorType, raw: TensorInput): TypedArray {
  const info = DTYPES[type];
  if (!Array.isArray(raw)) {
    if (!(raw instanceof info.array)) {
      fail('E_INPUT', `a ${type} tensor needs a ${info.array.name}, got ${describe(raw)}`);
    }
    return raw as TypedArray;
  }
  const out = new info.array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const v: unknown = raw[i];
    if (info.bigint) {
      if (typeof v !== 'bigint' && !(typeof v === 'number' && Number.isInteger(v))) {
        fail('E_INPUT', `a ${type} tensor needs integers, element ${i} is ${String(v)}`);
      }
      (out as BigInt64Array)[i] = BigInt(v as number | bigint);
    } else if (typeof v === 'boolean' || typeof v === 'number') {
      (out as Float32Array)[i] = Number(v);
    } else {
      fail('E_INPUT', `a ${type} tensor needs numbers, element ${i} is ${typeof v}`);
    }
  }
  return out;
}

function describe(x: unknown): string {
  if (x === null || x === undefined) return String(x);
  if (typeof x === 'object') return (x as object).constructor?.name ?? 'object';
  return typeof x;
}
