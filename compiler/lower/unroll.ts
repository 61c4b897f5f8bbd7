// unroll: replace every 'unroll' loop by copies of its body with the loop variable substituted by
// each constant value. A loop whose bounds are not constant (the scheduler never makes one) is
// kept as a serial loop: correctness first.

import type { Kernel, Program, Stmt } from '../ir/loop.js';
import { c } from '../ir/loop.js';
import { substituteStmt } from '../ir/traverse.js';

export { unroll, unrollStmt, unrollLoop };

function unroll(k: Kernel, _program: Program): Kernel {
  return { ...k, body: unrollStmt(k.body) };
}

function unrollStmt(s: Stmt): Stmt {
  switch (s.k) {
    case 'for': {
      const body = unrollStmt(s.body);
      return s.kind === 'unroll' ? unrollLoop({ ...s, body }) : { ...s, body };
    }
    case 'seq': return { ...s, body: s.body.map(unrollStmt) };
    case 'if': return { ...s, then: unrollStmt(s.then), else: s.else && unrollStmt(s.else) };
    case 'let': case 'alloc': return { ...s, body: unrollStmt(s.body) };
    case 'barrier': return s;
    case 'store': return s;
  }
}

/** The body once per iteration, in order. */
function unrollLoop(s: Extract<Stmt, { k: 'for' }>): Stmt {
  if (s.min.k !== 'const' || s.extent.k !== 'const') return { ...s, kind: 'serial' };
  const lo = Number(s.min.v), n = Number(s.extent.v);
  const body: Stmt[] = [];
  for (let i = 0; i < n; i++) body.push(substituteStmt(s.body, s.v, c(lo + i)));
  return { k: 'seq', body };
}
