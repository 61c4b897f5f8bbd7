// Affine analysis of i32 index expressions: a linear form  k + lane*L + sum(coef_i * atom_i)
// (L the coefficient of the lane number for vector expressions), and interval bounds.
// Used by simplify (canonical index arithmetic, div/mod by constants) and by the wasm backend
// (constant parts go to memarg offsets, loop-variable parts become pointer induction variables).

import type { Expr } from './loop.js';
import { c, add, sub, mul } from './loop.js';
import type { Scope } from './expr-type.js';
import { printExpr } from './print.js';

export { linearize, rebuild, scale, plus, bounds, linBounds, termsBounds, divModConst, isConstLin };
export type { LinForm, Term, Interval };

interface Term { atom: Expr; key: string; coef: number; lanes: number }
interface LinForm { k: number; lane: number; lanes: number; terms: Term[] }
type Interval = [number, number];

const I32_MIN = -2147483648, I32_MAX = 2147483647;
const wrap = (x: number) => x | 0;

function isConstLin(f: LinForm): boolean { return f.terms.length === 0 && f.lane === 0; }

function scale(f: LinForm, m: number): LinForm {
  return {
    k: Math.imul(f.k, m), lane: Math.imul(f.lane, m), lanes: f.lanes,
    terms: m === 0 ? [] : f.terms.map((t) => ({ ...t, coef: Math.imul(t.coef, m) })),
  };
}

function plus(a: LinForm, b: LinForm): LinForm {
  const terms = a.terms.map((t) => ({ ...t }));
  for (const t of b.terms) {
    const same = terms.find((u) => u.key === t.key);
    if (same) same.coef = wrap(same.coef + t.coef); else terms.push({ ...t });
  }
  return { k: wrap(a.k + b.k), lane: wrap(a.lane + b.lane), lanes: Math.max(a.lanes, b.lanes), terms: terms.filter((t) => t.coef !== 0) };
}

/** Linear form of an i32 expression (the caller checks the type). Non-affine parts become atoms. */
function linearize(e: Expr, s: Scope): LinForm {
  switch (e.k) {
    case 'const': return { k: wrap(Number(e.v)), lane: 0, lanes: 1, terms: [] };
    case 'ramp': { const b = linearize(e.base, s); return { ...b, lane: wrap(b.lane + e.stride), lanes: e.lanes }; }
    case 'bcast': return { ...linearize(e.a, s), lanes: e.lanes };
    case 'un': if (e.op === 'neg') return scale(linearize(e.a, s), -1); break;
    case 'bin':
      if (e.op === 'add') return plus(linearize(e.a, s), linearize(e.b, s));
      if (e.op === 'sub') return plus(linearize(e.a, s), scale(linearize(e.b, s), -1));
      if (e.op === 'mul') {
        const a = linearize(e.a, s), b = linearize(e.b, s);
        if (isConstLin(b)) return { ...scale(a, b.k), lanes: Math.max(a.lanes, b.lanes) };
        if (isConstLin(a)) return { ...scale(b, a.k), lanes: Math.max(a.lanes, b.lanes) };
      }
      break;
    default: break;
  }
  const lanes = s.type(e).lanes;
  return { k: 0, lane: 0, lanes, terms: [{ atom: e, key: printExpr(e), coef: 1, lanes }] };
}

const timesConst = (x: Expr, k: number, lanes: number): Expr =>
  k === 1 ? x : mul(x, lanes > 1 ? { k: 'bcast', a: c(k), lanes } : c(k));

/** sum(coef*atom) + k over scalar terms, a positive term first, the constant last. */
function scalarSum(terms: Term[], k: number): Expr {
  if (terms.length === 0) return c(k);
  const i = terms.findIndex((t) => t.coef > 0);
  let acc: Expr, rest: Term[], kUsed = false;
  if (i >= 0) { acc = timesConst(terms[i].atom, terms[i].coef, 1); rest = terms.filter((_, j) => j !== i); }
  else if (k !== 0) { acc = c(k); kUsed = true; rest = terms; }
  else {
    const t = terms[0];
    acc = t.coef === -1 ? { k: 'un', op: 'neg', a: t.atom } : mul(t.atom, c(t.coef));
    rest = terms.slice(1);
  }
  for (const t of rest) acc = t.coef > 0 ? add(acc, timesConst(t.atom, t.coef, 1)) : sub(acc, timesConst(t.atom, wrap(-t.coef), 1));
  if (!kUsed && k !== 0) acc = k > 0 || k === I32_MIN ? add(acc, c(k)) : sub(acc, c(-k));
  return acc;
}

/** The canonical expression for a linear form: scalar terms, the constant, then lanes and vector atoms. */
function rebuild(f: LinForm): Expr {
  const scalars = f.terms.filter((t) => t.lanes === 1), vectors = f.terms.filter((t) => t.lanes > 1);
  const sum = scalarSum(scalars, f.k);
  if (f.lanes === 1) return sum;
  let out: Expr | undefined;
  if (f.lane !== 0) out = { k: 'ramp', base: sum, stride: f.lane, lanes: f.lanes };
  else if (scalars.length > 0 || f.k !== 0 || vectors.length === 0) out = { k: 'bcast', a: sum, lanes: f.lanes };
  for (const t of vectors) {
    if (out === undefined) out = t.coef > 0 ? timesConst(t.atom, t.coef, f.lanes) : mul(t.atom, { k: 'bcast', a: c(t.coef), lanes: f.lanes });
    else out = t.coef > 0 ? add(out, timesConst(t.atom, t.coef, f.lanes)) : sub(out, timesConst(t.atom, wrap(-t.coef), f.lanes));
  }
  return out as Expr;
}

