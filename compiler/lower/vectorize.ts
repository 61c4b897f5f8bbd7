// vectorize: Halide-style. A 'vectorize' loop over x of extent n becomes its body with
// x -> ramp(base, 1, 4) for each chunk of 4 lanes, types propagated bottom-up (a scalar operand
// of a vector op is bcast), and a scalar remainder for n % 4. Whether a load or store is a
// contiguous v128 access, a splat or a gather is decided by the backend from the flattened
// address (after simplify has folded the ramps).
// When the body cannot be vectorized (i64 values, a lane-dependent condition or loop bound, a
// store whose address does not depend on the lane, a possible dependence between lanes through
// memory, a nested alloc) the loop is unrolled as scalar code instead: correctness first.

import type { Expr, Kernel, Program, Stmt } from '../ir/loop.js';
import { add, c, mul, v } from '../ir/loop.js';
import { Scope } from '../ir/expr-type.js';
import { exprChildren, withChildren, substituteStmt, usesVar } from '../ir/traverse.js';
import { printExpr } from '../ir/print.js';
import { unrollLoop } from './unroll.js';

export { vectorize, LANES };

const LANES = 4;
const MAX_UNROLLED_CHUNKS = 8;     // more chunks than this run as a serial loop of vector bodies
const MAX_SCALAR_UNROLL = 64;      // a fallback loop longer than this stays a serial loop

type For = Extract<Stmt, { k: 'for' }>;

function vectorize(k: Kernel, program: Program): Kernel {
  return { ...k, body: vecStmt(k.body, new Scope(program)) };
}

function vecStmt(s: Stmt, scope: Scope): Stmt {
  switch (s.k) {
    case 'barrier': return s;
    case 'store': return s;
    case 'seq': return { ...s, body: s.body.map((b) => vecStmt(b, scope)) };
    case 'if': return { ...s, then: vecStmt(s.then, scope), else: s.else && vecStmt(s.else, scope) };
    default: {
      const undo = scope.enter(s);
      const body = vecStmt(s.body, scope);
      undo();
      const out = { ...s, body } as Stmt;
      return out.k === 'for' && out.kind === 'vectorize' ? vectorizeLoop(out, scope) : out;
    }
  }
}

function vectorizeLoop(loop: For, scope: Scope): Stmt {
  if (loop.min.k !== 'const' || loop.extent.k !== 'const') return { ...loop, kind: 'serial' };
  const lo = Number(loop.min.v), n = Number(loop.extent.v);
  const chunks = Math.floor(n / LANES);
  if (chunks === 0 || !vectorizable(loop, scope)) return scalarFallback(loop);
  const vecBody = (base: Expr) => widenStmt(substituteStmt(loop.body, loop.v, { k: 'ramp', base, stride: 1, lanes: LANES }), scope);
  const parts: Stmt[] = [];
  if (chunks <= MAX_UNROLLED_CHUNKS) {
    for (let i = 0; i < chunks; i++) parts.push(vecBody(c(lo + i * LANES)));
  } else {
    const outer = `${loop.v}.v`;
    parts.push({ k: 'for', v: outer, min: c(0), extent: c(chunks), kind: 'serial', body: vecBody(add(mul(v(outer), c(LANES)), c(lo))) });
  }
  for (let j = chunks * LANES; j < n; j++) parts.push(substituteStmt(loop.body, loop.v, c(lo + j)));
  return parts.length === 1 ? parts[0] : { k: 'seq', body: parts };
}

function scalarFallback(loop: For): Stmt {
  return Number((loop.extent as { v: number }).v) <= MAX_SCALAR_UNROLL ? unrollLoop(loop) : { ...loop, kind: 'serial' };
}

// ---- legality ----

