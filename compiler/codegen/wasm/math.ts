// Inline math for kernels: exp, log, tanh, erf, sigmoid, pow, each an internal wasm function in a
// scalar (f32) and a vector (f32x4) version built from one definition (math-ops.ts). Range
// reduction plus polynomials; about 1e-7 relative error (a few ulp), saturating correctly for
// large |x|, NaN in gives NaN out. Functions are added to the module on first use.
//   exp, log, tanh: Cephes-style (Moshier) reductions and coefficients.
//   erf: x*P(x^2)/Q(x^2) on [-4, 4] (Eigen's / XLA's float erf), ~4e-7 absolute error.
//   sigmoid: 1/(1+e) or e/(1+e) with e = exp(-|x|).
//   pow(a, b) = exp(b * log|a|) with the sign of a for odd integer b, C99 special cases for b = 0,
//        a = 1, a < 0 with non-integer b, and exact results for b = 2, 0.5, 1, -1. Otherwise its
//        error grows like ulp(b * ln a): ~1e-6 for results in [1e-3, 1e3], ~1e-5 near 1e30.

import type { MathFn } from '../../ir/loop.js';
import type { Ref, WasmModule } from './module.js';
import { mathOps, type MathOps } from './math-ops.js';

export { MathLib, mathFnName };

const ARITY: Record<MathFn, number> = { exp: 1, log: 1, tanh: 1, erf: 1, sigmoid: 1, pow: 2 };
const DEPS: Record<MathFn, MathFn[]> = { exp: [], log: [], tanh: ['exp'], erf: [], sigmoid: ['exp'], pow: ['exp', 'log'] };

function mathFnName(fn: MathFn, vector: boolean): string { return `math.${fn}.${vector ? 'f32x4' : 'f32'}`; }

class MathLib {
  constructor(private readonly w: WasmModule) {}

  /** The name of the function, defining it (and what it calls) if needed. */
  use(fn: MathFn, vector: boolean): string {
    const name = mathFnName(fn, vector);
    if (this.w.hasFunction(name)) return name;
    for (const d of DEPS[fn]) this.use(d, vector);
    const o = mathOps(this.w, vector, ARITY[fn]);
    const args = Array.from({ length: ARITY[fn] }, (_, i) => () => o.fn.get(i));
    const result = BODIES[fn](o, args, (f) => mathFnName(f, vector));
    this.w.addFunction(name, o.fn, o.ft, this.w.block(null, [...o.stmts, result], o.ft));
    return name;
  }
}

type Body = (o: MathOps, args: (() => Ref)[], name: (f: MathFn) => string) => Ref;

const LN2_HI = 0.693359375, LN2_LO = -2.12194440e-4;
const SHIFTER = 12582912, SHIFTER_BITS = 0x4b400000;   // 1.5 * 2^23 and its bit pattern

const exp: Body = (o, [arg]) => {
  const x = o.let(o.atMost(o.atLeast(arg(), -104), 89));              // NaN passes through
  // n = round(x / ln 2) by the 1.5*2^23 shifter: t's low mantissa bits hold n as an integer
  const t = o.let(o.add(o.mul(x(), o.k(1.44269504088896341)), o.k(SHIFTER)));
  const n = o.let(o.sub(t(), o.k(SHIFTER)));
  const r = o.let(o.sub(o.sub(x(), o.mul(n(), o.k(LN2_HI))), o.mul(n(), o.k(LN2_LO))));
  const p = o.add(o.add(o.mul(o.poly(r, [5.0000001201e-1, 1.6666665459e-1, 4.1665795894e-2, 8.3334519073e-3, 1.3981999507e-3, 1.9875691500e-4]),
    o.mul(r(), r())), r()), o.k(1));
  // 2^n as two factors, so that results down to 2^-150 and up to 2^128 are exact scalings.
  const ni = o.let(o.isub(o.bits(t()), o.ki(SHIFTER_BITS)), o.it);
  const n1 = o.let(o.ishr(ni(), 1), o.it);
  const pow2 = (e: Ref) => o.fromBits(o.ishl(o.iadd(e, o.ki(127)), 23));
  return o.mul(o.mul(p, pow2(n1())), pow2(o.isub(ni(), n1())));
};

