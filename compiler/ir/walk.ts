// Visits every buffer a statement reads or writes.

import type { Expr, Stmt } from './loop.js';

export function buffersOf(s: Stmt, out: Set<string> = new Set()): Set<string> {
  const e = (x: Expr): void => {
    switch (x.k) {
      case 'load': out.add(x.buf); x.idx.forEach(e); break;
      case 'bin': e(x.a); e(x.b); break;
      case 'un': case 'cast': case 'bcast': e(x.a); break;
      case 'fma': e(x.a); e(x.b); e(x.c); break;
      case 'select': e(x.c); e(x.a); e(x.b); break;
      case 'call': x.args.forEach(e); break;
      case 'ramp': e(x.base); break;
      default: break;
    }
  };
  const st = (x: Stmt): void => {
    switch (x.k) {
      case 'for': e(x.min); e(x.extent); st(x.body); break;
      case 'store': out.add(x.buf); x.idx.forEach(e); e(x.value); break;
      case 'seq': x.body.forEach(st); break;
      case 'if': e(x.cond); st(x.then); if (x.else) st(x.else); break;
      case 'let': e(x.value); st(x.body); break;
      case 'alloc': st(x.body); break;
    }
  };
  st(s);
  return out;
}
