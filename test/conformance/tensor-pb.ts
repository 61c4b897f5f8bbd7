// Reads the suite's TensorProto files (input_N.pb, output_N.pb) into runtime Tensors. It decodes
// with onnx-proto directly, not with the compiler's frontend, so a frontend bug cannot hide itself.
// Element types the runtime has no Tensor for (string, bfloat16, complex) come back as `unsupported`.

import { readFileSync } from 'node:fs';
import onnxProto from 'onnx-proto';
import { Tensor, type TensorType } from '../../runtime/tensor.js';

export { readTensorPb, decodeTensorPb, PB_TYPES };
export type { PbTensor };

const { onnx } = onnxProto;

/** ONNX TensorProto.DataType code -> runtime tensor type (the ones a Tensor can hold). */
const PB_TYPES: Record<number, TensorType> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64',
  9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64',
};
const TYPE_NAMES: Record<number, string> = { 8: 'string', 14: 'complex64', 15: 'complex128', 16: 'bfloat16' };

type PbTensor = { name: string; tensor: Tensor } | { name: string; unsupported: string };

type Long = number | { low: number; high: number; unsigned?: boolean };
const toBig = (x: Long, unsigned: boolean): bigint => {
  if (typeof x === 'number') return BigInt(x);
  const v = (BigInt(x.high >>> 0) << 32n) | BigInt(x.low >>> 0);
  return unsigned ? v : BigInt.asIntN(64, v);
};

function readTensorPb(file: string): PbTensor {
  return decodeTensorPb(readFileSync(file));
}

function decodeTensorPb(bytes: Uint8Array): PbTensor {
  const t = onnx.TensorProto.decode(bytes);
  const name = t.name ?? '';
  const code = t.dataType ?? 0;
  const type = PB_TYPES[code];
  if (!type) return { name, unsupported: `element type ${TYPE_NAMES[code] ?? code}` };
  const dims = (t.dims ?? []).map((d) => Number(toBig(d as Long, false)));
  const n = dims.reduce((a, b) => a * b, 1);
  const tensor = new Tensor(type, fromProto(t, type, n), dims);
  return { name, tensor };
}

function fromProto(t: onnxProto.onnx.TensorProto, type: TensorType, n: number): Tensor['data'] {
  const probe = new Tensor(type, [], [0]);
  const Ctor = probe.data.constructor as new (x: ArrayBufferLike | number) => Tensor['data'];
  if (t.rawData && t.rawData.length > 0) {
    const copy = new Uint8Array(t.rawData.length);
    copy.set(t.rawData);
    return new Ctor(copy.buffer);
  }
  const out = new Ctor(n);
  const put = out as unknown as { [i: number]: number | bigint };
  const fill = (xs: ArrayLike<unknown>, conv: (x: unknown) => number | bigint) => {
    for (let i = 0; i < n; i++) put[i] = conv(xs[i]);
  };
  switch (type) {
    case 'float32': fill(t.floatData ?? [], Number); break;
    case 'float64': fill(t.doubleData ?? [], Number); break;
    case 'int64': fill(t.int64Data ?? [], (x) => toBig(x as Long, false)); break;
    case 'uint64': fill(t.uint64Data ?? [], (x) => toBig(x as Long, true)); break;
    case 'uint32': fill(t.uint64Data ?? [], (x) => Number(toBig(x as Long, true))); break;
    default: fill(t.int32Data ?? [], Number); break;   // small ints, bool, float16 bits
  }
  return out;
}
