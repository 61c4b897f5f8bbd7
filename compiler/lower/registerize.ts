// registerize: every 'local' buffer (declared by alloc) becomes registers. After unrolling, each
// index into it must be a constant, or (last dimension) a stride-1 ramp of 4 lanes. A buffer
// accessed only with constants becomes one rank-0 buffer per element (a scalar wasm local); one
// accessed with ramps becomes one [4] buffer per 4-lane slot (a v128 local), scalar accesses
// then pick a lane. Anything else is E_CODEGEN: the schedule did not unroll the tile loops.

import type { Buf, Expr, Kernel, Program, Stmt } from '../ir/loop.js';
import { c } from '../ir/loop.js';
import { AccelcError } from '../errors.js';
import { mapExpr } from '../ir/traverse.js';
import { printExpr } from '../ir/print.js';
import { LANES } from './vectorize.js';

export { registerize, isRegisterBuf };

type Access = { idx: Expr[] };
type Slot = { buf: Buf; lane?: number };

/** A buffer the backend keeps in a wasm local: rank 0 (scalar) or [4] (one v128). */
function isRegisterBuf(b: Buf): boolean {
  return b.scope === 'local' && (b.shape.length === 0 || (b.shape.length === 1 && b.shape[0] === LANES && b.dtype !== 'i64'));
}

function registerize(k: Kernel, _program: Program): Kernel {
  return { ...k, body: regStmt(k.body, k.name) };
}

function regStmt(s: Stmt, kernel: string): Stmt {
  switch (s.k) {
    case 'barrier': return s;
    case 'store': return s;
    case 'seq': return { ...s, body: s.body.map((b) => regStmt(b, kernel)) };
    case 'if': return { ...s, then: regStmt(s.then, kernel), else: s.else && regStmt(s.else, kernel) };
    case 'for': case 'let': return { ...s, body: regStmt(s.body, kernel) };
    case 'alloc': {
      const body = regStmt(s.body, kernel);
      return isRegisterBuf(s.buf) && alreadyRegisters(s.buf, body) ? { ...s, body } : registerizeAlloc(s.buf, body, kernel);
    }
  }
}

/** A [4] or rank-0 buffer that registerize produced itself (or that needs nothing). */
function alreadyRegisters(b: Buf, body: Stmt): boolean {
  let ok = true;
  visitAccesses(body, b.name, (a) => {
    if (b.shape.length === 0) return;
    const i = a.idx[0];
    if (!(i.k === 'const' || (i.k === 'ramp' && i.base.k === 'const' && Number(i.base.v) === 0 && i.stride === 1 && i.lanes === LANES))) ok = false;
  });
  return ok;
}

const constOf = (e: Expr): number | undefined =>
  e.k === 'const' ? Number(e.v) : e.k === 'bcast' && e.a.k === 'const' ? Number(e.a.v) : undefined;

