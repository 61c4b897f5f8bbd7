// float16 storage: a load widens the IEEE half bits to f32, a store rounds f32 to the nearest-even
// half (overflow to infinity, NaN stays NaN; the method of F. Giesen's float_to_half_fast3_rtne).
// Two small internal functions, added to the module on first use.

import type { Ref, WasmModule } from './module.js';

export { halfToF32, f32ToHalf };

const TO_F32 = 'half.to_f32', FROM_F32 = 'half.from_f32';

/** f32 from the half bits in the low 16 bits of an i32. */
function halfToF32(w: WasmModule, bits: Ref): Ref {
  if (!w.hasFunction(TO_F32)) {
    const f = w.fn(['i32']);
    const h = () => f.get(0);
    const exp = f.local('i32'), mant = f.local('i32'), sign = f.local('i32');
    const or = (a: Ref, b: Ref) => w.binary('i32.or', a, b);
    const shl = (a: Ref, n: number) => w.binary('i32.shl', a, w.i32(n));
    const body = w.block(null, [
      f.set(exp, w.binary('i32.and', w.binary('i32.shr_u', h(), w.i32(10)), w.i32(31))),
      f.set(mant, w.binary('i32.and', h(), w.i32(0x3ff))),
      f.set(sign, shl(w.binary('i32.and', h(), w.i32(0x8000)), 16)),
      w.select(
        w.unary('i32.eqz', f.get(exp)),
        // zero and subnormals: mant * 2^-24, with the sign
        w.binary('f32.copysign', w.binary('f32.mul', w.unary('f32.convert_i32_s', f.get(mant)), w.f32(2 ** -24)),
          w.unary('f32.reinterpret_i32', or(f.get(sign), w.i32(0x3f800000)))),
        w.unary('f32.reinterpret_i32', w.select(
          w.binary('i32.eq', f.get(exp), w.i32(31)),
          or(or(f.get(sign), w.i32(0x7f800000)), shl(f.get(mant), 13)),
          or(or(f.get(sign), shl(w.binary('i32.add', f.get(exp), w.i32(112)), 23)), shl(f.get(mant), 13)))),
      ),
    ], 'f32');
    w.addFunction(TO_F32, f, 'f32', body);
  }
  return w.call(TO_F32, [bits], 'f32');
}

/** The half bits (in an i32) nearest to an f32, ties to even. */
function f32ToHalf(w: WasmModule, x: Ref): Ref {
  if (!w.hasFunction(FROM_F32)) {
    const f = w.fn(['f32']);
    const a = f.local('i32'), sign = f.local('i32');
    const bits = w.unary('i32.reinterpret_f32', f.get(0));
    const big = w.select(w.binary('i32.gt_s', f.get(a), w.i32(0x7f800000)), w.i32(0x7e00), w.i32(0x7c00));
    const denormMagic = 0x3f000000;   // 0.5f: adding it leaves the rounded half subnormal in the low bits
    const small = w.binary('i32.sub', w.unary('i32.reinterpret_f32',
      w.binary('f32.add', w.unary('f32.reinterpret_i32', f.get(a)), w.f32(0.5))), w.i32(denormMagic));
    const odd = w.binary('i32.and', w.binary('i32.shr_u', f.get(a), w.i32(13)), w.i32(1));
    const normal = w.binary('i32.shr_u', w.binary('i32.add', w.binary('i32.add', f.get(a), w.i32(-0x38000000 + 0xfff)), odd), w.i32(13));
    const body = w.block(null, [
      f.set(sign, w.binary('i32.and', w.binary('i32.shr_u', bits, w.i32(16)), w.i32(0x8000))),
      f.set(a, w.binary('i32.and', w.unary('i32.reinterpret_f32', f.get(0)), w.i32(0x7fffffff))),
      w.binary('i32.or', f.get(sign), w.select(
        w.binary('i32.ge_s', f.get(a), w.i32(0x47800000)), big,
        w.select(w.binary('i32.lt_s', f.get(a), w.i32(0x38800000)), small, normal))),
    ], 'i32');
    w.addFunction(FROM_F32, f, 'i32', body);
  }
  return w.call(FROM_F32, [x], 'i32');
}
