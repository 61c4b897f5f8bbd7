// Loads and stores: global buffers through linear memory (address.ts decides pointer and
// immediate offsets), register buffers through locals. Narrow types widen on load (signed or
// unsigned) and wrap on store. A vector access is contiguous (one v128 op), uniform (a splat, or
// the last lane for a store), strided (4 lane ops with immediate offsets; stride 2 is two loads and
// a shuffle) or a gather/scatter.

import type { Buf, Expr, ScalarType, Stmt } from '../../ir/loop.js';
import { SCALAR_BYTES } from '../../ir/loop.js';
import type { KernelCtx } from './context.js';
import type { LoadOp, Ref, StoreOp } from './module.js';
import { byteForm, placeOffsets, termRef } from './address.js';
import { emitScalar } from './expr.js';
import { emitVector, asValue } from './simd.js';
import { f32ToHalf, halfToF32 } from './half.js';

export { emitLoad, emitVectorLoad, emitStore };

type Load = Extract<Expr, { k: 'load' }>;
type Store = Extract<Stmt, { k: 'store' }>;

const LOAD: Record<ScalarType, LoadOp> = {
  f32: 'f32.load', i32: 'i32.load', i64: 'i64.load', i8: 'i32.load8_s', u8: 'i32.load8_u', i16: 'i32.load16_s', u16: 'i32.load16_u',
  f64: 'f64.load', u32: 'i64.load32_u',    // f64 is demoted to an f32 register (promoted on store), u32 widens to i64
  f16: 'i32.load16_u',                     // half bits, widened to f32 (half.ts)
};
const STORE: Record<ScalarType, StoreOp> = {
  f32: 'f32.store', i32: 'i32.store', i64: 'i64.store', i8: 'i32.store8', u8: 'i32.store8', i16: 'i32.store16', u16: 'i32.store16',
  f64: 'f64.store', u32: 'i64.store32', f16: 'i32.store16',
};
/** Storage types with no vector access: 8-byte lanes, or a register type wider than the storage. */
const SCALAR_ONLY = new Set<ScalarType>(['i64', 'f64', 'u32', 'f16']);
const shapeOf = (t: ScalarType) => (t === 'f32' ? 'f32x4' : 'i32x4') as 'f32x4' | 'i32x4';
const isRamp0 = (e: Expr | undefined) => e?.k === 'ramp' && e.base.k === 'const' && Number(e.base.v) === 0 && e.stride === 1;

// ---- registers ----

function regLocal(ctx: KernelCtx, b: Buf): number {
  const l = ctx.regs.get(b.name);
  if (l === undefined) ctx.fail(`local buffer '${b.name}' was not registerized`);
  return l;
}

function laneIndex(ctx: KernelCtx, b: Buf, idx: Expr[]): number {
  const i = idx[0];
  if (b.shape.length !== 1 || i?.k !== 'const') ctx.fail(`register buffer '${b.name}' needs a constant lane index`);
  return Number(i.v);
}

/** Wrap an i32 (or i32x4) value to a narrow storage type, as a store to memory would. */
function wrapNarrow(ctx: KernelCtx, t: ScalarType, x: Ref, vector: boolean): Ref {
  const w = ctx.w;
  if (t === 'u8' || t === 'u16') {
    const m = t === 'u8' ? 0xff : 0xffff;
    return vector ? w.binary('v128.and', x, w.i32x4(m, m, m, m)) : w.binary('i32.and', x, w.i32(m));
  }
  if (t === 'i8' || t === 'i16') {
    if (!vector) return w.unary(t === 'i8' ? 'i32.extend8_s' : 'i32.extend16_s', x);
    const s = t === 'i8' ? 24 : 16;
    return w.binary('i32x4.shr_s', w.binary('i32x4.shl', x, w.i32(s)), w.i32(s));
  }
  return x;
}

// ---- loads ----

function emitLoad(ctx: KernelCtx, e: Load): Ref {
  const b = ctx.buf(e.buf);
  if (b.scope === 'local') {
    const l = regLocal(ctx, b);
    return b.shape.length === 0 ? ctx.fn.get(l) : ctx.w.extractLane(shapeOf(b.dtype), ctx.fn.get(l), laneIndex(ctx, b, e.idx));
  }
  const f = byteForm(ctx, b, e.idx);
  const { ptr, offsets } = placeOffsets(ctx, f.terms, [f.k]);
  const x = ctx.w.load(LOAD[b.dtype], offsets[0], ptr);
  if (b.dtype === 'f16') return halfToF32(ctx.w, x);
  return b.dtype === 'f64' ? ctx.w.unary('f32.demote_f64', x) : x;
}