function registerizeAlloc(b: Buf, body: Stmt, kernel: string): Stmt {
  const fail = (msg: string): never => {
    throw new AccelcError({ code: 'E_CODEGEN', message: `kernel ${kernel}: local buffer '${b.name}' ${msg}` });
  };
  const accesses: Access[] = [];
  visitAccesses(body, b.name, (a) => accesses.push(a));
  const rank = b.shape.length;
  let vector = false, align: number | undefined;
  for (const a of accesses) {
    a.idx.forEach((i, d) => {
      if (constOf(i) !== undefined) return;
      if (d === rank - 1 && i.k === 'ramp' && i.stride === 1 && i.lanes === LANES && i.base.k === 'const') {
        vector = true;
        const r = ((Number(i.base.v) % LANES) + LANES) % LANES;
        if (align !== undefined && align !== r) fail('is accessed with ramps of different alignments');
        align = r;
        return;
      }
      fail(`has a non-constant index ${printExpr(i)}: unroll the loops over it`);
    });
  }
  if (vector && b.dtype === 'i64') fail('is an i64 vector');
  const r = align ?? 0;
  const slots = new Map<string, Buf>();
  const slotOf = (idx: number[]): Slot => {
    let name: string, lane: number | undefined;
    if (vector) {
      const last = idx[rank - 1], q = Math.floor((last - r) / LANES), start = r + q * LANES;
      name = [b.name, ...idx.slice(0, -1), `v${start}`].join('.');
      lane = last - start;
    } else name = [b.name, ...idx].join('.');
    if (!slots.has(name)) slots.set(name, { name, dtype: b.dtype, shape: vector ? [LANES] : [], strides: vector ? [1] : [], offset: 0, storage: b.storage, scope: 'local' });
    return { buf: slots.get(name)!, lane };
  };
  const rewriteIdx = (idx: Expr[]): { buf: string; idx: Expr[]; lanes: number } => {
    const last = idx[rank - 1];
    const lanes = Math.max(1, ...idx.map((i) => (i.k === 'ramp' || i.k === 'bcast' ? i.lanes : 1)));
    if (last && last.k === 'ramp') {
      const base = Number((last.base as { v: number }).v);
      const s = slotOf([...idx.slice(0, -1).map((i) => constOf(i)!), base]);
      return { buf: s.buf.name, idx: [{ k: 'ramp', base: c(0), stride: 1, lanes: LANES }], lanes };
    }
    const s = slotOf(idx.map((i) => constOf(i)!));
    return { buf: s.buf.name, idx: s.lane === undefined ? [] : [c(s.lane)], lanes };
  };
  const rewriteExpr = (e: Expr): Expr => mapExpr(e, (x) => {
    if (x.k !== 'load' || x.buf !== b.name) return x;
    const r2 = rewriteIdx(x.idx);
    const l: Expr = { k: 'load', buf: r2.buf, idx: r2.idx };
    return r2.lanes > 1 && r2.idx[0]?.k !== 'ramp' ? { k: 'bcast', a: l, lanes: r2.lanes } : l;
  });
  const rewrite = (s: Stmt): Stmt => {
    switch (s.k) {
      case 'barrier': return s;
      case 'store': {
        const value = rewriteExpr(s.value), idx = s.idx.map(rewriteExpr);
        if (s.buf !== b.name) return { ...s, idx, value };
        const r2 = rewriteIdx(s.idx);
        if (r2.lanes > 1 && r2.idx[0]?.k !== 'ramp') fail('is stored as a vector to one element');
        return { k: 'store', buf: r2.buf, idx: r2.idx, value };
      }
      case 'seq': return { ...s, body: s.body.map(rewrite) };
      case 'if': return { ...s, cond: rewriteExpr(s.cond), then: rewrite(s.then), else: s.else && rewrite(s.else) };
      case 'for': return { ...s, min: rewriteExpr(s.min), extent: rewriteExpr(s.extent), body: rewrite(s.body) };
      case 'let': return { ...s, value: rewriteExpr(s.value), body: rewrite(s.body) };
      case 'alloc': return { ...s, body: rewrite(s.body) };
    }
  };
  let out = rewrite(body);
  for (const slot of [...slots.values()].reverse()) out = { k: 'alloc', buf: slot, body: out };
  return out;
}

function visitAccesses(s: Stmt, name: string, f: (a: Access) => void): void {
  const ex = (e: Expr) => { mapExpr(e, (x) => { if (x.k === 'load' && x.buf === name) f({ idx: x.idx }); return x; }); };
  switch (s.k) {
    case 'barrier': return;
    case 'store': s.idx.forEach(ex); ex(s.value); if (s.buf === name) f({ idx: s.idx }); return;
    case 'seq': s.body.forEach((b) => visitAccesses(b, name, f)); return;
    case 'if': ex(s.cond); visitAccesses(s.then, name, f); if (s.else) visitAccesses(s.else, name, f); return;
    case 'for': ex(s.min); ex(s.extent); visitAccesses(s.body, name, f); return;
    case 'let': ex(s.value); visitAccesses(s.body, name, f); return;
    case 'alloc': visitAccesses(s.body, name, f); return;
  }
}
