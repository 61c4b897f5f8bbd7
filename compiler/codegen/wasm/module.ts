// The one place accelc touches binaryen. Everything else builds code through this wrapper, with
// instruction names as in the text format ('f32x4.add', 'i32.load8_u', 'v128.load32_splat').

import binaryen from 'binaryen';

export { WasmModule, FnBuilder, watOf };
export type { Ref, ValType, UnaryOp, BinaryOp, LoadOp, StoreOp, LaneShape };

type Ref = number;
type ValType = 'i32' | 'i64' | 'f32' | 'v128' | 'none';
type LaneShape = 'i8x16' | 'i16x8' | 'i32x4' | 'i64x2' | 'f32x4';

// The C API entry points binaryen.js exposes but does not declare.
const C = binaryen as unknown as {
  _BinaryenUnary(m: number, op: number, x: Ref): Ref;
  _BinaryenBinary(m: number, op: number, a: Ref, b: Ref): Ref;
  _BinaryenSIMDTernary(m: number, op: number, a: Ref, b: Ref, c: Ref): Ref;
  _BinaryenSIMDShift(m: number, op: number, v: Ref, shift: Ref): Ref;
};

const B = binaryen;
const UNARY = {
  'i32.eqz': B.EqZInt32, 'i64.eqz': B.EqZInt64, 'i32.extend8_s': B.ExtendS8Int32, 'i32.extend16_s': B.ExtendS16Int32,
  'f32.neg': B.NegFloat32, 'f32.abs': B.AbsFloat32, 'f32.sqrt': B.SqrtFloat32, 'f32.floor': B.FloorFloat32,
  'f32.ceil': B.CeilFloat32, 'f32.nearest': B.NearestFloat32, 'f32.trunc': B.TruncFloat32,
  'i32.trunc_sat_f32_s': B.TruncSatSFloat32ToInt32, 'i64.trunc_sat_f32_s': B.TruncSatSFloat32ToInt64,
  'f32.convert_i32_s': B.ConvertSInt32ToFloat32, 'f32.convert_i64_s': B.ConvertSInt64ToFloat32,
  'i64.extend_i32_s': B.ExtendSInt32, 'i32.wrap_i64': B.WrapInt64,
  'f32.demote_f64': B.DemoteFloat64, 'f64.promote_f32': B.PromoteFloat32,
  'i32.reinterpret_f32': B.ReinterpretFloat32, 'f32.reinterpret_i32': B.ReinterpretInt32,
  'f32x4.neg': B.NegVecF32x4, 'f32x4.abs': B.AbsVecF32x4, 'f32x4.sqrt': B.SqrtVecF32x4, 'f32x4.floor': B.FloorVecF32x4,
  'f32x4.ceil': B.CeilVecF32x4, 'f32x4.nearest': B.NearestVecF32x4, 'f32x4.trunc': B.TruncVecF32x4,
  'i32x4.neg': B.NegVecI32x4, 'i32x4.abs': B.AbsVecI32x4, 'v128.not': B.NotVec128, 'v128.any_true': B.AnyTrueVec128,
  'i32x4.trunc_sat_f32x4_s': B.TruncSatSVecF32x4ToVecI32x4, 'f32x4.convert_i32x4_s': B.ConvertSVecI32x4ToVecF32x4,
  'i16x8.extend_low_i8x16_s': B.ExtendLowSVecI8x16ToVecI16x8, 'i16x8.extend_low_i8x16_u': B.ExtendLowUVecI8x16ToVecI16x8,
  'i32x4.extend_low_i16x8_s': B.ExtendLowSVecI16x8ToVecI32x4, 'i32x4.extend_low_i16x8_u': B.ExtendLowUVecI16x8ToVecI32x4,
} as const;

