// Merges independent loop nests that share their outer loops into one nest: while every statement
// is a loop with the same header (variable, bounds, kind), the loops become one whose body runs
// the statements' bodies in order. Legal only for statements none of which reads what another
// writes (e.g. the interior and border regions of a sliding window, which write disjoint outputs
// and read only the input); the caller guarantees that.
// Why: one pass over the shared (parallel) loop instead of one per statement, so a thread finishes
// a channel's regions while its plane is in cache, and the kernel needs no barrier between them.

import type { Stmt } from '../ir/loop.js';
import { seq } from '../ir/loop.js';

export function mergeOuterLoops(stmts: Stmt[]): Stmt {
  if (stmts.length === 1) return stmts[0];
  const [first] = stmts;
  if (first.k !== 'for' || !stmts.every((s) => sameLoopHeader(first, s))) return seq(...stmts);
  return { ...first, body: mergeOuterLoops(stmts.map((s) => (s as Extract<Stmt, { k: 'for' }>).body)) };
}

/** Both are loops over the same variable, kind and range. */
export function sameLoopHeader(a: Stmt, b: Stmt): boolean {
  return a.k === 'for' && b.k === 'for' && a.v === b.v && a.kind === b.kind
    && JSON.stringify(a.min) === JSON.stringify(b.min) && JSON.stringify(a.extent) === JSON.stringify(b.extent);
}
