// Generic traversal and rewriting of the loop IR for the lowering passes and the wasm backend:
// children, bottom-up maps, scoped substitution (binders shadow), visitors.

import type { Expr, Stmt } from './loop.js';

export { exprChildren, withChildren, mapExpr, substitute, substituteStmt, usesVar, forEachExpr, forEachStmt };

/** The direct sub-expressions of e, in a fixed order. */
function exprChildren(e: Expr): Expr[] {
  switch (e.k) {
    case 'const': case 'var': return [];
    case 'load': return e.idx;
    case 'bin': return [e.a, e.b];
    case 'un': case 'cast': case 'bcast': return [e.a];
    case 'fma': return [e.a, e.b, e.c];
    case 'select': return [e.c, e.a, e.b];
    case 'call': return e.args;
    case 'ramp': return [e.base];
  }
}

/** e with its children replaced (same order as exprChildren); e itself when nothing changed. */
function withChildren(e: Expr, kids: Expr[]): Expr {
  const old = exprChildren(e);
  if (old.length === kids.length && old.every((x, i) => x === kids[i])) return e;
  switch (e.k) {
    case 'const': case 'var': return e;
    case 'load': return { ...e, idx: kids };
    case 'bin': return { ...e, a: kids[0], b: kids[1] };
    case 'un': case 'cast': case 'bcast': return { ...e, a: kids[0] };
    case 'fma': return { ...e, a: kids[0], b: kids[1], c: kids[2] };
    case 'select': return { ...e, c: kids[0], a: kids[1], b: kids[2] };
    case 'call': return { ...e, args: kids };
    case 'ramp': return { ...e, base: kids[0] };
  }
}

/** Bottom-up rewrite: children first, then f on the rebuilt node. */
function mapExpr(e: Expr, f: (e: Expr) => Expr): Expr {
  return f(withChildren(e, exprChildren(e).map((x) => mapExpr(x, f))));
}

/** Replace occurrences of var `name` by `value` in e. */
function substitute(e: Expr, name: string, value: Expr): Expr {
  return mapExpr(e, (x) => (x.k === 'var' && x.name === name ? value : x));
}

/** Replace free occurrences of var `name` in s; binders of the same name shadow it. */
function substituteStmt(s: Stmt, name: string, value: Expr): Stmt {
  const sub = (e: Expr) => substitute(e, name, value);
  switch (s.k) {
    case 'for':
      return { ...s, min: sub(s.min), extent: sub(s.extent), body: s.v === name ? s.body : substituteStmt(s.body, name, value) };
    case 'barrier': return s;
    case 'store': return { ...s, idx: s.idx.map(sub), value: sub(s.value) };
    case 'seq': return { ...s, body: s.body.map((b) => substituteStmt(b, name, value)) };
    case 'if':
      return { ...s, cond: sub(s.cond), then: substituteStmt(s.then, name, value), else: s.else && substituteStmt(s.else, name, value) };
    case 'let': return { ...s, value: sub(s.value), body: s.v === name ? s.body : substituteStmt(s.body, name, value) };
    case 'alloc': return { ...s, body: substituteStmt(s.body, name, value) };
  }
}

function usesVar(e: Expr, name: string): boolean {
  if (e.k === 'var') return e.name === name;
  return exprChildren(e).some((x) => usesVar(x, name));
}

/** Visit every expression node (pre-order) in s, including nested ones. */
function forEachExpr(s: Stmt, f: (e: Expr) => void): void {
  const visit = (e: Expr): void => { f(e); exprChildren(e).forEach(visit); };
  forEachStmt(s, (t) => {
    switch (t.k) {
      case 'for': visit(t.min); visit(t.extent); break;
      case 'store': t.idx.forEach(visit); visit(t.value); break;
      case 'if': visit(t.cond); break;
      case 'let': visit(t.value); break;
      default: break;
    }
  });
}

/** Visit every statement (pre-order). */
function forEachStmt(s: Stmt, f: (s: Stmt) => void): void {
  f(s);
  switch (s.k) {
    case 'for': case 'let': case 'alloc': forEachStmt(s.body, f); break;
    case 'seq': s.body.forEach((b) => forEachStmt(b, f)); break;
    case 'if': forEachStmt(s.then, f); if (s.else) forEachStmt(s.else, f); break;
    case 'store': break;
  }
}
