// The arithmetic the math library is written in, once for scalar f32 and once for f32x4, so that
// every function (math.ts) has a single definition that builds both versions. Values are
// expression refs; `let` puts a value in a local and gives back a getter, because a binaryen
// expression may appear only once in a tree.

import type { FnBuilder, Ref, ValType, WasmModule } from './module.js';

export { mathOps };
export type { MathOps };

interface MathOps {
  readonly vector: boolean;
  readonly ft: ValType;            // the float type: f32 or v128
  readonly it: ValType;            // the int type: i32 or v128
  fn: FnBuilder;
  stmts: Ref[];
  let(x: Ref, t?: ValType): () => Ref;
  k(x: number): Ref;               // float constant
  ki(n: number): Ref;              // int constant
  add(a: Ref, b: Ref): Ref; sub(a: Ref, b: Ref): Ref; mul(a: Ref, b: Ref): Ref; div(a: Ref, b: Ref): Ref;
  min(a: Ref, b: Ref): Ref; max(a: Ref, b: Ref): Ref;
  /** max(a, lo) and min(a, hi) that let a NaN `a` through: one instruction each (pmax/pmin). */
  atLeast(a: Ref, lo: number): Ref; atMost(a: Ref, hi: number): Ref;
  neg(a: Ref): Ref; abs(a: Ref): Ref; sqrt(a: Ref): Ref; nearest(a: Ref): Ref; trunc(a: Ref): Ref;
  lt(a: Ref, b: Ref): Ref; gt(a: Ref, b: Ref): Ref; eq(a: Ref, b: Ref): Ref; ne(a: Ref, b: Ref): Ref;
  and(m1: Ref, m2: Ref): Ref; andNot(m1: Ref, m2: Ref): Ref;
  /** mask ? a : b (masks come from the comparisons above). */
  sel(mask: Ref, a: Ref, b: Ref): Ref;
  /** An int lane plus 1 where mask is set. */
  incIf(i: Ref, mask: Ref): Ref;
  toInt(a: Ref): Ref; toFloat(i: Ref): Ref; bits(a: Ref): Ref; fromBits(i: Ref): Ref;
  iadd(a: Ref, b: Ref): Ref; isub(a: Ref, b: Ref): Ref; iand(a: Ref, b: Ref): Ref; ior(a: Ref, b: Ref): Ref;
  ishl(a: Ref, n: number): Ref; ishr(a: Ref, n: number): Ref;
  ine(a: Ref, b: Ref): Ref;
  copysign(mag: Ref, sign: Ref): Ref;
  call(name: string, args: Ref[]): Ref;
  /** c[0] + x*(c[1] + x*(...)) */
  poly(x: () => Ref, c: readonly number[]): Ref;
}