const BINARY = {
  'i32.add': B.AddInt32, 'i32.sub': B.SubInt32, 'i32.mul': B.MulInt32, 'i32.div_s': B.DivSInt32, 'i32.div_u': B.DivUInt32,
  'i32.rem_s': B.RemSInt32, 'i32.rem_u': B.RemUInt32, 'i32.and': B.AndInt32, 'i32.or': B.OrInt32, 'i32.xor': B.XorInt32, 'i32.shl': B.ShlInt32,
  'i32.shr_s': B.ShrSInt32, 'i32.shr_u': B.ShrUInt32, 'i32.eq': B.EqInt32, 'i32.ne': B.NeInt32, 'i32.lt_s': B.LtSInt32,
  'i32.le_s': B.LeSInt32, 'i32.gt_s': B.GtSInt32, 'i32.ge_s': B.GeSInt32,
  'i64.add': B.AddInt64, 'i64.sub': B.SubInt64, 'i64.mul': B.MulInt64, 'i64.div_s': B.DivSInt64, 'i64.rem_s': B.RemSInt64,
  'i64.and': B.AndInt64, 'i64.or': B.OrInt64, 'i64.xor': B.XorInt64, 'i64.shl': B.ShlInt64, 'i64.shr_s': B.ShrSInt64,
  'i64.eq': B.EqInt64, 'i64.ne': B.NeInt64, 'i64.lt_s': B.LtSInt64, 'i64.le_s': B.LeSInt64, 'i64.gt_s': B.GtSInt64,
  'i64.ge_s': B.GeSInt64,
  'f32.add': B.AddFloat32, 'f32.sub': B.SubFloat32, 'f32.mul': B.MulFloat32, 'f32.div': B.DivFloat32,
  'f32.min': B.MinFloat32, 'f32.max': B.MaxFloat32, 'f32.copysign': B.CopySignFloat32, 'f32.eq': B.EqFloat32,
  'f32.ne': B.NeFloat32, 'f32.lt': B.LtFloat32, 'f32.le': B.LeFloat32, 'f32.gt': B.GtFloat32, 'f32.ge': B.GeFloat32,
  'f32x4.add': B.AddVecF32x4, 'f32x4.sub': B.SubVecF32x4, 'f32x4.mul': B.MulVecF32x4, 'f32x4.div': B.DivVecF32x4,
  'f32x4.min': B.MinVecF32x4, 'f32x4.max': B.MaxVecF32x4, 'f32x4.pmin': B.PMinVecF32x4, 'f32x4.pmax': B.PMaxVecF32x4, 'f32x4.eq': B.EqVecF32x4, 'f32x4.ne': B.NeVecF32x4,
  'f32x4.lt': B.LtVecF32x4, 'f32x4.le': B.LeVecF32x4, 'f32x4.gt': B.GtVecF32x4, 'f32x4.ge': B.GeVecF32x4,
  'i32x4.add': B.AddVecI32x4, 'i32x4.sub': B.SubVecI32x4, 'i32x4.mul': B.MulVecI32x4, 'i32x4.min_s': B.MinSVecI32x4,
  'i32x4.max_s': B.MaxSVecI32x4, 'i32x4.eq': B.EqVecI32x4, 'i32x4.ne': B.NeVecI32x4, 'i32x4.lt_s': B.LtSVecI32x4,
  'i32x4.le_s': B.LeSVecI32x4, 'i32x4.gt_s': B.GtSVecI32x4, 'i32x4.ge_s': B.GeSVecI32x4, 'i32x4.dot_i16x8_s': B.DotSVecI16x8ToVecI32x4,
  'v128.and': B.AndVec128, 'v128.or': B.OrVec128, 'v128.xor': B.XorVec128, 'v128.andnot': B.AndNotVec128,
} as const;

const SHIFT = { 'i32x4.shl': B.ShlVecI32x4, 'i32x4.shr_s': B.ShrSVecI32x4, 'i32x4.shr_u': B.ShrUVecI32x4 } as const;

type UnaryOp = keyof typeof UNARY;
type BinaryOp = keyof typeof BINARY | keyof typeof SHIFT;
type LoadOp =
  | 'i32.load' | 'i32.load8_s' | 'i32.load8_u' | 'i32.load16_s' | 'i32.load16_u' | 'i64.load' | 'f32.load'
  | 'f64.load' | 'i64.load32_u'
  | 'v128.load' | 'v128.load32_splat' | 'v128.load64_splat' | 'v128.load32_zero' | 'v128.load16x4_s' | 'v128.load16x4_u';
type StoreOp = 'i32.store' | 'i32.store8' | 'i32.store16' | 'i64.store' | 'f32.store' | 'v128.store' | 'f64.store' | 'i64.store32';

const BYTES: Record<LoadOp | StoreOp, number> = {
  'i32.load': 4, 'i32.load8_s': 1, 'i32.load8_u': 1, 'i32.load16_s': 2, 'i32.load16_u': 2, 'i64.load': 8, 'f32.load': 4,
  'v128.load': 4, 'v128.load32_splat': 4, 'v128.load64_splat': 8, 'v128.load32_zero': 4, 'v128.load16x4_s': 2, 'v128.load16x4_u': 2,
  'i32.store': 4, 'i32.store8': 1, 'i32.store16': 2, 'i64.store': 8, 'f32.store': 4, 'v128.store': 4,
  'f64.load': 8, 'i64.load32_u': 4, 'f64.store': 8, 'i64.store32': 4,
};

