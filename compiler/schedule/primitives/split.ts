import type { StageState } from '../stage.js';
import type { Primitive } from '../schedule.js';
import { scheduleError } from '../errors.js';
import { leafIndex } from '../stage.js';

type Split = Extract<Primitive, { p: 'split' }>;

/** split(axis, factor): axis -> outer (ceil(extent/factor)) x inner (factor). */
export function split(s: StageState, prim: Split): StageState {
  const i = leafIndex(s, prim.axis);
  if (i < 0) throw scheduleError(s.def.name, prim, `no loop named ${prim.axis}`);
  if (!Number.isInteger(prim.factor) || prim.factor < 1) throw scheduleError(s.def.name, prim, 'factor must be a positive integer');
  if (leafIndex(s, prim.outer) >= 0 || leafIndex(s, prim.inner) >= 0 || prim.outer === prim.inner)
    throw scheduleError(s.def.name, prim, 'loop names must be new and distinct');
  const leaf = s.leaves[i];
  const divides = leaf.extent % prim.factor === 0;
  let tail = prim.tail ?? (divides ? 'exact' : 'guard');
  if (tail === 'exact' && !divides) throw scheduleError(s.def.name, prim, `factor does not divide extent ${leaf.extent}`);
  if (divides) tail = 'exact';
  if (tail === 'shift') {
    if (leaf.reduce) throw scheduleError(s.def.name, prim, 'a reduction loop cannot shift its tail (values would be counted twice)');
    if (leaf.extent < prim.factor) throw scheduleError(s.def.name, prim, `extent ${leaf.extent} is smaller than the factor`);
  }
  const outer = { ...leaf, name: prim.outer, extent: Math.ceil(leaf.extent / prim.factor), kind: 'serial' as const };
  const inner = { ...leaf, name: prim.inner, extent: prim.factor, kind: 'serial' as const };
  const leaves = [...s.leaves.slice(0, i), outer, inner, ...s.leaves.slice(i + 1)];
  const rels = [...s.rels, { k: 'split' as const, parent: leaf.name, parentExtent: leaf.extent, outer: prim.outer, inner: prim.inner, factor: prim.factor, tail }];
  return { ...s, leaves, rels };
}
