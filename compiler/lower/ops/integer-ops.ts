// Mod and BitShift. Mod fmod=1 is C's fmod (the dividend's sign; for floats a - trunc(a/b)*b),
// fmod=0 adds the divisor when the signs differ (Python's %). A zero divisor gives 0 rather than a
// trap. BitShift shifts in the register type; the store to the narrow type drops the bits shifted out.

import type { Expr, RegType } from '../../ir/loop.js';
import { add, bin } from '../../ir/loop.js';
import type { OpLowerer } from '../context.js';
import { konst, lowerMap } from './pointwise.js';

const sel = (c: Expr, a: Expr, b: Expr): Expr => ({ k: 'select', c, a, b });

function mod(a: Expr, b: Expr, t: RegType, fmod: boolean): Expr {
  const zero = konst(0, t);
  const isZero = bin('eq', b, zero);
  const safe = t === 'f32' ? b : sel(isZero, konst(1, t), b);
  const r = bin('rem', a, safe);
  const fixed = fmod ? r : sel(bin('and', bin('ne', r, zero), bin('ne', bin('lt', r, zero), bin('lt', b, zero))), add(r, b), r);
  return t === 'f32' ? fixed : sel(isZero, zero, fixed);
}

export const INTEGER_LOWERINGS: Record<string, OpLowerer> = {
  Mod: (node, ctx) => lowerMap(node, ctx, ([a, b], t) => mod(a, b, t, node.attrs.fmod === 1)),
  BitShift: (node, ctx) => lowerMap(node, ctx, ([a, b]) => bin(node.attrs.direction === 'LEFT' ? 'shl' : 'shr', a, b)),
};
