// Address generation. A buffer access flattens to a byte address  K + lane*L + sum(coef_i * atom_i)
// (affine.ts). The constant K goes to the memarg offset whenever the dynamic part is provably
// non-negative. The dynamic part comes from pointer induction variables: on entering a loop, every
// access in its body gets a local holding the part of its address made of terms available at the
// loop entry plus the loop variable's term; it is initialised once (from the IVs of the enclosing
// loops) and bumped by the constant step at the end of each iteration. So an unrolled register
// tile addresses memory as  load offset=K (local.get $iv)  with no multiply in the inner loop.

import type { Buf, Expr, Stmt } from '../../ir/loop.js';
import { SCALAR_BYTES } from '../../ir/loop.js';
import type { LinForm, Term } from '../../ir/affine.js';
import { linearize, plus, scale, termsBounds } from '../../ir/affine.js';
import { exprChildren } from '../../ir/traverse.js';
import { TID, type KernelCtx, type LoopFrame } from './context.js';
import type { Ref } from './module.js';
import { emitScalar } from './expr.js';

export { byteForm, pointer, placeOffsets, enterLoop, termRef };

/** The byte address of buf[idx] as a linear form (storage offset and per-thread scratch included). */
function byteForm(ctx: KernelCtx, b: Buf, idx: Expr[]): LinForm {
  const st = ctx.storage(b);
  let flat: LinForm = { k: b.offset, lane: 0, lanes: 1, terms: [] };
  idx.forEach((e, i) => { flat = plus(flat, scale(linearize(e, ctx.scope), b.strides[i])); });
  let f = scale(flat, SCALAR_BYTES[b.dtype]);
  f = { ...f, k: f.k + st.offset };
  if (st.region === 'scratch' && ctx.opts.scratchStride !== 0)
    f = plus(f, { k: 0, lane: 0, lanes: 1, terms: [{ atom: { k: 'var', name: TID }, key: TID, coef: ctx.opts.scratchStride, lanes: 1 }] });
  return f;
}

const keyOf = (terms: Term[]) => terms.map((t) => `${t.coef}*${t.key}`).sort().join(' + ');

function hoistable(e: Expr, avail: ReadonlySet<string>): boolean {
  if (e.k === 'load') return false;
  if (e.k === 'var') return avail.has(e.name);
  return exprChildren(e).every((x) => hoistable(x, avail));
}

/** The terms an IV of this loop covers: those computable at its entry, and its own variable. */
function ivTerms(frame: LoopFrame, terms: Term[]): Term[] {
  return terms.filter((t) => t.lanes === 1 && ((t.atom.k === 'var' && t.atom.name === frame.v) || hoistable(t.atom, frame.avail)));
}

/** coef * atom as i32. */
function termRef(ctx: KernelCtx, t: Term): Ref {
  const w = ctx.w, x = emitScalar(ctx, t.atom);
  if (t.coef === 1) return x;
  if (t.coef === -1) return w.binary('i32.sub', w.i32(0), x);
  if (t.coef > 0 && (t.coef & (t.coef - 1)) === 0) return w.binary('i32.shl', x, w.i32(31 - Math.clz32(t.coef)));
  return w.binary('i32.mul', x, w.i32(t.coef));
}

/** sum(coef*atom) over the scalar terms, from the best IV of the enclosing loops; undefined if none. */
function pointer(ctx: KernelCtx, terms: Term[], frames: LoopFrame[] = ctx.frames): Ref | undefined {
  let base: Ref | undefined, rest = terms;
  for (let i = frames.length - 1; i >= 0; i--) {
    const covered = ivTerms(frames[i], terms);
    const iv = covered.length ? frames[i].ivs.get(keyOf(covered)) : undefined;
    if (iv) { base = ctx.fn.get(iv.local); rest = terms.filter((t) => !covered.includes(t)); break; }
  }
  for (const t of rest) {
    const r = termRef(ctx, t);
    base = base === undefined ? r : ctx.w.binary('i32.add', base, r);
  }
  return base;
}

