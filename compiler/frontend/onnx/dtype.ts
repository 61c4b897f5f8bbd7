// ONNX TensorProto.DataType codes <-> accelc DTypes, and typed-array storage for each DType.
// Storage: bool -> Uint8Array (0/1), float16 -> Uint16Array (raw IEEE half bits), int64 -> BigInt64Array.

import type { DType, TypedArray } from '../../ir/graph.js';

export { dtypeFromOnnx, dtypeToOnnx, onnxTypeName, onnxCodeFromName, allocData, ONNX_DTYPE };

const ONNX_DTYPE: Record<number, DType> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string',
  9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64',
};

const ONNX_NAMES: Record<number, string> = {
  0: 'UNDEFINED', 1: 'FLOAT', 2: 'UINT8', 3: 'INT8', 4: 'UINT16', 5: 'INT16', 6: 'INT32', 7: 'INT64',
  8: 'STRING', 9: 'BOOL', 10: 'FLOAT16', 11: 'DOUBLE', 12: 'UINT32', 13: 'UINT64', 14: 'COMPLEX64',
  15: 'COMPLEX128', 16: 'BFLOAT16',
};

/** The DType for an ONNX data type code, or undefined when accelc has no storage for it. */
function dtypeFromOnnx(code: number): DType | undefined {
  return ONNX_DTYPE[code];
}

function dtypeToOnnx(dtype: DType): number {
  for (const [code, d] of Object.entries(ONNX_DTYPE)) if (d === dtype) return Number(code);
  throw new Error(`no ONNX code for dtype ${dtype}`);
}

function onnxTypeName(code: number): string {
  return ONNX_NAMES[code] ?? `type ${code}`;
}

/** The code for an ONNX type name ('FLOAT', 'INT64'...), as opset-1 Cast spells its target; -1 if unknown. */
function onnxCodeFromName(name: string): number {
  for (const [code, n] of Object.entries(ONNX_NAMES)) if (n === name.toUpperCase()) return Number(code);
  return -1;
}

/** A zero-filled typed array holding n elements of dtype. */
function allocData(dtype: DType, n: number): TypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(n);
    case 'float64': return new Float64Array(n);
    case 'float16': case 'uint16': return new Uint16Array(n);
    case 'int8': return new Int8Array(n);
    case 'uint8': case 'bool': return new Uint8Array(n);
    case 'int16': return new Int16Array(n);
    case 'int32': return new Int32Array(n);
    case 'uint32': return new Uint32Array(n);
    case 'int64': return new BigInt64Array(n);
    case 'uint64': return new BigUint64Array(n);
    case 'string': throw new Error('string tensors have no typed-array storage');
  }
}