function mathOps(w: WasmModule, vector: boolean, params: number): MathOps {
  const ft: ValType = vector ? 'v128' : 'f32', it: ValType = vector ? 'v128' : 'i32';
  const fn = w.fn(new Array<ValType>(params).fill(ft));
  const F = vector ? 'f32x4' : 'f32';
  const stmts: Ref[] = [];
  const o: MathOps = {
    vector, ft, it, fn, stmts,
    let(x, t = ft) { const i = fn.local(t); stmts.push(fn.set(i, x)); return () => fn.get(i); },
    k: (x) => (vector ? w.f32x4(x, x, x, x) : w.f32(x)),
    ki: (n) => (vector ? w.i32x4(n, n, n, n) : w.i32(n)),
    add: (a, b) => w.binary(`${F}.add`, a, b), sub: (a, b) => w.binary(`${F}.sub`, a, b),
    mul: (a, b) => w.binary(`${F}.mul`, a, b), div: (a, b) => w.binary(`${F}.div`, a, b),
    min: (a, b) => w.binary(`${F}.min`, a, b), max: (a, b) => w.binary(`${F}.max`, a, b),
    atLeast(a, lo) {
      if (vector) return w.binary('f32x4.pmax', a, o.k(lo));
      const g = o.let(a);
      return w.select(w.binary('f32.lt', g(), o.k(lo)), o.k(lo), g());
    },
    atMost(a, hi) {
      if (vector) return w.binary('f32x4.pmin', a, o.k(hi));
      const g = o.let(a);
      return w.select(w.binary('f32.lt', o.k(hi), g()), o.k(hi), g());
    },
    neg: (a) => w.unary(`${F}.neg`, a), abs: (a) => w.unary(`${F}.abs`, a), sqrt: (a) => w.unary(`${F}.sqrt`, a),
    nearest: (a) => w.unary(`${F}.nearest`, a), trunc: (a) => w.unary(`${F}.trunc`, a),
    lt: (a, b) => w.binary(`${F}.lt`, a, b), gt: (a, b) => w.binary(`${F}.gt`, a, b),
    eq: (a, b) => w.binary(`${F}.eq`, a, b), ne: (a, b) => w.binary(`${F}.ne`, a, b),
    and: (a, b) => w.binary(vector ? 'v128.and' : 'i32.and', a, b),
    andNot: (a, b) => (vector ? w.binary('v128.andnot', a, b) : w.binary('i32.and', a, w.unary('i32.eqz', b))),
    sel: (m, a, b) => (vector ? w.bitselect(a, b, m) : w.select(m, a, b)),
    incIf: (i, m) => (vector ? w.binary('i32x4.sub', i, m) : w.binary('i32.add', i, m)),
    toInt: (a) => w.unary(vector ? 'i32x4.trunc_sat_f32x4_s' : 'i32.trunc_sat_f32_s', a),
    toFloat: (i) => w.unary(vector ? 'f32x4.convert_i32x4_s' : 'f32.convert_i32_s', i),
    bits: (a) => (vector ? a : w.unary('i32.reinterpret_f32', a)),
    fromBits: (i) => (vector ? i : w.unary('f32.reinterpret_i32', i)),
    iadd: (a, b) => w.binary(vector ? 'i32x4.add' : 'i32.add', a, b),
    isub: (a, b) => w.binary(vector ? 'i32x4.sub' : 'i32.sub', a, b),
    iand: (a, b) => w.binary(vector ? 'v128.and' : 'i32.and', a, b),
    ior: (a, b) => w.binary(vector ? 'v128.or' : 'i32.or', a, b),
    ishl: (a, n) => w.binary(vector ? 'i32x4.shl' : 'i32.shl', a, w.i32(n)),
    ishr: (a, n) => w.binary(vector ? 'i32x4.shr_s' : 'i32.shr_s', a, w.i32(n)),
    ine: (a, b) => w.binary(vector ? 'i32x4.ne' : 'i32.ne', a, b),
    copysign: (mag, sign) => (vector
      ? w.bitselect(sign, mag, w.i32x4(-0x80000000, -0x80000000, -0x80000000, -0x80000000))
      : w.binary('f32.copysign', mag, sign)),
    call: (name, args) => w.call(name, args, ft),
    // Estrin's scheme: pairs c[2i] + c[2i+1]*x, then a polynomial in x^2 of the pairs. Its dependency
    // chain is ~log2(n) multiply-adds deep instead of Horner's n, which is what bounds a math call's
    // latency (the calls of a kernel loop hardly overlap out of order: each is ~100 instructions).
    poly(x, c) {
      if (c.length === 1) return o.k(c[0]);
      if (c.length === 2) return o.add(o.mul(x(), o.k(c[1])), o.k(c[0]));
      const pairs: Ref[] = [];
      for (let i = 0; i < c.length; i += 2) pairs.push(i + 1 < c.length ? o.let(o.add(o.mul(x(), o.k(c[i + 1])), o.k(c[i])))() : o.k(c[i]));
      const x2 = o.let(o.mul(x(), x()));
      return polyOf(x2, pairs);
    },
  };
  /** p[0] + y*p[1] + y^2*p[2] + ... over already-built terms, Estrin-style. */
  function polyOf(y: () => Ref, p: Ref[]): Ref {
    if (p.length === 1) return p[0];
    if (p.length === 2) return o.add(o.mul(y(), p[1]), p[0]);
    const pairs: Ref[] = [];
    for (let i = 0; i < p.length; i += 2) pairs.push(i + 1 < p.length ? o.let(o.add(o.mul(y(), p[i + 1]), p[i]))() : p[i]);
    const y2 = o.let(o.mul(y(), y()));
    return polyOf(y2, pairs);
  }
  return o;
}