function emitVectorLoad(ctx: KernelCtx, e: Load): Ref {
  const w = ctx.w, b = ctx.buf(e.buf);
  if (SCALAR_ONLY.has(b.dtype)) ctx.fail(`${b.dtype} vector load of '${b.name}'`);
  if (b.scope === 'local') {
    if (!isRamp0(e.idx[0])) ctx.fail(`register buffer '${b.name}' read as a vector at ${e.idx.length} indices`);
    return ctx.fn.get(regLocal(ctx, b));
  }
  const f = byteForm(ctx, b, e.idx), bytes = SCALAR_BYTES[b.dtype];
  const vterms = f.terms.filter((t) => t.lanes > 1), sterms = f.terms.filter((t) => t.lanes === 1);
  if (vterms.length) return gather(ctx, b, vectorAddress(ctx, sterms, vterms, f.k, f.lane));
  if (f.lane === bytes) {
    const { ptr, offsets: [o] } = placeOffsets(ctx, sterms, [f.k]);
    switch (b.dtype) {
      case 'i16': return w.load('v128.load16x4_s', o, ptr);
      case 'u16': return w.load('v128.load16x4_u', o, ptr);
      case 'i8': case 'u8': {
        const s = b.dtype === 'i8' ? '_s' : '_u';
        const v16 = w.unary(`i16x8.extend_low_i8x16${s}`, w.load('v128.load32_zero', o, ptr));
        return w.unary(`i32x4.extend_low_i16x8${s}`, v16);
      }
      default: return w.load('v128.load', o, ptr);
    }
  }
  if (f.lane === 0) {
    const { ptr, offsets: [o] } = placeOffsets(ctx, sterms, [f.k]);
    return bytes === 4 ? w.load('v128.load32_splat', o, ptr) : w.splat('i32x4', w.load(LOAD[b.dtype], o, ptr));
  }
  if (bytes === 4 && f.lane === 8) {
    // Stride 2: two contiguous loads and one shuffle of their even lanes (reads 4 bytes past the
    // last element; memory keeps slack at its end for that, see codegen/wasm/index.ts).
    // At an offset that is 4 mod 8, the odd lanes of the pair of loads 4 bytes earlier instead:
    // taps kw and kw+1 of a stride-2 window then read the same two vectors (CSE'd by binaryen).
    const { ptr, offsets: [o] } = placeOffsets(ctx, sterms, [f.k]);
    const p = ctx.temp(ptr, 'i32');
    const odd = o % 8 === 4;
    const lanes = [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27].map((b) => (odd ? b + 4 : b));
    const at = odd ? o - 4 : o;
    return w.block(null, [p.set, w.shuffle(w.load('v128.load', at, p.get()), w.load('v128.load', at + 16, p.get()), lanes)], 'v128');
  }
  const { ptr, offsets } = placeOffsets(ctx, sterms, [0, 1, 2, 3].map((j) => f.k + j * f.lane));
  const p = ctx.temp(ptr, 'i32');
  let v: Ref;
  if (bytes === 4) {
    v = w.load('v128.load32_zero', offsets[0], p.get());
    for (let j = 1; j < 4; j++) v = w.loadLane(4, offsets[j], j, p.get(), v);
  } else {
    v = w.i32x4(0, 0, 0, 0);
    for (let j = 0; j < 4; j++) v = w.replaceLane('i32x4', v, j, w.load(LOAD[b.dtype], offsets[j], p.get()));
  }
  return w.block(null, [p.set, v], 'v128');
}

/** Per-lane byte addresses as an i32x4 local (for gathers and scatters). */
function vectorAddress(ctx: KernelCtx, sterms: Parameters<typeof termRef>[1][], vterms: Parameters<typeof termRef>[1][], k: number, lane: number) {
  const w = ctx.w;
  const { ptr, offsets: [o] } = placeOffsets(ctx, sterms, [k]);
  let v = w.binary('i32x4.add', w.splat('i32x4', o ? w.binary('i32.add', ptr, w.i32(o)) : ptr), w.i32x4(0, lane, 2 * lane, 3 * lane));
  for (const t of vterms) {
    const x = asValue(ctx, emitVector(ctx, t.atom));
    v = w.binary('i32x4.add', v, t.coef === 1 ? x : w.binary('i32x4.mul', x, w.i32x4(t.coef, t.coef, t.coef, t.coef)));
  }
  return ctx.temp(v, 'v128');
}

