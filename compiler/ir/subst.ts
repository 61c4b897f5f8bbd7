// Variable substitution and free-variable queries on loop IR expressions.

import type { Expr } from './loop.js';

export function substitute(e: Expr, map: ReadonlyMap<string, Expr>): Expr {
  switch (e.k) {
    case 'var': return map.get(e.name) ?? e;
    case 'const': return e;
    case 'load': return { ...e, idx: e.idx.map((x) => substitute(x, map)) };
    case 'bin': return { ...e, a: substitute(e.a, map), b: substitute(e.b, map) };
    case 'un': return { ...e, a: substitute(e.a, map) };
    case 'fma': return { ...e, a: substitute(e.a, map), b: substitute(e.b, map), c: substitute(e.c, map) };
    case 'select': return { ...e, c: substitute(e.c, map), a: substitute(e.a, map), b: substitute(e.b, map) };
    case 'cast': return { ...e, a: substitute(e.a, map) };
    case 'call': return { ...e, args: e.args.map((x) => substitute(x, map)) };
    case 'ramp': return { ...e, base: substitute(e.base, map) };
    case 'bcast': return { ...e, a: substitute(e.a, map) };
  }
}

export function freeVars(e: Expr, out: Set<string> = new Set()): Set<string> {
  switch (e.k) {
    case 'var': out.add(e.name); break;
    case 'const': break;
    case 'load': e.idx.forEach((x) => freeVars(x, out)); break;
    case 'bin': freeVars(e.a, out); freeVars(e.b, out); break;
    case 'un': case 'cast': case 'bcast': freeVars(e.a, out); break;
    case 'fma': freeVars(e.a, out); freeVars(e.b, out); freeVars(e.c, out); break;
    case 'select': freeVars(e.c, out); freeVars(e.a, out); freeVars(e.b, out); break;
    case 'call': e.args.forEach((x) => freeVars(x, out)); break;
    case 'ramp': freeVars(e.base, out); break;
  }
  return out;
}
