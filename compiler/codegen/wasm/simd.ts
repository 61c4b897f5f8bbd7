// Vector expressions (4 lanes of f32 or i32 in a v128). Comparisons give lane masks (all ones);
// a mask used as a number becomes 0/1, so vector code computes what the scalar code would.
// Operations without a SIMD instruction (integer div/rem, shifts by per-lane amounts) run lane
// by lane. With relaxed SIMD, f32 a*b + c becomes f32x4.relaxed_madd.

import type { BinOp, Expr, RegType } from '../../ir/loop.js';
import { isCompare } from '../../ir/expr-type.js';
import type { KernelCtx } from './context.js';
import type { BinaryOp, Ref, UnaryOp } from './module.js';
import { emitScalar, scalarBin } from './expr.js';
import { emitVectorLoad } from './memory.js';

export { emitVector, asValue, asMask };
export type { VecVal };

/** A v128 value; `mask` when its lanes are comparison masks (0 or all ones) rather than numbers. */
interface VecVal { ref: Ref; mask: boolean }

const LANES = 4;
const val = (ref: Ref): VecVal => ({ ref, mask: false });

/** Lanes as numbers: a mask's all-ones lanes become 1. */
function asValue(ctx: KernelCtx, v: VecVal): Ref {
  return v.mask ? ctx.w.unary('i32x4.neg', v.ref) : v.ref;
}

/** Lanes as a select mask: non-zero numbers become all ones. */
function asMask(ctx: KernelCtx, v: VecVal, t: RegType): Ref {
  if (v.mask) return v.ref;
  return t === 'f32' ? ctx.w.binary('f32x4.ne', v.ref, ctx.w.f32x4(0, 0, 0, 0)) : ctx.w.binary('i32x4.ne', v.ref, ctx.w.i32x4(0, 0, 0, 0));
}

/**
 * A load marked splat 'lanes' (schedule primitive 'broadcast'): one v128.load of the element's
 * aligned group of 4 along the last dim, and a shuffle of its lane (binaryen merges the group's
 * identical loads). Undefined when the read does not qualify: then it is load-splat.
 */
function laneSplat(ctx: KernelCtx, a: Extract<Expr, { k: 'load' }>): Ref | undefined {
  const b = ctx.buf(a.buf), last = a.idx[a.idx.length - 1];
  const n = b.shape.length;
  if (a.splat !== 'lanes' || b.scope !== 'global' || b.dtype !== 'f32' || last?.k !== 'const') return undefined;
  if (b.strides[n - 1] !== 1 || b.shape[n - 1] % LANES !== 0) return undefined;
  const lane = Number(last.v) % LANES;
  const group = emitVectorLoad(ctx, {
    k: 'load', buf: a.buf,
    idx: [...a.idx.slice(0, -1).map((i): Expr => ({ k: 'bcast', a: i, lanes: LANES })), { k: 'ramp', base: { k: 'const', t: 'i32', v: Number(last.v) - lane }, stride: 1, lanes: LANES }],
  });
  const bytes = [0, 1, 2, 3].map((j) => 4 * lane + j);
  return ctx.w.shuffle(group, ctx.w.i32x4(0, 0, 0, 0), [...bytes, ...bytes, ...bytes, ...bytes]);
}

function emitVector(ctx: KernelCtx, e: Expr): VecVal {
  const w = ctx.w, t = ctx.scope.type(e);
  if (t.lanes !== LANES) ctx.fail(t.lanes === 1 ? 'scalar expression in vector context' : `vectors of ${t.lanes} lanes are not supported`);
  if (t.t === 'i64') ctx.fail('i64 vectors are not supported');
  const F = t.t === 'f32' ? 'f32x4' : 'i32x4';
  switch (e.k) {
    case 'var': return val(ctx.fn.get(ctx.varLocal(e.name)));
    case 'load': return val(emitVectorLoad(ctx, e));
    case 'bcast': {
      const lanes = e.a.k === 'load' ? laneSplat(ctx, e.a) : undefined;
      if (lanes) return val(lanes);
      if (e.a.k === 'load' && ctx.buf(e.a.buf).scope === 'global' && (t.t === 'f32' || ctx.buf(e.a.buf).dtype === 'i32'))
        return val(emitVectorLoad(ctx, { ...e.a, idx: e.a.idx.map((i) => ({ k: 'bcast', a: i, lanes: LANES })) }));
      return val(w.splat(F, emitScalar(ctx, e.a)));
    }
    case 'ramp': {
      const s = e.stride;
      return val(w.binary('i32x4.add', w.splat('i32x4', emitScalar(ctx, e.base)), w.i32x4(0, s, 2 * s, 3 * s)));
    }
    case 'bin': return vecBin(ctx, e.op, ctx.scope.type(e.a).t, e.a, e.b);
    case 'un': {
      const a = emitVector(ctx, e.a);
      if (e.op === 'not') return { ref: a.mask ? w.unary('v128.not', a.ref) : w.binary(`${F}.eq`, a.ref, F === 'f32x4' ? w.f32x4(0, 0, 0, 0) : w.i32x4(0, 0, 0, 0)), mask: true };
      if (t.t === 'i32') {
        if (e.op === 'neg' || e.op === 'abs') return val(w.unary(`i32x4.${e.op}`, asValue(ctx, a)));
        if (e.op === 'sqrt') ctx.fail('sqrt of an integer');
        return val(asValue(ctx, a));
      }
      return val(w.unary((e.op === 'round' ? 'f32x4.nearest' : `f32x4.${e.op}`) as UnaryOp, a.ref));
    }
    case 'fma': return fma(ctx, t.t, e.a, e.b, e.c);
    case 'select': {
      const m = asMask(ctx, emitVector(ctx, e.c), ctx.scope.type(e.c).t);
      return val(w.bitselect(asValue(ctx, emitVector(ctx, e.a)), asValue(ctx, emitVector(ctx, e.b)), m));
    }
    case 'cast': {
      const from = ctx.scope.type(e.a).t, a = asValue(ctx, emitVector(ctx, e.a));
      if (from === e.t) return val(a);
      return val(w.unary(e.t === 'f32' ? 'f32x4.convert_i32x4_s' : 'i32x4.trunc_sat_f32x4_s', a));
    }
    case 'call': return val(w.call(ctx.math.use(e.fn, true), e.args.map((x) => asValue(ctx, emitVector(ctx, x))), 'v128'));
    case 'const': return ctx.fail('vector constant without bcast');
  }
}

