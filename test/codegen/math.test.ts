// The inline math library (scalar f32 and f32x4 versions) against double-precision references
// at many points, including huge, tiny, negative, infinite and NaN arguments.

import { describe, it, expect } from 'vitest';
import type { Expr, MathFn } from '../../compiler/ir/loop.js';
import { v, load, store, seq, loop } from '../../compiler/ir/loop.js';
import { ProgramBuilder, instantiate } from './helpers.js';

const fr = Math.fround;
const SUBNORMAL = 1.1754943508222875e-38;

/** erf by its power series (all terms positive, exact to double rounding for |x| <= 6). */
function erfRef(x: number): number {
  const ax = Math.abs(x);
  if (!Number.isFinite(ax)) return Number.isNaN(x) ? NaN : Math.sign(x);
  if (ax > 6) return Math.sign(x);
  let sum = 0, term = ax;
  for (let n = 1; term > 1e-17 * sum || n < 3; n++) { sum += term; term *= (2 * ax * ax) / (2 * n + 1); }
  return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * Math.exp(-ax * ax) * sum;
}

function powRef(a: number, b: number): number {
  if (b === 0 || a === 1) return 1;
  return Math.pow(a, b);
}

const REF: Record<MathFn, (a: number, b: number) => number> = {
  exp: Math.exp, log: Math.log, tanh: Math.tanh, erf: erfRef, sigmoid: (x) => 1 / (1 + Math.exp(-x)), pow: powRef,
};

const linspace = (lo: number, hi: number, n: number) => Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
const SPECIAL = [0, -0, Infinity, -Infinity, NaN, 1e-30, -1e-30, 1e-8, -1e-8, 1, -1];
const POINTS: Record<Exclude<MathFn, 'pow'>, number[]> = {
  exp: [...linspace(-120, 100, 1201), ...SPECIAL, 88.72, 88.73, -87.33, -103.2, -104, -150, 0.3465, -0.3466],
  log: [...linspace(-45, 38.5, 1201).map((e) => 10 ** e), ...SPECIAL, 1 + 2 ** -23, 1 - 2 ** -24, 1e-40, 1.4e-45, 3.4e38, 1.4142135, 0.70710677],
  tanh: [...linspace(-20, 20, 1201), ...linspace(-1, 1, 401), ...SPECIAL, 0.6249, 0.625, 0.6251, 9.1, -9.1],
  erf: [...linspace(-6, 6, 1201), ...linspace(-1.2, 1.2, 401), ...SPECIAL, 0.999, 1.001, 3.9, 4, 4.1],
  sigmoid: [...linspace(-110, 110, 1201), ...linspace(-5, 5, 401), ...SPECIAL, -88.7, -103.9, 16.7, 17.4],
};

function powPoints(): [number, number][] {
  const pts: [number, number][] = [];
  for (const a of [...linspace(0.01, 10, 37), 0.5, 2, 1e-3, 123.456]) for (const b of linspace(-8, 8, 33)) pts.push([a, b]);
  for (const a of [-0.5, -1.5, -2, -3.25, -10]) for (const b of [-3, -2, -1, 1, 2, 3, 5, 0.5, -0.5, 2.5]) pts.push([a, b]);
  for (const a of [0, -0]) for (const b of [1, 2, 3, -1, -2, 0.5]) pts.push([a, b]);
  for (const [a, b] of [[NaN, 0], [NaN, 1], [2, NaN], [Infinity, 2], [Infinity, -2], [2, Infinity], [0.5, Infinity], [1, 5], [4, 0.5], [10, 30], [2, 100], [-3, 2], [-0, 0.5], [-Infinity, 0.5], [-4, 0.5], [0, -1], [-0, -1], [7, -1], [NaN, 2]] as const) pts.push([a, b]);
  return pts;
}

/** Relative error of got against the double reference, with subnormal results judged absolutely. */
function error(got: number, ref: number): number {
  if (Number.isNaN(ref)) return Number.isNaN(got) ? 0 : Infinity;
  if (!Number.isFinite(ref) || Math.abs(ref) > 3.4028234663852886e38) return got === fr(ref) ? 0 : Infinity;
  if (Math.abs(ref) < SUBNORMAL) return Math.abs(got - ref) <= 3e-45 ? 0 : Infinity;
  return Math.abs(got - ref) / Math.abs(ref);
}

/** Run fn over xs (and ys for pow) with a vectorized and a scalar kernel; returns both results. */
function runMath(fn: MathFn, xs: number[], ys: number[] = []): { vec: Float32Array; scalar: Float32Array } {
  const n = Math.ceil(xs.length / 4) * 4;
  const pb = new ProgramBuilder();
  const X = pb.buf('X', 'f32', [n]), Y = pb.buf('Y', 'f32', [n]), V = pb.buf('V', 'f32', [n]), S = pb.buf('S', 'f32', [n]);
  const args: Expr[] = fn === 'pow' ? [load('X', [v('i')]), load('Y', [v('i')])] : [load('X', [v('i')])];
  const call: Expr = { k: 'call', fn, args };
  pb.kernel('vec', loop('i', n, store('V', [v('i')], call), 'vectorize'));
  pb.kernel('scalar', seq(loop('i', n, store('S', [v('i')], call))));
  const inst = instantiate(pb.program());
  inst.f32(X).set(xs); inst.f32(Y).set(ys);
  inst.exports.run();
  return { vec: inst.f32(V).slice(0, xs.length), scalar: inst.f32(S).slice(0, xs.length) };
}

function check(fn: MathFn, xs: number[], ys: number[], tol: (a: number, b: number) => number) {
  const { vec, scalar } = runMath(fn, xs, ys);
  let worst = 0;
  xs.forEach((x, i) => {
    const a = fr(x), b = fr(ys[i] ?? 0), ref = REF[fn](a, b);
    const ev = error(vec[i], ref), es = error(scalar[i], ref);
    worst = Math.max(worst, ev, es);
    if (ev > tol(a, b) || es > tol(a, b)) expect.fail(`${fn}(${a}${fn === 'pow' ? `, ${b}` : ''}) = ${vec[i]} (vector), ${scalar[i]} (scalar); want ${ref}`);
  });
  return worst;
}

describe('math', () => {
  for (const fn of ['exp', 'log', 'tanh', 'erf', 'sigmoid'] as const) {
    it(`${fn} is within 1e-6 relative, scalar and f32x4`, () => {
      const worst = check(fn, POINTS[fn], [], () => 1e-6);
      console.log(fn, worst.toExponential(2));
    });
  }
  it('pow is within 1e-6 + ulp(b ln a), with C99 special cases', () => {
    const pts = powPoints();
    const worst = check('pow', pts.map((p) => p[0]), pts.map((p) => p[1]), (a, b) => 1e-6 + (Number.isFinite(b * Math.log(Math.abs(a))) ? 1.2e-7 * Math.abs(b * Math.log(Math.abs(a))) : 0));
    console.log('pow', worst.toExponential(2));
    const { vec, scalar } = runMath('pow', [1.1, -2.5, 3, 0.2], [2, 2, 0.5, -1]);
    expect([...vec]).toEqual([fr(1.1) * fr(1.1), 6.25, fr(Math.sqrt(3)), fr(1 / fr(0.2))].map(fr));
    expect([...scalar]).toEqual([...vec]);
  });
});
