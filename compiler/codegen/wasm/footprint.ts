// The arena memory a kernel touches while its dynamically scheduled loop runs a range of
// iterations: one hull of byte addresses per storage, reads and writes apart. The interval
// bounds of affine.ts are conservative (a superset of the addresses really touched), and an index
// they cannot bound counts as the whole storage, so two footprints that do not overlap prove that
// the iterations behind them never touch the same byte in conflicting ways. Weights (no kernel
// writes them), per-thread scratch and register buffers are left out: other threads never see
// them change. Bytes a vector load reads only to drop them (the odd lanes of a stride-2 load, the
// other lanes of an aligned group a lane is shuffled out of: memory.ts) are left out too: what
// another thread writes there at the same time is never used. Used by dataflow.ts to let a
// kernel's chunks start before the kernel before it has finished.

import type { Buf, Expr, Program, Stmt } from '../../ir/loop.js';
import { SCALAR_BYTES } from '../../ir/loop.js';
import { bounds, type Interval } from '../../ir/affine.js';
import { Scope } from '../../ir/expr-type.js';
import { exprChildren } from '../../ir/traverse.js';

export { loopFootprint, touchesOutside, overlaps };
export type { Footprint };

/** Byte ranges [lo, hi) of the arena: each a hull over one storage. */
interface Footprint { reads: Interval[]; writes: Interval[] }

/** What `loop`'s body touches for loop values in [range[0], range[1]] (the rest of `body` is not walked). */
function loopFootprint(program: Program, body: Stmt, loop: Stmt & { k: 'for' }, range: Interval): Footprint {
  const hulls = new Map<string, Interval>();
  const scope = new Scope(program);
  const record = (key: string, iv: Interval) => {
    const h = hulls.get(key);
    hulls.set(key, h ? [Math.min(h[0], iv[0]), Math.max(h[1], iv[1])] : iv);
  };
  const walkLoop = (s: Stmt): boolean => {
    if (s === loop) {
      const undo = scope.bind(loop.v, { type: { t: 'i32', lanes: 1 }, range });
      visit(program, scope, loop.body, record);
      undo();
      return true;
    }
    const undo = bindFor(scope, s);
    let found = false;
    for (const c of children(s)) if (walkLoop(c)) { found = true; break; }
    undo();
    return found;
  };
  walkLoop(body);
  const reads: Interval[] = [], writes: Interval[] = [];
  for (const [key, iv] of hulls) (key.endsWith(':w') ? writes : reads).push(iv);
  return { reads, writes };
}

/** Whether `body` reads arena memory or stores to memory outside `loop` (such code runs before any chunk's wait). */
function touchesOutside(program: Program, body: Stmt, loop: Stmt): boolean {
  let touched = false;
  const scope = new Scope(program);
  const walk = (s: Stmt): void => {
    if (s === loop || touched) return;
    for (const e of ownExprs(s)) exprAccesses(program, scope, e, () => { touched = true; });
    // any store to memory (scratch too: the kernel would end at the arrival barrier)
    if (s.k === 'store' && scope.buf(s.buf)?.scope !== 'local') touched = true;
    const undo = bindFor(scope, s);
    children(s).forEach(walk);
    undo();
  };
  walk(body);
  return touched;
}

/** Whether two footprints conflict: a write of either overlaps a read or a write of the other. */
function overlaps(a: Footprint, b: Footprint): boolean {
  const hit = (xs: Interval[], ys: Interval[]) => xs.some((x) => ys.some((y) => x[0] < y[1] && y[0] < x[1]));
  return hit(a.writes, b.reads) || hit(a.writes, b.writes) || hit(b.writes, a.reads);
}

type Sink = (key: string, iv: Interval) => void;

function visit(program: Program, scope: Scope, s: Stmt, record: Sink): void {
  for (const e of ownExprs(s)) exprAccesses(program, scope, e, record);
  if (s.k === 'store') access(program, scope, s.buf, s.idx, true, record);
  const undo = bindFor(scope, s);
  for (const c of children(s)) visit(program, scope, c, record);
  undo();
}

function children(s: Stmt): Stmt[] {
  switch (s.k) {
    case 'seq': return s.body;
    case 'for': case 'let': case 'alloc': return [s.body];
    case 'if': return s.else ? [s.then, s.else] : [s.then];
    default: return [];
  }
}

/** The expressions a statement evaluates itself (not its children's). */
function ownExprs(s: Stmt): Expr[] {
  switch (s.k) {
    case 'for': return [s.min, s.extent];
    case 'let': return [s.value];
    case 'if': return [s.cond];
    case 'store': return [...s.idx, s.value];
    default: return [];
  }
}

/** Binds what s introduces for its children, with ranges for lets and non-constant loops where bounds knows them. */
function bindFor(scope: Scope, s: Stmt): () => void {
  if (s.k === 'for') {
    const lo = bounds(s.min, scope), n = bounds(s.extent, scope);
    return scope.bind(s.v, { type: { t: 'i32', lanes: 1 }, range: lo && n && n[1] > 0 ? [lo[0], lo[1] + n[1] - 1] : undefined });
  }
  if (s.k === 'let') {
    const type = scope.type(s.value);
    return scope.bind(s.v, { type, range: type.t === 'i32' && type.lanes === 1 ? bounds(s.value, scope) : undefined });
  }
  return scope.enter(s);
}

function exprAccesses(program: Program, scope: Scope, e: Expr, record: Sink): void {
  if (e.k === 'load') access(program, scope, e.buf, e.idx, false, record);
  for (const x of exprChildren(e)) exprAccesses(program, scope, x, record);
}

/** Records the byte hull of buf[idx] when it lives in the arena. */
function access(program: Program, scope: Scope, name: string, idx: Expr[], write: boolean, record: Sink): void {
  const b = scope.buf(name);
  const st = b && program.storages.get(b.storage);
  // a buffer or storage this walk cannot place (the backend refuses such a kernel anyway): all of memory
  if (!b || (b.scope !== 'local' && !st)) return record(`?:${write ? 'w' : 'r'}`, [0, 2 ** 32]);
  if (b.scope === 'local' || !st || st.region !== 'arena') return;
  const size = SCALAR_BYTES[b.dtype];
  const el = elementRange(b, idx, scope);
  // clamped to the storage: an index outside it is one an if keeps from running, or a select
  // whose value is dropped
  const lo = el ? Math.max(st.offset, st.offset + el[0] * size) : st.offset;
  const hi = el ? Math.min(st.offset + st.bytes, st.offset + (el[1] + 1) * size) : st.offset + st.bytes;
  if (lo < hi) record(`${st.name}:${write ? 'w' : 'r'}`, [lo, hi]);
}

/** Inclusive element range of buf[idx] from the buffer's start of storage, or undefined when unbounded. */
function elementRange(b: Buf, idx: Expr[], scope: Scope): Interval | undefined {
  let lo = b.offset, hi = b.offset;
  for (let i = 0; i < idx.length; i++) {
    const r = bounds(idx[i], scope);
    if (!r) return undefined;
    const a = r[0] * b.strides[i], z = r[1] * b.strides[i];
    lo += Math.min(a, z); hi += Math.max(a, z);
  }
  return [lo, hi];
}
