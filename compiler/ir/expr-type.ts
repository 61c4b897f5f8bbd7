// Type inference for loop-IR expressions: register type and lane count, given the buffers and
// the variables in scope. Loop variables and the kernel params (tid, nthreads) are scalar i32.

import type { Buf, Expr, Program, RegType, Stmt } from './loop.js';
import { regTypeOf } from './loop.js';

export { Scope, exprType, isCompare, KERNEL_PARAMS };
export type { VType, VarInfo };

interface VType { t: RegType; lanes: number }

/** What a scope knows about a variable: its type and, for loop variables, an inclusive range. */
interface VarInfo { type: VType; range?: [number, number] }

const KERNEL_PARAMS = ['tid', 'nthreads'] as const;
const I32: VType = { t: 'i32', lanes: 1 };

/**
 * Variables and buffers in scope while walking a kernel. Bindings are pushed with `bind` and undone
 * with the returned function, so passes can walk the tree recursively.
 */
class Scope {
  readonly vars = new Map<string, VarInfo>();
  readonly locals = new Map<string, Buf>();
  constructor(readonly program: Pick<Program, 'bufs'>) {
    for (const p of KERNEL_PARAMS) this.vars.set(p, { type: I32, range: p === 'tid' ? [0, 65535] : [1, 65536] });
  }
  buf(name: string): Buf | undefined { return this.locals.get(name) ?? this.program.bufs.get(name); }
  bind(name: string, info: VarInfo): () => void {
    const old = this.vars.get(name);
    this.vars.set(name, info);
    return () => { if (old) this.vars.set(name, old); else this.vars.delete(name); };
  }
  bindBuf(b: Buf): () => void {
    const old = this.locals.get(b.name);
    this.locals.set(b.name, b);
    return () => { if (old) this.locals.set(b.name, old); else this.locals.delete(b.name); };
  }
  type(e: Expr): VType { return exprType(e, this); }
  /** Bind what stmt s introduces for its body (loop var, let var, local buf); returns the undo. */
  enter(s: Stmt): () => void {
    if (s.k === 'for') {
      const lo = s.min.k === 'const' ? Number(s.min.v) : undefined;
      const n = s.extent.k === 'const' ? Number(s.extent.v) : undefined;
      return this.bind(s.v, { type: I32, range: lo !== undefined && n !== undefined && n > 0 ? [lo, lo + n - 1] : undefined });
    }
    if (s.k === 'let') return this.bind(s.v, { type: this.type(s.value) });
    if (s.k === 'alloc') return this.bindBuf(s.buf);
    return () => {};
  }
}

function isCompare(op: string): boolean {
  return op === 'eq' || op === 'ne' || op === 'lt' || op === 'le' || op === 'gt' || op === 'ge';
}

function exprType(e: Expr, s: Scope): VType {
  const lanesOf = (xs: Expr[]) => Math.max(1, ...xs.map((x) => exprType(x, s).lanes));
  switch (e.k) {
    case 'const': return { t: e.t, lanes: 1 };
    case 'var': return s.vars.get(e.name)?.type ?? I32;
    case 'load': {
      const b = s.buf(e.buf);
      return { t: b ? regTypeOf(b.dtype) : 'i32', lanes: lanesOf(e.idx) };
    }
    case 'bin': {
      const a = exprType(e.a, s), b = exprType(e.b, s);
      return { t: isCompare(e.op) ? 'i32' : a.t, lanes: Math.max(a.lanes, b.lanes) };
    }
    case 'un': return exprType(e.a, s);
    case 'fma': return { t: exprType(e.a, s).t, lanes: lanesOf([e.a, e.b, e.c]) };
    case 'select': return { t: exprType(e.a, s).t, lanes: lanesOf([e.c, e.a, e.b]) };
    case 'cast': return { t: e.t, lanes: exprType(e.a, s).lanes };
    case 'call': return { t: 'f32', lanes: lanesOf(e.args) };
    case 'ramp': return { t: exprType(e.base, s).t, lanes: e.lanes };
    case 'bcast': return { t: exprType(e.a, s).t, lanes: e.lanes };
  }
}
