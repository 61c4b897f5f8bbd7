import { AccelcError } from '../errors.js';
import { printPrimitive, type Primitive } from './schedule.js';

/** An illegal schedule primitive: the short reason, and the primitive and stage it was applied to. */
export function scheduleError(stage: string, prim: Primitive, reason: string): AccelcError {
  return new AccelcError({ code: 'E_SCHEDULE', message: `stage ${stage}: ${printPrimitive(prim)}: ${reason}` });
}
