import type { StageState } from '../stage.js';
import type { Primitive } from '../schedule.js';
import { scheduleError } from '../errors.js';
import { leafIndex } from '../stage.js';

type Reorder = Extract<Primitive, { p: 'reorder' }>;

/** reorder(a, b, c): the named loops take the positions they held, in the given order. */
export function reorder(s: StageState, prim: Reorder): StageState {
  const pos = prim.order.map((n) => leafIndex(s, n));
  if (pos.some((p) => p < 0)) throw scheduleError(s.def.name, prim, 'no such loop');
  if (new Set(prim.order).size !== prim.order.length) throw scheduleError(s.def.name, prim, 'a loop is named twice');
  const slots = [...pos].sort((a, b) => a - b);
  const leaves = [...s.leaves];
  slots.forEach((slot, k) => { leaves[slot] = s.leaves[pos[k]]; });
  return { ...s, leaves };
}
