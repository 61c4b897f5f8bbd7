// The loop IR: what every fused group lowers to, and what the wasm backend consumes.
//
// A Program is the whole compiled model: buffers placed in one linear memory, and kernels run in
// sequence. A Kernel is a statement tree (loops, stores, lets, ifs) over named buffers.
// Loops carry a kind set by the schedule: 'serial', 'unroll', 'vectorize' (lanes = extent, a
// constant 4 for f32x4/i32x4), or 'parallel' (split among threads: kernel params tid, nthreads).
//
// Types: storage types f32 i32 i64 i8 u8 i16 u16 f64 u32 f16. Register types are f32, i32, i64
// (narrow loads widen to i32, stores to narrow buffers wrap; f64 and f16 are computed in f32
// registers, u32 in i64). Loop variables and index arithmetic are i32.
// A vector expression has lanes > 1; ramp and bcast make vectors from scalars.

export type ScalarType = 'f32' | 'i32' | 'i64' | 'i8' | 'u8' | 'i16' | 'u16' | 'f64' | 'u32' | 'f16';
export type RegType = 'f32' | 'i32' | 'i64';

export type BinOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'rem' | 'min' | 'max'
  | 'and' | 'or' | 'xor' | 'shl' | 'shr'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge'    // comparisons give i32 0/1 (lane masks of all-ones for vectors)
  /** i32 operands that each hold two i16 (low, high): lo(a)*lo(b) + hi(a)*hi(b). An i32x4 vector is then i16x8: i32x4.dot_i16x8_s. */
  | 'dot2';

export type UnOp = 'neg' | 'abs' | 'sqrt' | 'floor' | 'ceil' | 'round' | 'not';

/** Math the backend provides (inline polynomial code, scalar and f32x4). */
export type MathFn = 'exp' | 'log' | 'tanh' | 'erf' | 'sigmoid' | 'pow';

export type Expr =
  | { k: 'const'; t: RegType; v: number | bigint }
  | { k: 'var'; name: string }
  /** splat 'lanes': when broadcast to a vector, load the aligned group of 4 and shuffle this lane out (schedule primitive 'broadcast'). */
  | { k: 'load'; buf: string; idx: Expr[]; splat?: 'lanes' }
  | { k: 'bin'; op: BinOp; a: Expr; b: Expr }
  | { k: 'un'; op: UnOp; a: Expr }
  | { k: 'fma'; a: Expr; b: Expr; c: Expr }          // a*b + c (relaxed madd where allowed)
  | { k: 'select'; c: Expr; a: Expr; b: Expr }
  | { k: 'cast'; t: RegType; a: Expr }
  | { k: 'call'; fn: MathFn; args: Expr[] }
  | { k: 'ramp'; base: Expr; stride: number; lanes: number }
  | { k: 'bcast'; a: Expr; lanes: number };

export type LoopKind = 'serial' | 'unroll' | 'vectorize' | 'parallel';

export type Stmt =
  | { k: 'for'; v: string; min: Expr; extent: Expr; kind: LoopKind; body: Stmt }
  | { k: 'store'; buf: string; idx: Expr[]; value: Expr }
  | { k: 'seq'; body: Stmt[] }
  | { k: 'if'; cond: Expr; then: Stmt; else?: Stmt }
  | { k: 'let'; v: string; value: Expr; body: Stmt }
  | { k: 'alloc'; buf: Buf; body: Stmt }           // a 'local' buffer live for body
  | { k: 'barrier' };                              // all threads of the kernel call reach here before any goes on

/**
 * A buffer as kernels see it: an n-d view (shape, strides in elements, offset in elements) of a
 * storage block. Several views may share one storage (reshape aliases, concat slices).
 * scope 'global' lives in linear memory; 'local' is kernel-private (registers after unrolling).
 */
export interface Buf {
  name: string;
  dtype: ScalarType;
  shape: number[];
  strides: number[];
  offset: number;
  storage: string;
  scope: 'global' | 'local';
}

export type Region = 'weight' | 'arena' | 'scratch';

/** A block of linear memory. 'scratch' blocks are per thread: address = offset + tid * bytes. */
export interface Storage {
  name: string;
  bytes: number;
  region: Region;
  offset: number;        // byte address, set by the memory planner
  data?: Uint8Array;     // initial contents for 'weight' storages
}

export interface Kernel {
  name: string;
  ops: string[];         // the ONNX op types fused into it, e.g. ['Conv','Add','Relu']
  nodes: string[];       // the source node names
  body: Stmt;
  flops: number;
  bytes: number;         // bytes moved: inputs read once + outputs written once
}

export interface IOBinding {
  name: string;          // ONNX value name
  dtype: string;         // graph dtype ('float32', 'int64', ...)
  shape: number[];
  buf: string;           // the Buf it lives in (contiguous)
  /** For an index input: the axes it indexes (runtime/meta.ts IndexRange). */
  ranges?: { dims: number[]; node: string; op: string }[];
}

export interface Program {
  name: string;
  bufs: Map<string, Buf>;
  storages: Map<string, Storage>;
  kernels: Kernel[];
  inputs: IOBinding[];
  outputs: IOBinding[];
}

export const SCALAR_BYTES: Record<ScalarType, number> = { f32: 4, i32: 4, i64: 8, i8: 1, u8: 1, i16: 2, u16: 2, f64: 8, u32: 4, f16: 2 };

export function regTypeOf(t: ScalarType): RegType {
  return t === 'f32' || t === 'f64' || t === 'f16' ? 'f32' : t === 'i64' || t === 'u32' ? 'i64' : 'i32';
}

export function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
  return s;
}

// ---- constructors, so passes read like the IR they build ----
export const c = (v: number, t: RegType = 'i32'): Expr => ({ k: 'const', t, v });
export const f = (v: number): Expr => ({ k: 'const', t: 'f32', v });
export const v = (name: string): Expr => ({ k: 'var', name });
export const load = (buf: string, idx: Expr[]): Expr => ({ k: 'load', buf, idx });
export const bin = (op: BinOp, a: Expr, b: Expr): Expr => ({ k: 'bin', op, a, b });
export const add = (a: Expr, b: Expr) => bin('add', a, b);
export const sub = (a: Expr, b: Expr) => bin('sub', a, b);
export const mul = (a: Expr, b: Expr) => bin('mul', a, b);
export const max = (a: Expr, b: Expr) => bin('max', a, b);
export const min = (a: Expr, b: Expr) => bin('min', a, b);
export const store = (buf: string, idx: Expr[], value: Expr): Stmt => ({ k: 'store', buf, idx, value });
export const seq = (...body: Stmt[]): Stmt => ({ k: 'seq', body });
export const loop = (name: string, extent: number | Expr, body: Stmt, kind: LoopKind = 'serial', min: Expr = c(0)): Stmt =>
  ({ k: 'for', v: name, min, extent: typeof extent === 'number' ? c(extent) : extent, kind, body });
