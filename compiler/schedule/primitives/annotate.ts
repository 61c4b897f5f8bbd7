import type { StageState } from '../stage.js';
import type { Primitive } from '../schedule.js';
import { scheduleError } from '../errors.js';
import { leafIndex } from '../stage.js';

type Annotate = Extract<Primitive, { p: 'vectorize' | 'unroll' | 'parallel' }>;

const MAX_UNROLL = 64;

/** vectorize / unroll / parallel: marks how a loop runs; the loop structure stays. */
export function annotate(s: StageState, prim: Annotate): StageState {
  const i = leafIndex(s, prim.axis);
  if (i < 0) throw scheduleError(s.def.name, prim, `no loop named ${prim.axis}`);
  const leaf = s.leaves[i];
  if (prim.p === 'vectorize') {
    if (leaf.reduce) throw scheduleError(s.def.name, prim, 'cannot vectorize a reduction loop (split and rfactor it instead)');
    if (leaf.extent > 16) throw scheduleError(s.def.name, prim, `extent ${leaf.extent} is too wide for 128-bit vectors`);
  }
  if (prim.p === 'unroll' && leaf.extent > MAX_UNROLL) throw scheduleError(s.def.name, prim, `extent ${leaf.extent} exceeds the unroll limit ${MAX_UNROLL}`);
  if (prim.p === 'parallel' && leaf.reduce) throw scheduleError(s.def.name, prim, 'a reduction loop cannot run in parallel');
  if (leaf.kind !== 'serial') throw scheduleError(s.def.name, prim, `loop is already ${leaf.kind}`);
  const leaves = [...s.leaves];
  leaves[i] = { ...leaf, kind: prim.p };
  return { ...s, leaves };
}
