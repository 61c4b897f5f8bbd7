// Default schedules from per-op heuristics. Each returns plain data the autotuner can later replace.

import type { ComputeDef } from '../schedule/compute.js';
import type { Schedule } from '../schedule/schedule.js';

export const LANES = 4;

/**
 * Pointwise and pooling-like stages: vectorize the innermost axis (last tile shifted inwards, so
 * there is no scalar tail), unroll it twice when long, run the outermost non-trivial axis in parallel.
 */
export function pointwiseSchedule(def: ComputeDef, vectorizable = true): Schedule {
  const s: Schedule = [];
  const axes = def.axes;
  if (!axes.length) return s;
  const last = axes[axes.length - 1];
  if (vectorizable && last.extent >= LANES && !def.reduce) {
    if (last.extent >= 2 * LANES * 4) {
      s.push({ p: 'split', axis: last.name, factor: 2 * LANES, outer: `${last.name}.o`, inner: `${last.name}.t`, tail: 'shift' });
      s.push({ p: 'split', axis: `${last.name}.t`, factor: LANES, outer: `${last.name}.u`, inner: `${last.name}.v` });
      s.push({ p: 'unroll', axis: `${last.name}.u` });
    } else {
      s.push({ p: 'split', axis: last.name, factor: LANES, outer: `${last.name}.o`, inner: `${last.name}.v`, tail: 'shift' });
    }
    s.push({ p: 'vectorize', axis: `${last.name}.v` });
  }
  const par = axes.find((a, i) => a.extent > 1 && i < axes.length - 1);
  if (par) s.push({ p: 'parallel', axis: par.name });
  return s;
}
