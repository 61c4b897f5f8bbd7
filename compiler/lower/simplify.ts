// simplify: constant folding and algebraic simplification, mostly of index arithmetic.
//   - constants fold with wasm semantics (i32 wraps, f32 rounds, signed div/rem, saturating casts)
//   - i32 add/sub/mul/neg/ramp/bcast chains are put in a canonical linear form: x*1, x+0,
//     (a+c1)+c2, ramp arithmetic, x - x all disappear
//   - div/rem by a constant of an expression with known range: (x*4 + v)/4 = x when 0 <= v < 4
//   - comparisons, min and max decided by bounds; selects and ifs on constants pick a side
//   - dead lets and allocs go; lets of constants and variables are substituted; loops of extent 0
//     vanish and serial loops of extent 1 become their body
// Float arithmetic is never reassociated.

import type { Expr, Kernel, Program, RegType, Stmt } from '../ir/loop.js';
import { c } from '../ir/loop.js';
import { Scope } from '../ir/expr-type.js';
import { exprChildren, withChildren, substituteStmt, forEachExpr, forEachStmt } from '../ir/traverse.js';
import { linearize, rebuild, bounds, divModConst } from '../ir/affine.js';
import { printExpr } from '../ir/print.js';

export { simplify, simplifyStmt, simplifyExpr, foldConst };

function simplify(k: Kernel, program: Program): Kernel {
  return { ...k, body: simplifyStmt(k.body, new Scope(program)) };
}

type Const = Extract<Expr, { k: 'const' }>;
const isConst = (e: Expr): e is Const => e.k === 'const';
const cst = (t: RegType, v: number | bigint): Expr => ({ k: 'const', t, v: t === 'i64' ? BigInt.asIntN(64, BigInt(v)) : v });
const AFFINE = new Set(['add', 'sub', 'mul']);

function simplifyExpr(e: Expr, s: Scope): Expr {
  const node = withChildren(e, exprChildren(e).map((x) => simplifyExpr(x, s)));
  const folded = foldConst(node);
  if (folded) return folded;
  return rules(node, s);
}

function rules(e: Expr, s: Scope): Expr {
  const t = s.type(e);
  if (t.t === 'i32' && ((e.k === 'bin' && AFFINE.has(e.op)) || (e.k === 'un' && e.op === 'neg') || e.k === 'ramp' || e.k === 'bcast'))
    return rebuild(linearize(e, s));
  switch (e.k) {
    case 'bin': return binRules(e, s) ?? e;
    case 'select': {
      const cond = e.c.k === 'bcast' ? e.c.a : e.c;
      if (isConst(cond)) return Number(cond.v) !== 0 ? widen(e.a, t.lanes, s) : widen(e.b, t.lanes, s);
      return printExpr(e.a) === printExpr(e.b) ? widen(e.a, t.lanes, s) : e;
    }
    case 'cast': return s.type(e.a).t === e.t ? e.a : e;
    default: return e;
  }
}

/** e as a vector of `lanes` lanes (bcast when it is scalar). */
function widen(e: Expr, lanes: number, s: Scope): Expr {
  return lanes > 1 && s.type(e).lanes === 1 ? { k: 'bcast', a: e, lanes } : e;
}

