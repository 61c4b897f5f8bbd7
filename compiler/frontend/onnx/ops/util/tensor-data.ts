// Element access for reference evaluation: read any tensor element as a number (or a bigint for
// 64-bit integers), write with C-like conversions (truncate to int, wrap, != 0 for bool, float16 bits).

import { numel, type DType, type Tensor, type TypedArray } from '../../../../ir/graph.js';
import { allocData } from '../../dtype.js';

export type { Elem };
export {
  reader, writer, makeTensor, fromFn, toNumbers, tensorInts, scalar, isFloat, isBig,
  f16ToF32, f32ToF16, shareTensor,
};

type Elem = number | bigint;
type Mutable = { [i: number]: number | bigint };

function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'float16';
}

function isBig(dtype: DType): boolean {
  return dtype === 'int64' || dtype === 'uint64';
}

function reader(t: Tensor): (i: number) => Elem {
  const d = t.data;
  if (t.dtype === 'float16') return (i) => f16ToF32(d[i] as number);
  return (i) => d[i];
}

function writer(dtype: DType, data: TypedArray): (i: number, v: Elem | boolean) => void {
  const d = data as unknown as Mutable;
  switch (dtype) {
    case 'float16': return (i, v) => { d[i] = f32ToF16(Number(v)); };
    case 'bool': return (i, v) => { d[i] = v === true || (typeof v !== 'boolean' && v !== 0 && v !== 0n) ? 1 : 0; };
    case 'int64': case 'uint64': return (i, v) => { d[i] = toBig(v); };
    case 'float32': case 'float64': return (i, v) => { d[i] = Number(v); };
    default: return (i, v) => { d[i] = typeof v === 'bigint' ? Number(BigInt.asUintN(32, v)) : Number(v); };
  }
}

function toBig(v: Elem | boolean): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  return Number.isFinite(v) ? BigInt(Math.trunc(v)) : 0n;
}

function makeTensor(dtype: DType, shape: number[]): Tensor {
  return { dtype, shape, data: allocData(dtype, numel(shape)) };
}

/** A tensor whose element i is f(i). */
function fromFn(dtype: DType, shape: number[], f: (i: number) => Elem | boolean): Tensor {
  const t = makeTensor(dtype, shape);
  const w = writer(dtype, t.data);
  for (let i = 0; i < t.data.length; i++) w(i, f(i));
  return t;
}

/** A tensor that shares data with t but has another shape (reshape-like ops; consts are immutable). */
function shareTensor(t: Tensor, shape: number[]): Tensor {
  return { dtype: t.dtype, shape, data: t.data };
}

function scalar(dtype: DType, v: Elem | boolean): Tensor {
  return fromFn(dtype, [], () => v as Elem);
}

function toNumbers(t: Tensor): Float64Array {
  const r = reader(t);
  const out = new Float64Array(t.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Number(r(i));
  return out;
}

/** Integer contents as numbers (for shape-like inputs; exact below 2^53, huge values keep their sign). */
function tensorInts(t: Tensor): number[] {
  return Array.from(toNumbers(t));
}

function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Round to nearest even half (via float32, which can double-round in rare ties). */
function f32ToF16(x: number): number {
  f32[0] = x;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}