/** Whether the loop body can run as 4 lanes at once with the same result as 4 iterations in order. */
function vectorizable(loop: For, scope: Scope): boolean {
  const laneVars = new Set([loop.v]);
  const dependsOnLane = (e: Expr) => [...laneVars].some((x) => usesVar(e, x));
  const stores = new Map<string, Set<string>>();    // buf -> printed index lists
  const storedStorages = new Map<string, string>(); // storage -> buf
  let ok = true;

  const check = (s: Stmt): void => {
    if (!ok) return;
    switch (s.k) {
      case 'store': {
        if (!s.idx.some(dependsOnLane)) { ok = false; return; }
        const key = s.idx.map(printExpr).join(',');
        if (!stores.has(s.buf)) stores.set(s.buf, new Set());
        stores.get(s.buf)!.add(key);
        const b = scope.buf(s.buf);
        if (b?.scope === 'global') storedStorages.set(b.storage, s.buf);
        break;
      }
      case 'if': if (dependsOnLane(s.cond)) { ok = false; return; } check(s.then); if (s.else) check(s.else); return;
      case 'seq': s.body.forEach(check); return;
      case 'alloc': ok = false; return;
      case 'barrier': ok = false; return;
      case 'for': {
        if (dependsOnLane(s.min) || dependsOnLane(s.extent) || s.kind === 'parallel') { ok = false; return; }
        const undo = scope.enter(s); check(s.body); undo(); return;
      }
      case 'let': {
        if (dependsOnLane(s.value)) laneVars.add(s.v);
        const undo = scope.enter(s); check(s.body); undo(); return;
      }
    }
  };
  check(loop.body);
  if (!ok) return false;

  // Types and memory dependences, on every expression of the body.
  const walk = (s: Stmt): void => {
    forEachExprScoped(s, scope, (e) => {
      const t = scope.type(e);
      if (t.t === 'i64' || t.lanes > 1) ok = false;
      if (e.k === 'load') {
        const key = e.idx.map(printExpr).join(',');
        const st = stores.get(e.buf);
        if (st && !st.has(key)) ok = false;
        const b = scope.buf(e.buf);
        if (b?.scope === 'global' && storedStorages.has(b.storage) && storedStorages.get(b.storage) !== e.buf) ok = false;
      }
    });
  };
  walk(loop.body);
  return ok;
}

/** Visit every expression of s with the scope bound as at that expression. */
function forEachExprScoped(s: Stmt, scope: Scope, f: (e: Expr) => void): void {
  const visit = (e: Expr): void => { f(e); exprChildren(e).forEach(visit); };
  switch (s.k) {
    case 'barrier': return;
    case 'store': s.idx.forEach(visit); visit(s.value); return;
    case 'seq': s.body.forEach((b) => forEachExprScoped(b, scope, f)); return;
    case 'if': visit(s.cond); forEachExprScoped(s.then, scope, f); if (s.else) forEachExprScoped(s.else, scope, f); return;
    default: {
      if (s.k === 'for') { visit(s.min); visit(s.extent); }
      if (s.k === 'let') visit(s.value);
      const undo = scope.enter(s);
      forEachExprScoped(s.body, scope, f);
      undo();
    }
  }
}

// ---- type propagation ----

const bcastTo = (e: Expr, lanes: number, scope: Scope): Expr =>
  lanes > 1 && scope.type(e).lanes === 1 ? { k: 'bcast', a: e, lanes } : e;

/** Insert bcasts so every operation sees operands of one lane count. */
function widenExpr(e: Expr, scope: Scope): Expr {
  const kids = exprChildren(e).map((x) => widenExpr(x, scope));
  const node = withChildren(e, kids);
  if (node.k === 'load' || node.k === 'ramp' || node.k === 'bcast' || kids.length < 2) return node;
  const lanes = Math.max(...kids.map((x) => scope.type(x).lanes));
  return lanes > 1 ? withChildren(node, kids.map((x) => bcastTo(x, lanes, scope))) : node;
}

function widenStmt(s: Stmt, scope: Scope): Stmt {
  const w = (e: Expr) => widenExpr(e, scope);
  switch (s.k) {
    case 'barrier': return s;
    case 'store': {
      const idx = s.idx.map(w), value = w(s.value);
      const lanes = Math.max(1, ...idx.map((i) => scope.type(i).lanes));
      return { ...s, idx, value: bcastTo(value, lanes, scope) };
    }
    case 'seq': return { ...s, body: s.body.map((b) => widenStmt(b, scope)) };
    case 'if': return { ...s, cond: w(s.cond), then: widenStmt(s.then, scope), else: s.else && widenStmt(s.else, scope) };
    case 'for': {
      const undo = scope.enter(s); const body = widenStmt(s.body, scope); undo();
      return { ...s, body };
    }
    case 'let': {
      const value = w(s.value);
      const undo = scope.bind(s.v, { type: scope.type(value) }); const body = widenStmt(s.body, scope); undo();
      return { ...s, value, body };
    }
    case 'alloc': {
      const undo = scope.enter(s); const body = widenStmt(s.body, scope); undo();
      return { ...s, body };
    }
  }
}

