// Replays a schedule on a compute definition, checking each primitive as it goes.

import type { ComputeDef } from './compute.js';
import type { Schedule } from './schedule.js';
import { initialState, type StageState } from './stage.js';
import { split } from './primitives/split.js';
import { fuse } from './primitives/fuse.js';
import { reorder } from './primitives/reorder.js';
import { annotate } from './primitives/annotate.js';
import { cacheWrite } from './primitives/cache-write.js';
import { broadcast } from './primitives/broadcast.js';

export function applySchedule(def: ComputeDef, schedule: Schedule): StageState {
  let s = initialState(def);
  for (const prim of schedule) {
    switch (prim.p) {
      case 'split': s = split(s, prim); break;
      case 'fuse': s = fuse(s, prim); break;
      case 'reorder': s = reorder(s, prim); break;
      case 'vectorize': case 'unroll': case 'parallel': s = annotate(s, prim); break;
      case 'cache_write': s = cacheWrite(s, prim); break;
      case 'broadcast': s = broadcast(s, prim); break;
    }
  }
  return s;
}
