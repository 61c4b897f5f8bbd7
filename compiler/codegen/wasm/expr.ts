// Scalar expressions: i32, i64 and f32 values. Comparisons give i32 0/1, `not` is logical,
// integer div/rem/shr are signed, f32 -> int casts truncate toward zero and saturate.

import type { BinOp, Expr, RegType, UnOp } from '../../ir/loop.js';
import { isCompare } from '../../ir/expr-type.js';
import type { KernelCtx } from './context.js';
import type { BinaryOp, Ref, UnaryOp } from './module.js';
import { emitLoad } from './memory.js';

export { emitScalar, scalarBin, scalarUn, scalarCast, truthy };

function emitScalar(ctx: KernelCtx, e: Expr): Ref {
  const w = ctx.w, t = ctx.scope.type(e);
  if (t.lanes > 1) ctx.fail(`vector expression in scalar context`);
  switch (e.k) {
    case 'const': return t.t === 'f32' ? w.f32(Number(e.v)) : t.t === 'i64' ? w.i64(e.v) : w.i32(Number(e.v));
    case 'var': return ctx.fn.get(ctx.varLocal(e.name));
    case 'load': return emitLoad(ctx, e);
    case 'bin': return scalarBin(ctx, e.op, ctx.scope.type(e.a).t, emitScalar(ctx, e.a), emitScalar(ctx, e.b));
    case 'un': return scalarUn(ctx, e.op, t.t, emitScalar(ctx, e.a));
    case 'fma': {
      const m = scalarBin(ctx, 'mul', t.t, emitScalar(ctx, e.a), emitScalar(ctx, e.b));
      return scalarBin(ctx, 'add', t.t, m, emitScalar(ctx, e.c));
    }
    case 'select': return w.select(truthy(ctx, e.c), emitScalar(ctx, e.a), emitScalar(ctx, e.b));
    case 'cast': return scalarCast(ctx, ctx.scope.type(e.a).t, e.t, emitScalar(ctx, e.a));
    case 'call': return w.call(ctx.math.use(e.fn, false), e.args.map((a) => emitScalar(ctx, a)), 'f32');
    case 'ramp': case 'bcast': return ctx.fail(`${e.k} in scalar context`);
  }
}

/** A scalar condition as i32 (non-zero is true). */
function truthy(ctx: KernelCtx, c: Expr): Ref {
  const w = ctx.w, t = ctx.scope.type(c).t, x = emitScalar(ctx, c);
  if (t === 'i32') return x;
  if (t === 'i64') return w.binary('i64.ne', x, w.i64(0));
  return w.binary('f32.ne', x, w.f32(0));
}

const CMP_SUFFIX: Record<string, string> = { eq: 'eq', ne: 'ne', lt: 'lt', le: 'le', gt: 'gt', ge: 'ge' };

function scalarBin(ctx: KernelCtx, op: BinOp, t: RegType, a: Ref, b: Ref): Ref {
  const w = ctx.w;
  if (isCompare(op)) {
    const s = CMP_SUFFIX[op];
    return w.binary((t === 'f32' ? `f32.${s}` : op === 'eq' || op === 'ne' ? `${t}.${s}` : `${t}.${s}_s`) as BinaryOp, a, b);
  }
  if (t === 'f32') {
    switch (op) {
      case 'add': case 'sub': case 'mul': case 'div': case 'min': case 'max': return w.binary(`f32.${op}`, a, b);
      case 'rem': {   // fmod-like: a - trunc(a / b) * b
        const x = ctx.twice(a, 'f32'), y = ctx.twice(b, 'f32');
        return w.binary('f32.sub', x.first, w.binary('f32.mul', w.unary('f32.trunc', w.binary('f32.div', x.get(), y.first)), y.get()));
      }
      default: return ctx.fail(`operator ${op} is not defined on f32`);
    }
  }
  const I = t as 'i32' | 'i64';
  switch (op) {
    case 'add': case 'sub': case 'mul': case 'and': case 'or': case 'xor': case 'shl': return w.binary(`${I}.${op}`, a, b);
    case 'div': case 'rem': case 'shr': return w.binary(`${I}.${op}_s`, a, b);
    case 'dot2': {
      if (I !== 'i32') return ctx.fail(`operator dot2 on ${t}`);
      const x = ctx.twice(a, 'i32'), y = ctx.twice(b, 'i32');
      const lo = (r: Ref) => w.unary('i32.extend16_s', r), hi = (r: Ref) => w.binary('i32.shr_s', r, w.i32(16));
      return w.binary('i32.add', w.binary('i32.mul', lo(x.first), lo(y.first)), w.binary('i32.mul', hi(x.get()), hi(y.get())));
    }
    case 'min': case 'max': {
      const x = ctx.twice(a, I), y = ctx.twice(b, I);
      return w.select(w.binary(`${I}.${op === 'min' ? 'lt_s' : 'gt_s'}`, x.get(), y.get()), x.first, y.first);
    }
    default: return ctx.fail(`operator ${op} on ${t}`);
  }
}

function scalarUn(ctx: KernelCtx, op: UnOp, t: RegType, a: Ref): Ref {
  const w = ctx.w;
  if (t === 'f32') {
    if (op === 'not') return w.unary('i32.eqz', w.binary('f32.ne', a, w.f32(0)));
    const name = op === 'round' ? 'f32.nearest' : `f32.${op}`;
    return w.unary(name as UnaryOp, a);
  }
  const I = t as 'i32' | 'i64';
  const zero = I === 'i32' ? w.i32(0) : w.i64(0);
  switch (op) {
    case 'neg': return w.binary(`${I}.sub`, zero, a);
    case 'abs': {
      const x = ctx.twice(a, I);     // select evaluates ifTrue, ifFalse, then the condition
      const z2 = I === 'i32' ? w.i32(0) : w.i64(0);
      return w.select(w.binary(`${I}.ge_s`, x.get(), z2), x.first, w.binary(`${I}.sub`, zero, x.get()));
    }
    case 'not': return I === 'i32' ? w.unary('i32.eqz', a) : w.unary('i64.extend_i32_s', w.unary('i64.eqz', a));
    case 'floor': case 'ceil': case 'round': return a;
    default: return ctx.fail(`${op} of an integer`);
  }
}

function scalarCast(ctx: KernelCtx, from: RegType, to: RegType, a: Ref): Ref {
  const w = ctx.w;
  if (from === to) return a;
  if (to === 'f32') return w.unary(from === 'i32' ? 'f32.convert_i32_s' : 'f32.convert_i64_s', a);
  if (to === 'i32') return w.unary(from === 'f32' ? 'i32.trunc_sat_f32_s' : 'i32.wrap_i64', a);
  return w.unary(from === 'f32' ? 'i64.trunc_sat_f32_s' : 'i64.extend_i32_s', a);
}
