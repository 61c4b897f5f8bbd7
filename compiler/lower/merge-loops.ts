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
  const sameHeader = first.k === 'for' && stmts.every((s) => s.k === 'for' && s.v === first.v && s.kind === first.kind
    && JSON.stringify(s.min) === JSON.stringify(first.min) && JSON.stringify(s.extent) === JSON.stringify(first.extent));
  if (!sameHeader || first.k !== 'for') return seq(...stmts);
  return { ...first, body: mergeOuterLoops(stmts.map((s) => (s as Extract<Stmt, { k: 'for' }>).body)) };
}