function typeOf(t: ValType): binaryen.Type {
  return { i32: B.i32, i64: B.i64, f32: B.f32, v128: B.v128, none: B.none }[t];
}

/** Locals of one function under construction: params first, then vars added on demand. */
class FnBuilder {
  readonly vars: ValType[] = [];
  constructor(private readonly w: WasmModule, readonly params: ValType[]) {}
  local(t: ValType): number { this.vars.push(t); return this.params.length + this.vars.length - 1; }
  typeOfLocal(i: number): ValType { return i < this.params.length ? this.params[i] : this.vars[i - this.params.length]; }
  get(i: number): Ref { return this.w.localGet(i, this.typeOfLocal(i)); }
  set(i: number, v: Ref): Ref { return this.w.localSet(i, v); }
  tee(i: number, v: Ref): Ref { return this.w.localTee(i, v, this.typeOfLocal(i)); }
}

class WasmModule {
  private readonly m = new binaryen.Module();
  private labels = 0;

  // ---- constants ----
  i32(n: number): Ref { return this.m.i32.const(n | 0); }
  i64(n: number | bigint): Ref { return this.m.i64.const(BigInt.asIntN(64, BigInt(n))); }
  f32(x: number): Ref { return this.m.f32.const(x); }
  v128(bytes: ArrayLike<number>): Ref { return this.m.v128.const(bytes); }
  f32x4(...xs: number[]): Ref { return this.v128(new Uint8Array(new Float32Array(xs).buffer)); }
  i32x4(...xs: number[]): Ref { return this.v128(new Uint8Array(new Int32Array(xs).buffer)); }

  // ---- operators ----
  unary(op: UnaryOp, x: Ref): Ref { return C._BinaryenUnary(this.m.ptr, UNARY[op], x); }
  binary(op: BinaryOp, a: Ref, b: Ref): Ref {
    if (op in SHIFT) return C._BinaryenSIMDShift(this.m.ptr, SHIFT[op as keyof typeof SHIFT], a, b);
    return C._BinaryenBinary(this.m.ptr, BINARY[op as keyof typeof BINARY], a, b);
  }
  bitselect(ifTrue: Ref, ifFalse: Ref, mask: Ref): Ref { return this.m.v128.bitselect(ifTrue, ifFalse, mask); }
  relaxedMadd(a: Ref, b: Ref, c: Ref): Ref { return C._BinaryenSIMDTernary(this.m.ptr, B.RelaxedMaddVecF32x4, a, b, c); }
  select(cond: Ref, ifTrue: Ref, ifFalse: Ref): Ref { return this.m.select(cond, ifTrue, ifFalse); }
  splat(shape: LaneShape, x: Ref): Ref { return this.m[shape].splat(x); }
  extractLane(shape: 'i32x4' | 'f32x4' | 'i64x2', v: Ref, lane: number): Ref { return this.m[shape].extract_lane(v, lane); }
  replaceLane(shape: 'i32x4' | 'f32x4', v: Ref, lane: number, x: Ref): Ref { return this.m[shape].replace_lane(v, lane, x); }
  shuffle(a: Ref, b: Ref, mask: number[]): Ref { return this.m.i8x16.shuffle(a, b, mask); }

  // ---- memory ----
  load(op: LoadOp, offset: number, ptr: Ref): Ref {
    const [ns, name] = op.split('.') as ['i32' | 'i64' | 'f32' | 'f64' | 'v128', string];
    const fn = (this.m[ns] as unknown as Record<string, (o: number, a: number, p: Ref) => Ref>)[name];
    return fn(offset, BYTES[op], ptr);
  }
  store(op: StoreOp, offset: number, ptr: Ref, value: Ref): Ref {
    const [ns, name] = op.split('.') as ['i32' | 'i64' | 'f32' | 'f64' | 'v128', string];
    const fn = (this.m[ns] as unknown as Record<string, (o: number, a: number, p: Ref, v: Ref) => Ref>)[name];
    return fn(offset, BYTES[op], ptr, value);
  }
  loadLane(bytes: 4 | 8, offset: number, lane: number, ptr: Ref, vec: Ref): Ref {
    return bytes === 4 ? this.m.v128.load32_lane(offset, 4, lane, ptr, vec) : this.m.v128.load64_lane(offset, 8, lane, ptr, vec);
  }
  storeLane(bytes: 1 | 2 | 4 | 8, offset: number, lane: number, ptr: Ref, vec: Ref): Ref {
    const v = this.m.v128;
    const fn = { 1: v.store8_lane, 2: v.store16_lane, 4: v.store32_lane, 8: v.store64_lane }[bytes];
    return fn(offset, bytes, lane, ptr, vec);
  }
  atomicLoad32(addr: number): Ref { return this.m.i32.atomic.load(0, this.i32(addr)); }
  atomicLoad32At(ptr: Ref): Ref { return this.m.i32.atomic.load(0, ptr); }
  atomicStore32(addr: number, v: Ref): Ref { return this.m.i32.atomic.store(0, this.i32(addr), v); }
  atomicAdd32(addr: number, v: Ref): Ref { return this.m.i32.atomic.rmw.add(0, this.i32(addr), v); }
  atomicAdd32At(ptr: Ref, v: Ref): Ref { return this.m.i32.atomic.rmw.add(0, ptr, v); }
  atomicNotify(addr: number, count: Ref): Ref { return this.m.memory.atomic.notify(this.i32(addr), count); }
  /** Sleeps while the word at addr equals expected, at most timeoutNs (default: no timeout). */
  atomicWait32(addr: number, expected: Ref, timeoutNs = -1): Ref { return this.m.memory.atomic.wait32(this.i32(addr), expected, this.i64(timeoutNs)); }
  drop(x: Ref): Ref { return this.m.drop(x); }
  memoryInit(segment: string, dest: number, size: number): Ref { return this.m.memory.init(segment, this.i32(dest), this.i32(0), this.i32(size)); }
  dataDrop(segment: string): Ref { return this.m.data.drop(segment); }

