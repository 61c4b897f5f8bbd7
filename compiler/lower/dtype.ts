import type { DType } from '../ir/graph.js';
import type { ScalarType } from '../ir/loop.js';

const MAP: Partial<Record<DType, ScalarType>> = {
  float32: 'f32', int32: 'i32', int64: 'i64', int8: 'i8', uint8: 'u8', bool: 'u8', int16: 'i16', uint16: 'u16',
  float64: 'f64', uint32: 'u32', uint64: 'i64',   // f64 computes in f32; uint64 as i64 (values below 2^63)
  float16: 'f16',                                  // computes in f32
};

export function scalarTypeOf(d: DType): ScalarType | undefined {
  return MAP[d];
}