/**
 * A pointer and memarg offsets for addresses dyn + offsets[j] (dyn = the terms). Offsets stay
 * immediates when dyn is provably >= 0 and they are >= 0; otherwise the smallest one moves
 * into the pointer (the address arithmetic then wraps like the source does).
 */
function placeOffsets(ctx: KernelCtx, terms: Term[], offsets: number[]): { ptr: Ref; offsets: number[] } {
  const dyn = pointer(ctx, terms);
  const lo = Math.min(...offsets);
  if (dyn === undefined) return { ptr: ctx.w.i32(lo), offsets: offsets.map((o) => o - lo) };
  const b = termsBounds(terms, ctx.scope);
  if (b && b[0] >= 0 && lo >= 0 && Math.max(...offsets) < 2 ** 32) return { ptr: dyn, offsets };
  return { ptr: lo === 0 ? dyn : ctx.w.binary('i32.add', dyn, ctx.w.i32(lo)), offsets: offsets.map((o) => o - lo) };
}

/**
 * The IVs of a loop about to be emitted over `body`: returns its frame (push it while emitting the
 * body) and the statements that initialise the IVs (run them after the loop variable's start is
 * known, before the first iteration). `start` reads the first value of the loop variable.
 */
function enterLoop(ctx: KernelCtx, v: string, start: () => Ref, body: Stmt): { frame: LoopFrame; inits: Ref[] } {
  const avail = new Set(ctx.vars.keys());
  avail.delete(v);
  const frame: LoopFrame = { v, avail, ivs: new Map() };
  const inits: Ref[] = [];
  for (const a of accessesIn(ctx, body)) {
    const covered = ivTerms(frame, byteForm(ctx, a.buf, a.idx).terms);
    if (!covered.length) continue;
    const key = keyOf(covered);
    if (frame.ivs.has(key)) continue;
    const own = covered.find((t) => t.atom.k === 'var' && t.atom.name === v);
    if (!own && (ctx.frames.some((f) => f.ivs.has(key)) || (covered.length === 1 && covered[0].coef === 1 && covered[0].atom.k === 'var'))) continue;
    const outer = pointer(ctx, covered.filter((t) => t !== own));
    let init = own ? ctx.w.binary('i32.mul', start(), ctx.w.i32(own.coef)) : undefined;
    init = init === undefined ? outer : outer === undefined ? init : ctx.w.binary('i32.add', outer, init);
    const local = ctx.local('i32');
    inits.push(ctx.fn.set(local, init ?? ctx.w.i32(0)));
    frame.ivs.set(key, { local, step: own?.coef ?? 0 });
  }
  return { frame, inits };
}

/** Global-memory loads and stores in s (buffers not in scope yet are loop-local registers). */
function accessesIn(ctx: KernelCtx, s: Stmt): { buf: Buf; idx: Expr[] }[] {
  const out: { buf: Buf; idx: Expr[] }[] = [];
  const add = (name: string, idx: Expr[]) => {
    const b = ctx.scope.buf(name);
    if (b && b.scope === 'global') out.push({ buf: b, idx });
  };
  const ex = (e: Expr): void => { if (e.k === 'load') add(e.buf, e.idx); exprChildren(e).forEach(ex); };
  const st = (x: Stmt): void => {
    switch (x.k) {
      case 'store': x.idx.forEach(ex); ex(x.value); add(x.buf, x.idx); break;
      case 'seq': x.body.forEach(st); break;
      case 'if': ex(x.cond); st(x.then); if (x.else) st(x.else); break;
      case 'for': ex(x.min); ex(x.extent); st(x.body); break;
      case 'let': ex(x.value); st(x.body); break;
      case 'alloc': st(x.body); break;
    }
  };
  st(s);
  return out;
}