function binRules(e: Extract<Expr, { k: 'bin' }>, s: Scope): Expr | undefined {
  const ta = s.type(e.a), lanes = Math.max(ta.lanes, s.type(e.b).lanes);
  const b = e.b.k === 'bcast' ? e.b.a : e.b, a = e.a.k === 'bcast' ? e.a.a : e.a;
  if (ta.t === 'f32') {
    if (e.op === 'mul' && isConst(b) && b.v === 1) return widen(e.a, lanes, s);
    if (e.op === 'mul' && isConst(a) && a.v === 1) return widen(e.b, lanes, s);
    if (e.op === 'div' && isConst(b) && b.v === 1) return widen(e.a, lanes, s);
    if (e.op === 'sub' && isConst(b) && Object.is(b.v, 0)) return widen(e.a, lanes, s);
    return undefined;
  }
  if (ta.t !== 'i32') return undefined;
  if ((e.op === 'div' || e.op === 'rem') && isConst(b) && Number(b.v) > 0) {
    const m = Number(b.v);
    if (m === 1) return e.op === 'div' ? widen(e.a, lanes, s) : widen(c(0), lanes, s);
    const dm = divModConst(linearize(e.a, s), m, s);
    if (dm) return rebuild(e.op === 'div' ? dm.div : dm.rem);
    return undefined;
  }
  const ba = bounds(e.a, s), bb = bounds(e.b, s);
  const same = printExpr(e.a) === printExpr(e.b);
  const decided = (v: boolean) => widen(c(v ? 1 : 0), lanes, s);
  const A = widen(e.a, lanes, s), B = widen(e.b, lanes, s);
  switch (e.op) {
    case 'min': if (same || (ba && bb && ba[1] <= bb[0])) return A; if (ba && bb && bb[1] <= ba[0]) return B; break;
    case 'max': if (same || (ba && bb && ba[0] >= bb[1])) return A; if (ba && bb && bb[0] >= ba[1]) return B; break;
    case 'lt': if (ba && bb && ba[1] < bb[0]) return decided(true); if (same || (ba && bb && ba[0] >= bb[1])) return decided(false); break;
    case 'le': if (same || (ba && bb && ba[1] <= bb[0])) return decided(true); if (ba && bb && ba[0] > bb[1]) return decided(false); break;
    case 'gt': if (ba && bb && ba[0] > bb[1]) return decided(true); if (same || (ba && bb && ba[1] <= bb[0])) return decided(false); break;
    case 'ge': if (same || (ba && bb && ba[0] >= bb[1])) return decided(true); if (ba && bb && ba[1] < bb[0]) return decided(false); break;
    case 'eq': if (same) return decided(true); if (ba && bb && (ba[1] < bb[0] || bb[1] < ba[0])) return decided(false); break;
    case 'ne': if (same) return decided(false); if (ba && bb && (ba[1] < bb[0] || bb[1] < ba[0])) return decided(true); break;
    case 'and': if (isConst(b) && b.v === -1) return A; if (isConst(b) && b.v === 0) return widen(c(0), lanes, s); break;
    case 'or': case 'xor': case 'shl': case 'shr': if (isConst(b) && b.v === 0) return A; break;
    default: break;
  }
  return undefined;
}

// ---- constant folding with wasm semantics ----

const f32 = Math.fround;
function roundEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
function truncSat32(x: number): number {
  if (Number.isNaN(x)) return 0;
  return Math.max(-2147483648, Math.min(2147483647, Math.trunc(x)));
}
function truncSat64(x: number): bigint {
  if (Number.isNaN(x)) return 0n;
  if (x >= 9223372036854775807) return 9223372036854775807n;
  if (x <= -9223372036854775808) return -9223372036854775808n;
  return BigInt(Math.trunc(x));
}
const CMP: Record<string, (a: number | bigint, b: number | bigint) => boolean> = {
  eq: (a, b) => a === b, ne: (a, b) => a !== b, lt: (a, b) => a < b, le: (a, b) => a <= b, gt: (a, b) => a > b, ge: (a, b) => a >= b,
};

/** The folded constant when e is an operation on constants (scalars, or bcasts of constants). */
function foldConst(e: Expr): Expr | undefined {
  if (e.k === 'const' || e.k === 'var' || e.k === 'load' || e.k === 'ramp' || e.k === 'bcast') return undefined;
  const kids = exprChildren(e);
  const scalars = kids.map((x) => (isConst(x) ? x : x.k === 'bcast' && isConst(x.a) ? x.a : undefined));
  if (scalars.some((x) => x === undefined)) return undefined;
  const lanes = Math.max(1, ...kids.map((x) => (x.k === 'bcast' ? x.lanes : 1)));
  const r = foldScalar(e, scalars as Const[]);
  return r && lanes > 1 ? { k: 'bcast', a: r, lanes } : r;
}