function checked(i: Interval): Interval | undefined {
  return Number.isFinite(i[0]) && Number.isFinite(i[1]) && i[0] >= I32_MIN && i[1] <= I32_MAX ? i : undefined;
}

const NARROW: Record<string, Interval> = { i8: [-128, 127], u8: [0, 255], i16: [-32768, 32767], u16: [0, 65535] };

/** Inclusive bounds of an i32 expression over all lanes, or undefined when unknown or it may overflow. */
function bounds(e: Expr, s: Scope): Interval | undefined {
  switch (e.k) {
    case 'const': return e.t === 'i32' ? [Number(e.v), Number(e.v)] : undefined;
    case 'var': return s.vars.get(e.name)?.range;
    case 'ramp': {
      const b = bounds(e.base, s); if (!b) return undefined;
      const span = e.stride * (e.lanes - 1);
      return checked([b[0] + Math.min(0, span), b[1] + Math.max(0, span)]);
    }
    case 'bcast': return bounds(e.a, s);
    case 'load': { const b = s.buf(e.buf); return b ? NARROW[b.dtype] : undefined; }
    case 'select': {
      const a = bounds(e.a, s), b = bounds(e.b, s);
      return a && b ? [Math.min(a[0], b[0]), Math.max(a[1], b[1])] : undefined;
    }
    case 'un': {
      const a = bounds(e.a, s); if (!a) return undefined;
      if (e.op === 'neg') return checked([-a[1], -a[0]]);
      if (e.op === 'abs') return checked(a[0] >= 0 ? a : [0, Math.max(-a[0], a[1])]);
      if (e.op === 'not') return [0, 1];
      return a;
    }
    case 'bin': return binBounds(e.op, e.a, e.b, s);
    default: return undefined;
  }
}

function binBounds(op: string, ea: Expr, eb: Expr, s: Scope): Interval | undefined {
  if (op === 'eq' || op === 'ne' || op === 'lt' || op === 'le' || op === 'gt' || op === 'ge') return [0, 1];
  const a = bounds(ea, s), b = bounds(eb, s);
  if (op === 'and' && b && b[0] >= 0) return [0, b[1]];
  if (op === 'and' && a && a[0] >= 0) return [0, a[1]];
  if (!a || !b) return undefined;
  switch (op) {
    case 'add': return checked([a[0] + b[0], a[1] + b[1]]);
    case 'sub': return checked([a[0] - b[1], a[1] - b[0]]);
    case 'mul': {
      const p = [a[0] * b[0], a[0] * b[1], a[1] * b[0], a[1] * b[1]];
      return checked([Math.min(...p), Math.max(...p)]);
    }
    case 'min': return [Math.min(a[0], b[0]), Math.min(a[1], b[1])];
    case 'max': return [Math.max(a[0], b[0]), Math.max(a[1], b[1])];
    case 'div': return b[0] === b[1] && b[0] > 0 ? [Math.trunc(a[0] / b[0]), Math.trunc(a[1] / b[0])] : undefined;
    case 'rem':
      if (b[0] !== b[1] || b[0] <= 0) return undefined;
      return a[0] >= 0 ? [0, Math.min(a[1], b[0] - 1)] : [-(b[0] - 1), b[0] - 1];
    default: return undefined;
  }
}

/** Bounds of sum(coef*atom) (no constant, no lane). */
function termsBounds(terms: Term[], s: Scope): Interval | undefined {
  let lo = 0, hi = 0;
  for (const t of terms) {
    const b = bounds(t.atom, s); if (!b) return undefined;
    const p = [b[0] * t.coef, b[1] * t.coef];
    lo += Math.min(...p); hi += Math.max(...p);
  }
  return checked([lo, hi]);
}

function linBounds(f: LinForm, s: Scope): Interval | undefined {
  const t = termsBounds(f.terms, s); if (!t) return undefined;
  const span = f.lane * (f.lanes - 1);
  return checked([t[0] + f.k + Math.min(0, span), t[1] + f.k + Math.max(0, span)]);
}

/**
 * e / m and e % m (signed, m > 0 constant) when e = A + B with A a multiple of m that is never
 * negative and B always in [0, m): then e / m = A / m and e % m = B. Undefined when not provable.
 */
function divModConst(f: LinForm, m: number, s: Scope): { div: LinForm; rem: LinForm } | undefined {
  if (m <= 0) return undefined;
  const kA = f.k - (((f.k % m) + m) % m);
  const A: LinForm = { k: kA, lane: f.lane % m === 0 ? f.lane : 0, lanes: f.lanes, terms: f.terms.filter((t) => t.coef % m === 0) };
  const B: LinForm = { k: f.k - kA, lane: f.lane % m === 0 ? 0 : f.lane, lanes: f.lanes, terms: f.terms.filter((t) => t.coef % m !== 0) };
  const ba = linBounds(A, s), bb = linBounds(B, s);
  if (!ba || !bb || ba[0] < 0 || bb[0] < 0 || bb[1] >= m) return undefined;
  const div: LinForm = { k: A.k / m, lane: A.lane / m, lanes: f.lanes, terms: A.terms.map((t) => ({ ...t, coef: t.coef / m })) };
  return { div, rem: B };
}
