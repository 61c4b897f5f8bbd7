import type { Expr } from '../../ir/loop.js';
import { mapExpr } from '../../ir/traverse.js';
import type { StageState } from '../stage.js';
import type { Primitive } from '../schedule.js';
import { scheduleError } from '../errors.js';

type Broadcast = Extract<Primitive, { p: 'broadcast' }>;

/** broadcast(buf, strategy): marks how the stage's reads of `buf` are splat across vector lanes. */
export function broadcast(s: StageState, prim: Broadcast): StageState {
  let reads = 0;
  const mark = (e: Expr): Expr => {
    if (e.k !== 'load' || e.buf !== prim.buf) return e;
    reads++;
    if (prim.strategy === 'splat') return { ...e, splat: 'lanes' };
    const { splat: _, ...rest } = e;
    return rest;
  };
  const body = mapExpr(s.def.body, mark);
  if (reads === 0) throw scheduleError(s.def.name, prim, `the stage does not read ${prim.buf}`);
  return { ...s, def: { ...s.def, body } };
}
