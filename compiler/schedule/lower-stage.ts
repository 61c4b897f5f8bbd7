// Lowers one scheduled stage to a loop nest (Halide's "schedule functions" step): builds loops from
// the leaves in order, recovers every axis from its leaves through the split/fuse relations, places
// bounds guards where their variables are bound, and for a cached reduction emits
// alloc tile { init; update; write back through the epilogue }.

import type { Buf, Expr, Stmt } from '../ir/loop.js';
import { c, v, bin, load, store, seq, loop } from '../ir/loop.js';
import { freeVars, substitute } from '../ir/subst.js';
import { AccelcError } from '../errors.js';
import { ACC, reduceCombine, reduceInit, type ComputeDef } from './compute.js';
import type { Schedule } from './schedule.js';
import type { Leaf, StageState } from './stage.js';
import { applySchedule } from './apply.js';

export function lowerStage(def: ComputeDef, schedule: Schedule): Stmt {
  return lowerState(applySchedule(def, schedule));
}

export function lowerState(s: StageState): Stmt {
  const { def } = s;
  const values = axisValues(s);
  const guards = guardConds(s);
  const body = substitute(def.body, values);
  const outIdx = (def.outIndex ?? def.axes.map((a) => v(a.name))).map((e) => substitute(e, values));
  const epilogue = def.epilogue && substitute(def.epilogue, values);
  const finalize = def.finalize && substitute(def.finalize, values);
  const fin = (x: Expr) => (finalize ? substitute(finalize, new Map([[ACC, x]])) : x);
  const epi = (x: Expr) => (epilogue ? substitute(epilogue, new Map([[ACC, x]])) : x);
  const spatial = s.leaves.filter((l) => !l.reduce);

  if (!def.reduce) return nest(s.leaves, guarded(guards, s.leaves, store(def.out, outIdx, epi(fin(body)))));

  const init = reduceInit(def.reduce.op, def.type);
  if (!s.cacheAt) {
    const cur = load(def.out, outIdx);
    const parts = [
      nest(spatial, guarded(guards, spatial, store(def.out, outIdx, init))),
      nest(s.leaves, guarded(guards, s.leaves, store(def.out, outIdx, reduceCombine(def.reduce.op, cur, body)))),
    ];
    if (def.epilogue || def.finalize) parts.push(nest(spatial, guarded(guards, spatial, store(def.out, outIdx, epi(fin(cur))))));
    return seq(...parts);
  }

  const at = s.leaves.findIndex((l) => l.name === s.cacheAt);
  const outer = s.leaves.slice(0, at + 1);
  const inner = s.leaves.slice(at + 1);
  const tile = inner.filter((l) => !l.reduce);
  const loose = tile.find((l) => l.kind !== 'unroll' && l.kind !== 'vectorize');
  if (loose) throw new AccelcError({ code: 'E_SCHEDULE', message: `stage ${def.name}: register tile loop ${loose.name} must be unrolled or vectorized` });
  const acc: Buf = {
    name: `${def.name}.acc`, dtype: def.type, shape: tile.length ? tile.map((l) => l.extent) : [1],
    strides: [], offset: 0, storage: '', scope: 'local',
  };
  acc.strides = acc.shape.map((_, i) => acc.shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const accIdx = tile.length ? tile.map((l) => v(l.name)) : [c(0)];
  const cur = load(acc.name, accIdx);
  const tileBody = seq(
    nest(tile, store(acc.name, accIdx, init)),
    nest(inner, guarded(guards, [...outer, ...inner], store(acc.name, accIdx, reduceCombine(def.reduce.op, cur, body)))),
    ...(finalize ? [nest(tile, guarded(guards, [...outer, ...tile], store(acc.name, accIdx, fin(cur))))] : []),
    nest(tile, guarded(guards, [...outer, ...tile], store(def.out, outIdx, epi(cur)))),
  );
  return nest(outer, { k: 'alloc', buf: acc, body: tileBody });
}

/** Every axis and intermediate loop variable as an expression of the leaf loop variables. */
function axisValues(s: StageState): Map<string, Expr> {
  const val = new Map<string, Expr>();
  for (const l of s.leaves) val.set(l.name, v(l.name));
  for (let i = s.rels.length - 1; i >= 0; i--) {
    const r = s.rels[i];
    if (r.k === 'split') {
      const o = val.get(r.outer)!, n = val.get(r.inner)!;
      const base = bin('mul', o, c(r.factor));
      const start = r.tail === 'shift' ? bin('min', base, c(r.parentExtent - r.factor)) : base;
      val.set(r.parent, bin('add', start, n));
    } else {
      const f = val.get(r.fused)!;
      val.set(r.outer, bin('div', f, c(r.innerExtent)));
      val.set(r.inner, bin('rem', f, c(r.innerExtent)));
    }
  }
  const axes = new Map<string, Expr>();
  for (const a of [...s.def.axes, ...(s.def.reduce?.axes ?? [])]) axes.set(a.name, val.get(a.name)!);
  return axes;
}

/** `parent < extent` for every split with a guarded tail, in terms of the leaf loop variables. */
function guardConds(s: StageState): Expr[] {
  const val = new Map<string, Expr>();
  for (const l of s.leaves) val.set(l.name, v(l.name));
  for (let i = s.rels.length - 1; i >= 0; i--) {
    const r = s.rels[i];
    if (r.k === 'split') val.set(r.parent, bin('add', bin('mul', val.get(r.outer)!, c(r.factor)), val.get(r.inner)!));
    else { val.set(r.outer, bin('div', val.get(r.fused)!, c(r.innerExtent))); val.set(r.inner, bin('rem', val.get(r.fused)!, c(r.innerExtent))); }
  }
  return s.rels.filter((r) => r.k === 'split' && r.tail === 'guard')
    .map((r) => r as Extract<typeof r, { k: 'split' }>)
    .map((r) => bin('lt', val.get(r.parent)!, c(r.parentExtent)));
}

function guarded(guards: Expr[], bound: Leaf[], s: Stmt): Stmt {
  const names = new Set(bound.map((l) => l.name));
  const here = guards.filter((g) => [...freeVars(g)].every((n) => names.has(n)));
  if (!here.length) return s;
  const cond = here.reduce((a, b) => bin('and', a, b));
  return { k: 'if', cond, then: s };
}

function nest(leaves: Leaf[], body: Stmt): Stmt {
  let s = body;
  for (let i = leaves.length - 1; i >= 0; i--) s = loop(leaves[i].name, leaves[i].extent, s, leaves[i].kind);
  return s;
}
