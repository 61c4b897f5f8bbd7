import type { StageState } from '../stage.js';
import type { Primitive } from '../schedule.js';
import { scheduleError } from '../errors.js';
import { leafIndex } from '../stage.js';

type Fuse = Extract<Primitive, { p: 'fuse' }>;

/** fuse(outer, inner): two adjacent loops become one of the product extent. */
export function fuse(s: StageState, prim: Fuse): StageState {
  const i = leafIndex(s, prim.outer);
  const j = leafIndex(s, prim.inner);
  if (i < 0 || j < 0) throw scheduleError(s.def.name, prim, 'no such loop');
  if (j !== i + 1) throw scheduleError(s.def.name, prim, 'loops must be adjacent, outer first');
  const a = s.leaves[i], b = s.leaves[j];
  if (a.reduce !== b.reduce) throw scheduleError(s.def.name, prim, 'cannot fuse a reduction loop with a spatial one');
  if (leafIndex(s, prim.fused) >= 0) throw scheduleError(s.def.name, prim, 'fused name must be new');
  const fused = { name: prim.fused, extent: a.extent * b.extent, kind: 'serial' as const, reduce: a.reduce };
  return {
    ...s,
    leaves: [...s.leaves.slice(0, i), fused, ...s.leaves.slice(j + 1)],
    rels: [...s.rels, { k: 'fuse', outer: a.name, inner: b.name, innerExtent: b.extent, fused: prim.fused }],
  };
}