function foldScalar(e: Expr, kids: Const[]): Expr | undefined {
  const v = kids.map((x) => x.v), t = kids[0].t;
  switch (e.k) {
    case 'bin': return foldBin(e.op, t, v[0], v[1]);
    case 'un': return foldUn(e.op, t, v[0]);
    case 'cast': return foldCast(e.t, t, v[0]);
    case 'fma': {
      if (t === 'f32') return cst('f32', f32(f32(Number(v[0]) * Number(v[1])) + Number(v[2])));
      const m = foldBin('mul', t, v[0], v[1]);
      return m && isConst(m) ? foldBin('add', t, m.v, v[2]) : undefined;
    }
    case 'select': return Number(v[0]) !== 0 ? kids[1] : kids[2];
    default: return undefined;
  }
}

function foldBin(op: string, t: RegType, a: number | bigint, b: number | bigint): Expr | undefined {
  if (CMP[op]) return c(CMP[op](a, b) ? 1 : 0);
  if (t === 'i64') {
    const x = BigInt(a), y = BigInt(b);
    const ops: Record<string, () => bigint | undefined> = {
      add: () => x + y, sub: () => x - y, mul: () => x * y, div: () => (y === 0n ? undefined : x / y), rem: () => (y === 0n ? undefined : x % y),
      min: () => (x < y ? x : y), max: () => (x > y ? x : y), and: () => x & y, or: () => x | y, xor: () => x ^ y,
      shl: () => x << (y & 63n), shr: () => x >> (y & 63n),
    };
    const r = ops[op]?.();
    return r === undefined ? undefined : cst('i64', r);
  }
  const x = Number(a), y = Number(b);
  if (t === 'f32') {
    const ops: Record<string, () => number> = {
      add: () => x + y, sub: () => x - y, mul: () => x * y, div: () => x / y, min: () => Math.min(x, y), max: () => Math.max(x, y),
    };
    return ops[op] ? cst('f32', f32(ops[op]())) : undefined;
  }
  const ops: Record<string, () => number | undefined> = {
    add: () => x + y, sub: () => x - y, mul: () => Math.imul(x, y),
    div: () => (y === 0 || (x === -2147483648 && y === -1) ? undefined : Math.trunc(x / y)),
    rem: () => (y === 0 ? undefined : x % y), min: () => Math.min(x, y), max: () => Math.max(x, y),
    and: () => x & y, or: () => x | y, xor: () => x ^ y, shl: () => x << (y & 31), shr: () => x >> (y & 31),
    dot2: () => Math.imul((x << 16) >> 16, (y << 16) >> 16) + Math.imul(x >> 16, y >> 16),
  };
  const r = ops[op]?.();
  return r === undefined ? undefined : cst('i32', r | 0);
}

function foldUn(op: string, t: RegType, a: number | bigint): Expr | undefined {
  if (t === 'i64') {
    const x = BigInt(a);
    const r = op === 'neg' ? -x : op === 'abs' ? (x < 0n ? -x : x) : op === 'not' ? BigInt(x === 0n ? 1 : 0) : op === 'sqrt' ? undefined : x;
    return r === undefined ? undefined : cst('i64', r);
  }
  const x = Number(a);
  if (t === 'i32') {
    const r = op === 'neg' ? -x : op === 'abs' ? Math.abs(x) : op === 'not' ? (x === 0 ? 1 : 0) : op === 'sqrt' ? undefined : x;
    return r === undefined ? undefined : cst('i32', r | 0);
  }
  const ops: Record<string, () => number> = {
    neg: () => -x, abs: () => Math.abs(x), sqrt: () => Math.sqrt(x), floor: () => Math.floor(x), ceil: () => Math.ceil(x),
    round: () => roundEven(x),
  };
  return ops[op] ? cst('f32', f32(ops[op]())) : undefined;
}