function gather(ctx: KernelCtx, b: Buf, addr: { set: Ref; get: () => Ref }): Ref {
  const w = ctx.w;
  let v = w.i32x4(0, 0, 0, 0);
  for (let j = 0; j < 4; j++) {
    const x = w.load(LOAD[b.dtype], 0, w.extractLane('i32x4', addr.get(), j));
    v = w.replaceLane(shapeOf(b.dtype), v, j, x);
  }
  return w.block(null, [addr.set, v], 'v128');
}

// ---- stores ----

function emitStore(ctx: KernelCtx, s: Store): Ref {
  const w = ctx.w, b = ctx.buf(s.buf);
  const vt = ctx.scope.type(s.value);
  const lanes = Math.max(vt.lanes, ...s.idx.map((i) => ctx.scope.type(i).lanes));
  if (b.scope === 'local') {
    const l = regLocal(ctx, b);
    if (b.shape.length === 0) return ctx.fn.set(l, wrapNarrow(ctx, b.dtype, emitScalar(ctx, s.value), false));
    if (lanes > 1) {
      if (!isRamp0(s.idx[0])) ctx.fail(`register buffer '${b.name}' written as a vector at a non-ramp index`);
      return ctx.fn.set(l, wrapNarrow(ctx, b.dtype, asValue(ctx, emitVector(ctx, s.value)), true));
    }
    const x = wrapNarrow(ctx, b.dtype, emitScalar(ctx, s.value), false);
    return ctx.fn.set(l, w.replaceLane(shapeOf(b.dtype), ctx.fn.get(l), laneIndex(ctx, b, s.idx), x));
  }
  const f = byteForm(ctx, b, s.idx);
  if (lanes === 1) {
    const { ptr, offsets } = placeOffsets(ctx, f.terms, [f.k]);
    const x = emitScalar(ctx, s.value);
    const stored = b.dtype === 'f64' ? w.unary('f64.promote_f32', x) : b.dtype === 'f16' ? f32ToHalf(w, x) : x;
    return w.store(STORE[b.dtype], offsets[0], ptr, stored);
  }
  if (SCALAR_ONLY.has(b.dtype)) ctx.fail(`${b.dtype} vector store to '${b.name}'`);
  const bytes = SCALAR_BYTES[b.dtype] as 1 | 2 | 4;
  const value = vt.lanes > 1 ? asValue(ctx, emitVector(ctx, s.value)) : w.splat(shapeOf(b.dtype), emitScalar(ctx, s.value));
  const vterms = f.terms.filter((t) => t.lanes > 1), sterms = f.terms.filter((t) => t.lanes === 1);
  const byteLane = (j: number) => j * (4 / bytes);
  if (!vterms.length && f.lane === bytes) {
    const { ptr, offsets: [o] } = placeOffsets(ctx, sterms, [f.k]);
    if (bytes === 4) return w.store('v128.store', o, ptr, value);
    const mask = bytes === 2 ? [0, 1, 4, 5, 8, 9, 12, 13, 0, 1, 4, 5, 8, 9, 12, 13] : [0, 4, 8, 12, 0, 4, 8, 12, 0, 4, 8, 12, 0, 4, 8, 12];
    const v = ctx.twice(value, 'v128');
    return w.storeLane(bytes === 2 ? 8 : 4, o, 0, ptr, w.shuffle(v.first, v.get(), mask));
  }
  if (!vterms.length && f.lane === 0) {        // every lane writes the same element: the last one wins
    const { ptr, offsets: [o] } = placeOffsets(ctx, sterms, [f.k]);
    return w.storeLane(bytes, o, byteLane(3), ptr, value);
  }
  const val = ctx.temp(value, 'v128');
  const out: Ref[] = [val.set];
  if (!vterms.length) {
    const { ptr, offsets } = placeOffsets(ctx, sterms, [0, 1, 2, 3].map((j) => f.k + j * f.lane));
    const p = ctx.temp(ptr, 'i32');
    out.push(p.set);
    for (let j = 0; j < 4; j++) out.push(w.storeLane(bytes, offsets[j], byteLane(j), p.get(), val.get()));
  } else {
    const addr = vectorAddress(ctx, sterms, vterms, f.k, f.lane);
    out.push(addr.set);
    for (let j = 0; j < 4; j++) out.push(w.storeLane(bytes, 0, byteLane(j), w.extractLane('i32x4', addr.get(), j), val.get()));
  }
  return w.block(null, out);
}