const log: Body = (o, [arg]) => {
  const x = o.let(arg());
  const tiny = o.let(o.lt(x(), o.k(1.17549435e-38)), o.it);           // subnormals: scale by 2^23
  const xs = o.sel(tiny(), o.mul(x(), o.k(8388608)), x());
  const b = o.let(o.bits(xs), o.it);
  const e0 = o.isub(o.iand(o.ishr(b(), 23), o.ki(0xff)), o.sel(tiny(), o.ki(150), o.ki(127)));
  const m0 = o.let(o.fromBits(o.ior(o.iand(b(), o.ki(0x7fffff)), o.ki(0x3f800000))));
  const big = o.let(o.gt(m0(), o.k(1.41421356237)), o.it);
  const e = o.let(o.toFloat(o.incIf(e0, big())));
  const f = o.let(o.sub(o.sel(big(), o.mul(m0(), o.k(0.5)), m0()), o.k(1)));
  const z = o.let(o.mul(f(), f()));
  const p = o.poly(f, [3.3333331174e-1, -2.4999993993e-1, 2.0000714765e-1, -1.6668057665e-1, 1.4249322787e-1,
    -1.2420140846e-1, 1.1676998740e-1, -1.1514610310e-1, 7.0376836292e-2]);
  let y = o.mul(o.mul(p, f()), z());
  y = o.add(y, o.mul(e(), o.k(LN2_LO)));
  y = o.sub(y, o.mul(z(), o.k(0.5)));
  let r = o.add(o.add(f(), y), o.mul(e(), o.k(LN2_HI)));
  r = o.sel(o.eq(x(), o.k(Infinity)), o.k(Infinity), r);
  r = o.sel(o.eq(x(), o.k(0)), o.k(-Infinity), r);
  r = o.sel(o.lt(x(), o.k(0)), o.k(NaN), r);
  return o.sel(o.ne(x(), x()), x(), r);
};

const tanh: Body = (o, [arg], name) => {
  const x = o.let(arg());
  const ax = o.let(o.abs(x()));
  const z = o.let(o.mul(x(), x()));
  const small = o.add(o.mul(o.mul(o.poly(z, [-3.33332819422e-1, 1.33314422036e-1, -5.37397155531e-2, 2.06390887954e-2,
    -5.70498872745e-3]), z()), x()), x());
  const e = o.let(o.call(name('exp'), [o.add(ax(), ax())]));
  const large = o.copysign(o.sub(o.k(1), o.div(o.k(2), o.add(e(), o.k(1)))), x());
  return o.sel(o.lt(ax(), o.k(0.625)), small, large);
};

// erf(x) = x * P(x^2) / Q(x^2) on x clamped to [-4, 4] (beyond, erf is +-1 in f32): the rational
// approximation of Eigen / XLA (ErfImpl32), ~4e-7 absolute error, one division and no exp.
const ERF_P = [-1.60960333262415e-02, -2.95459980854025e-03, -7.34990630326855e-04, -5.69250639462346e-05,
  -2.10102402082508e-06, 2.77068142495902e-08, -2.72614225801306e-10];
const ERF_Q = [-1.42647390514189e-02, -7.37332916720468e-03, -1.68282697438203e-03, -2.13374055278905e-04,
  -1.45660718464996e-05];

const erf: Body = (o, [arg]) => {
  const x = o.let(o.atLeast(o.atMost(arg(), 4), -4));                 // NaN passes through
  const s = o.let(o.mul(x(), x()));
  return o.div(o.mul(x(), o.poly(s, ERF_P)), o.poly(s, ERF_Q));
};

// 1/(1+e) for x >= 0 and e/(1+e) for x < 0, e = exp(-|x|): no overflow, tiny results stay exact.
const sigmoid: Body = (o, [arg], name) => {
  const x = o.let(arg());
  const e = o.let(o.call(name('exp'), [o.neg(o.abs(x()))]));
  const s = o.let(o.div(o.k(1), o.add(o.k(1), e())));
  return o.sel(o.lt(x(), o.k(0)), o.mul(e(), s()), s());
};

const pow: Body = (o, [a, b], name) => {
  const lg = o.call(name('log'), [o.abs(a())]);
  const r = o.let(o.call(name('exp'), [o.mul(b(), lg)]));
  const isInt = o.let(o.eq(o.trunc(b()), b()), o.it);
  const odd = o.and(o.ine(o.iand(o.toInt(b()), o.ki(1)), o.ki(0)), o.lt(o.abs(b()), o.k(16777216)));
  const signBit = o.ine(o.iand(o.bits(a()), o.ki(-0x80000000)), o.ki(0));
  let out = o.sel(o.and(o.and(signBit, isInt()), odd), o.neg(r()), r());
  const negFinite = o.and(o.lt(a(), o.k(0)), o.ne(a(), o.k(-Infinity)));
  out = o.sel(o.andNot(negFinite, isInt()), o.k(NaN), out);
  // exact (correctly rounded) results for the common exponents
  out = o.sel(o.eq(b(), o.k(2)), o.mul(a(), a()), out);
  out = o.sel(o.and(o.eq(b(), o.k(0.5)), o.ne(a(), o.k(-Infinity))), o.sqrt(o.add(a(), o.k(0))), out);
  out = o.sel(o.eq(b(), o.k(1)), a(), out);
  out = o.sel(o.eq(b(), o.k(-1)), o.div(o.k(1), a()), out);
  out = o.sel(o.eq(a(), o.k(1)), o.k(1), out);
  return o.sel(o.eq(b(), o.k(0)), o.k(1), out);
};

const BODIES: Record<MathFn, Body> = { exp, log, tanh, erf, sigmoid, pow };