function foldCast(to: RegType, from: RegType, a: number | bigint): Expr {
  if (to === from) return cst(to, a);
  if (to === 'f32') return cst('f32', f32(Number(a)));
  if (to === 'i32') return cst('i32', from === 'f32' ? truncSat32(Number(a)) : Number(BigInt.asIntN(32, BigInt(a))));
  return cst('i64', from === 'f32' ? truncSat64(Number(a)) : BigInt(a));
}

// ---- statements ----

function simplifyStmt(st: Stmt, s: Scope): Stmt {
  const ex = (e: Expr) => simplifyExpr(e, s);
  switch (st.k) {
    case 'barrier': return st;
    case 'store': return { ...st, idx: st.idx.map(ex), value: ex(st.value) };
    case 'seq': {
      const body = st.body.map((b) => simplifyStmt(b, s)).flatMap((b) => (b.k === 'seq' ? b.body : [b]));
      return body.length === 1 ? body[0] : { k: 'seq', body };
    }
    case 'if': {
      const cond = ex(st.cond);
      if (isConst(cond)) return Number(cond.v) !== 0 ? simplifyStmt(st.then, s) : st.else ? simplifyStmt(st.else, s) : EMPTY;
      const then = simplifyStmt(st.then, s), els = st.else && simplifyStmt(st.else, s);
      if (isEmpty(then) && (!els || isEmpty(els))) return EMPTY;
      return { ...st, cond, then, else: els && !isEmpty(els) ? els : undefined };
    }
    case 'for': {
      const min = ex(st.min), extent = ex(st.extent);
      if (isConst(extent) && Number(extent.v) <= 0) return EMPTY;
      if (isConst(extent) && Number(extent.v) === 1 && st.kind !== 'parallel') return simplifyStmt(substituteStmt(st.body, st.v, min), s);
      const undo = s.enter({ ...st, min, extent });
      const body = simplifyStmt(st.body, s);
      undo();
      return isEmpty(body) ? EMPTY : { ...st, min, extent, body };
    }
    case 'let': {
      const value = ex(st.value);
      if (!stmtUsesVar(st.body, st.v)) return simplifyStmt(st.body, s);
      if (isConst(value) || (value.k === 'var' && !bindsName(st.body, value.name)))
        return simplifyStmt(substituteStmt(st.body, st.v, value), s);
      const range = s.type(value).t === 'i32' ? bounds(value, s) : undefined;
      const undo = s.bind(st.v, { type: s.type(value), range });
      const body = simplifyStmt(st.body, s);
      undo();
      return isEmpty(body) ? EMPTY : { ...st, value, body };
    }
    case 'alloc': {
      if (!stmtUsesBuf(st.body, st.buf.name)) return simplifyStmt(st.body, s);
      const undo = s.enter(st);
      const body = simplifyStmt(st.body, s);
      undo();
      return isEmpty(body) ? EMPTY : { ...st, body };
    }
  }
}

const EMPTY: Stmt = { k: 'seq', body: [] };
const isEmpty = (s: Stmt) => s.k === 'seq' && s.body.length === 0;

function stmtUsesVar(st: Stmt, name: string): boolean {
  let used = false;
  forEachExpr(st, (e) => { if (e.k === 'var' && e.name === name) used = true; });
  return used;
}

function stmtUsesBuf(st: Stmt, name: string): boolean {
  let used = false;
  forEachExpr(st, (e) => { if (e.k === 'load' && e.buf === name) used = true; });
  forEachStmt(st, (t) => { if (t.k === 'store' && t.buf === name) used = true; });
  return used;
}

function bindsName(st: Stmt, name: string): boolean {
  let found = false;
  forEachStmt(st, (t) => { if ((t.k === 'for' || t.k === 'let') && t.v === name) found = true; });
  return found;
}

