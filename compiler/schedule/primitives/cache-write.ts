import type { StageState } from '../stage.js';
import type { Primitive } from '../schedule.js';
import { scheduleError } from '../errors.js';
import { leafIndex } from '../stage.js';

type CacheWrite = Extract<Primitive, { p: 'cache_write' }>;

/**
 * cache_write(local, at L): the reduction accumulates in a register tile covering the spatial loops
 * inside L, initialised before the reduction loops and stored (through the epilogue) once after them.
 */
export function cacheWrite(s: StageState, prim: CacheWrite): StageState {
  if (!s.def.reduce) throw scheduleError(s.def.name, prim, 'stage has no reduction to cache');
  if (s.cacheAt) throw scheduleError(s.def.name, prim, 'stage already has a cache');
  const i = leafIndex(s, prim.at);
  if (i < 0) throw scheduleError(s.def.name, prim, `no loop named ${prim.at}`);
  if (s.leaves.slice(0, i + 1).some((l) => l.reduce)) throw scheduleError(s.def.name, prim, 'every loop down to the cache point must be spatial');
  const tile = s.leaves.slice(i + 1).filter((l) => !l.reduce).reduce((n, l) => n * l.extent, 1);
  if (tile > 256) throw scheduleError(s.def.name, prim, `register tile of ${tile} elements is too large`);
  return { ...s, cacheAt: prim.at };
}