  // ---- locals and control ----
  localGet(i: number, t: ValType): Ref { return this.m.local.get(i, typeOf(t)); }
  localSet(i: number, v: Ref): Ref { return this.m.local.set(i, v); }
  localTee(i: number, v: Ref, t: ValType): Ref { return this.m.local.tee(i, v, typeOf(t)); }
  label(prefix: string): string { return `${prefix}${this.labels++}`; }
  block(label: string | null, body: Ref[], result: ValType = 'none'): Ref { return this.m.block(label, body, typeOf(result)); }
  loop(label: string, body: Ref): Ref { return this.m.loop(label, body); }
  br(label: string, cond?: Ref): Ref { return this.m.br(label, cond); }
  if(cond: Ref, then: Ref, els?: Ref): Ref { return this.m.if(cond, then, els); }
  call(name: string, args: Ref[], result: ValType): Ref { return this.m.call(name, args, typeOf(result)); }
  return(v?: Ref): Ref { return this.m.return(v); }
  nop(): Ref { return this.m.nop(); }
  fn(params: ValType[]): FnBuilder { return new FnBuilder(this, params); }

  // ---- module ----
  addFunction(name: string, f: FnBuilder, result: ValType, body: Ref): void {
    this.m.addFunction(name, B.createType(f.params.map(typeOf)), typeOf(result), f.vars.map(typeOf), body);
  }
  hasFunction(name: string): boolean { return this.m.getFunction(name) !== 0; }
  exportFunction(name: string, as: string = name): void { this.m.addFunctionExport(name, as); }
  /** Imported env.memory, shared, with one passive data segment per entry. */
  importSharedMemory(initial: number, maximum: number, segments: { name: string; data: Uint8Array }[]): void {
    const segs = segments.map((s) => ({ name: s.name, data: s.data, passive: true, offset: 0 }));
    this.m.setMemory(initial, maximum, null, segs as unknown as binaryen.MemorySegment[], true);
    this.m.addMemoryImport('0', 'env', 'memory', true);
  }
  setFeatures(opts: { relaxedSimd: boolean }): void { this.m.setFeatures(features(opts.relaxedSimd)); }
  addCustomSection(name: string, bytes: Uint8Array): void { this.m.addCustomSection(name, bytes); }
  validate(): boolean { return this.m.validate() !== 0; }
  optimize(level: number, shrink: number): void {
    B.setOptimizeLevel(level); B.setShrinkLevel(shrink);
    this.m.optimize();
  }
  emitBinary(): Uint8Array { return this.m.emitBinary(); }
  emitText(): string { return this.m.emitText(); }
  dispose(): void { this.m.dispose(); }
}

function features(relaxedSimd: boolean): binaryen.Features {
  const F = B.Features;
  return F.SIMD128 | F.BulkMemory | F.Atomics | F.MutableGlobals | F.SignExt | F.NontrappingFPToInt | (relaxedSimd ? F.RelaxedSIMD : 0);
}

/** The text format of a binary module (for --emit-wat, golden tests). */
function watOf(wasm: Uint8Array, relaxedSimd: boolean): string {
  const m = (B.readBinary as unknown as (data: Uint8Array, f: binaryen.Features) => binaryen.Module)(wasm, features(relaxedSimd));
  try { return m.emitText(); } finally { m.dispose(); }
}