function fma(ctx: KernelCtx, t: RegType, a: Expr, b: Expr, c: Expr): VecVal {
  const w = ctx.w, F = t === 'f32' ? 'f32x4' : 'i32x4';
  const [x, y, z] = [a, b, c].map((e) => asValue(ctx, emitVector(ctx, e)));
  if (t === 'f32' && ctx.opts.relaxedSimd) return val(w.relaxedMadd(x, y, z));
  return val(w.binary(`${F}.add`, w.binary(`${F}.mul`, x, y), z));
}

/** A splat of a non-NaN constant. */
const isConstBcast = (e: Expr): boolean => e.k === 'bcast' && e.a.k === 'const' && !Number.isNaN(Number(e.a.v));

const isMul = (e: Expr): e is Extract<Expr, { k: 'bin' }> => e.k === 'bin' && e.op === 'mul';

function vecBin(ctx: KernelCtx, op: BinOp, t: RegType, ea: Expr, eb: Expr): VecVal {
  const w = ctx.w;
  if (t === 'f32' && op === 'add' && ctx.opts.relaxedSimd) {
    if (isMul(ea)) return fma(ctx, t, ea.a, ea.b, eb);
    if (isMul(eb)) return fma(ctx, t, eb.a, eb.b, ea);
  }
  if (t === 'f32' && (op === 'min' || op === 'max')) {
    // Against a constant bound (ReLU, Clip): pmin/pmax, one instruction on x86 where min/max are
    // eight (NaN and signed-zero fix-ups). With the variable operand first a NaN still propagates;
    // only max(-0, +0) (min(+0, -0)) gives the zero of the variable operand.
    const [x, k] = isConstBcast(eb) ? [ea, eb] : isConstBcast(ea) ? [eb, ea] : [undefined, undefined];
    if (x && k) return val(w.binary(`f32x4.p${op}`, asValue(ctx, emitVector(ctx, x)), asValue(ctx, emitVector(ctx, k))));
  }
  const a = emitVector(ctx, ea), b = emitVector(ctx, eb);
  if (isCompare(op)) {
    const s = t === 'f32' || op === 'eq' || op === 'ne' ? op : `${op}_s`;
    return { ref: w.binary(`${t === 'f32' ? 'f32x4' : 'i32x4'}.${s}` as BinaryOp, asValue(ctx, a), asValue(ctx, b)), mask: true };
  }
  if (t === 'f32') {
    switch (op) {
      case 'add': case 'sub': case 'mul': case 'div': case 'min': case 'max': return val(w.binary(`f32x4.${op}`, a.ref, b.ref));
      case 'rem': {
        const x = ctx.twice(a.ref, 'v128'), y = ctx.twice(b.ref, 'v128');
        return val(w.binary('f32x4.sub', x.first, w.binary('f32x4.mul', w.unary('f32x4.trunc', w.binary('f32x4.div', x.get(), y.first)), y.get())));
      }
      default: return ctx.fail(`operator ${op} is not defined on f32`);
    }
  }
  switch (op) {
    case 'and': case 'or': case 'xor':
      if (a.mask && b.mask) return { ref: w.binary(`v128.${op}`, a.ref, b.ref), mask: true };
      return val(w.binary(`v128.${op}`, asValue(ctx, a), asValue(ctx, b)));
    case 'add': case 'sub': case 'mul': return val(w.binary(`i32x4.${op}`, asValue(ctx, a), asValue(ctx, b)));
    case 'dot2': return val(w.binary('i32x4.dot_i16x8_s', asValue(ctx, a), asValue(ctx, b)));
    case 'min': case 'max': return val(w.binary(`i32x4.${op}_s`, asValue(ctx, a), asValue(ctx, b)));
    case 'shl': case 'shr':
      if (eb.k === 'bcast') return val(w.binary(op === 'shl' ? 'i32x4.shl' : 'i32x4.shr_s', asValue(ctx, a), emitScalar(ctx, eb.a)));
      return val(lanewise(ctx, op, a, b));
    default: return val(lanewise(ctx, op, a, b));
  }
}

/** An i32 operation without a SIMD instruction, one lane at a time. */
function lanewise(ctx: KernelCtx, op: BinOp, a: VecVal, b: VecVal): Ref {
  const w = ctx.w;
  const x = ctx.temp(asValue(ctx, a), 'v128'), y = ctx.temp(asValue(ctx, b), 'v128');
  let out = w.i32x4(0, 0, 0, 0);
  for (let j = 0; j < LANES; j++) {
    const r = scalarBin(ctx, op, 'i32', w.extractLane('i32x4', x.get(), j), w.extractLane('i32x4', y.get(), j));
    out = w.replaceLane('i32x4', out, j, r);
  }
  return w.block(null, [x.set, y.set, out], 'v128');
}
