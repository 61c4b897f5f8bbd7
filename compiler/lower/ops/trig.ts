// Trigonometric and hyperbolic functions as loop-IR expressions over the backend's exp/log/sqrt:
// sin/cos by Cody-Waite reduction to [-pi/4, pi/4] and Taylor polynomials (f32 accuracy), atan by
// Cephes' atanf reduction, the inverse functions and hyperbolics from those.

import type { Expr } from '../../ir/loop.js';
import { add, bin, f, mul, sub } from '../../ir/loop.js';
import type { OpLowerer } from '../context.js';
import { lowerMap } from './pointwise.js';

const sel = (c: Expr, a: Expr, b: Expr): Expr => ({ k: 'select', c, a, b });
const neg = (a: Expr): Expr => ({ k: 'un', op: 'neg', a });
const abs = (a: Expr): Expr => ({ k: 'un', op: 'abs', a });
const sqrt = (a: Expr): Expr => ({ k: 'un', op: 'sqrt', a });
const call = (fn: 'exp' | 'log', x: Expr): Expr => ({ k: 'call', fn, args: [x] });
const div = (a: Expr, b: Expr) => bin('div', a, b);
const i = (v: number): Expr => ({ k: 'const', t: 'i32', v });
const poly = (x: Expr, cs: number[]): Expr => cs.slice(0, -1).reduceRight<Expr>((acc, c) => add(mul(acc, x), f(c)), f(cs[cs.length - 1]));

const PIO2_HI = 1.5707963705062866, PIO2_LO = -4.371139000186243e-8;

/** sin (phase 0) or cos (phase 1) of x: quadrant q = round(x * 2/pi) + phase. */
function sinCos(x: Expr, phase: 0 | 1): Expr {
  const k = { k: 'un', op: 'round', a: mul(x, f(2 / Math.PI)) } as Expr;
  const r = sub(sub(x, mul(k, f(PIO2_HI))), mul(k, f(PIO2_LO)));
  const r2 = mul(r, r);
  const s = add(r, mul(mul(r, r2), poly(r2, [-1 / 6, 1 / 120, -1 / 5040, 1 / 362880])));
  const c = add(f(1), mul(r2, poly(r2, [-1 / 2, 1 / 24, -1 / 720, 1 / 40320, -1 / 3628800])));
  const q = bin('and', add({ k: 'cast', t: 'i32', a: k }, i(phase)), i(3));
  const odd = bin('ne', bin('and', q, i(1)), i(0));
  const negate = bin('ne', bin('and', q, i(2)), i(0));
  const v = sel(odd, c, s);
  return sel(negate, neg(v), v);
}

/** Cephes atanf. */
function atan(x: Expr): Expr {
  const a = abs(x);
  const big = bin('gt', a, f(2.414213562373095)), mid = bin('gt', a, f(0.4142135623730950));
  const t = sel(big, div(f(-1), a), sel(mid, div(sub(a, f(1)), add(a, f(1))), a));
  const y0 = sel(big, f(Math.PI / 2), sel(mid, f(Math.PI / 4), f(0)));
  const z = mul(t, t);
  const p = poly(z, [-3.33329491539e-1, 1.99777106478e-1, -1.38776856032e-1, 8.05374449538e-2]);
  const r = add(y0, add(mul(mul(p, z), t), t));
  return sel(bin('lt', x, f(0)), neg(r), r);
}

const asin = (x: Expr): Expr => atan(div(x, sqrt(sub(f(1), mul(x, x)))));

const FNS: Record<string, (x: Expr) => Expr> = {
  Sin: (x) => sinCos(x, 0),
  Cos: (x) => sinCos(x, 1),
  Tan: (x) => div(sinCos(x, 0), sinCos(x, 1)),
  Atan: atan,
  Asin: asin,
  Acos: (x) => sub(f(Math.PI / 2), asin(x)),
  Sinh: (x) => mul(sub(call('exp', x), call('exp', neg(x))), f(0.5)),
  Cosh: (x) => mul(add(call('exp', x), call('exp', neg(x))), f(0.5)),
  Asinh: (x) => {
    const a = abs(x), r = call('log', add(a, sqrt(add(mul(a, a), f(1)))));
    return sel(bin('lt', x, f(0)), neg(r), r);
  },
  Acosh: (x) => call('log', add(x, sqrt(sub(mul(x, x), f(1))))),
  Atanh: (x) => mul(call('log', div(add(f(1), x), sub(f(1), x))), f(0.5)),
};

export const TRIG_LOWERINGS: Record<string, OpLowerer> = Object.fromEntries(Object.entries(FNS).map(([op, fn]) =>
  [op, ((node, ctx) => lowerMap(node, ctx, ([x]) => fn(x), { compute: 'f32' })) as OpLowerer]));
