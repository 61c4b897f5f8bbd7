// Mod (opset 10; fmod=0: the result takes the divisor's sign, integers only; fmod=1: C fmod, the
// dividend's sign) and BitShift (opset 11, unsigned integers; bits shifted out are lost).

import type { DType } from '../../../ir/graph.js';
import type { OpSchema } from '../op-schema.js';
import { attrInt, attrString } from './util/attrs.js';
import { FLOAT_TYPES, NUMERIC_TYPES, opFail } from './util/check.js';
import { naryOp } from './util/pointwise.js';
import type { Elem } from './util/tensor-data.js';

export { integerOpSchemas };

const UNSIGNED: readonly DType[] = ['uint8', 'uint16', 'uint32', 'uint64'];
const WIDTH: Record<string, bigint> = { uint8: 8n, uint16: 16n, uint32: 32n, uint64: 64n };

function mod(a: Elem, b: Elem, fmod: boolean): Elem {
  if (typeof a === 'bigint') {
    const d = b as bigint;
    if (d === 0n) return 0n;
    const r = a % d;
    return !fmod && r !== 0n && (r < 0n) !== (d < 0n) ? r + d : r;
  }
  const x = Number(a), y = Number(b);
  if (fmod) return x % y;
  if (y === 0) return 0;
  const r = x % y;
  return r !== 0 && (r < 0) !== (y < 0) ? r + y : r;
}

const integerOpSchemas: OpSchema[] = [
  naryOp({ op: 'Mod', since: 10, types: NUMERIC_TYPES, min: 2, max: 2,
    check: (n, c, [a]) => {
      const fmod = attrInt(n, 'fmod', 0, c);
      if (fmod !== 0 && fmod !== 1) opFail(n, c, 'E_MODEL', `fmod must be 0 or 1, got ${fmod}`);
      if (fmod === 0 && FLOAT_TYPES.includes(a.dtype)) opFail(n, c, 'E_MODEL', 'fmod=0 is only defined for integers');
    },
    fn: (n, c) => { const fmod = attrInt(n, 'fmod', 0, c) === 1; return (a, b) => mod(a, b, fmod); } }),
  naryOp({ op: 'BitShift', since: 11, types: UNSIGNED, min: 2, max: 2,
    check: (n, c) => {
      const d = attrString(n, 'direction', undefined, c);
      if (d !== 'LEFT' && d !== 'RIGHT') opFail(n, c, 'E_MODEL', `direction must be LEFT or RIGHT, got '${d}'`);
    },
    fn: (n, c, dtype) => {
      const left = attrString(n, 'direction', undefined, c) === 'LEFT', w = WIDTH[dtype];
      return (a, b) => {
        const x = BigInt(a), s = BigInt(b);
        const r = s >= w ? 0n : left ? BigInt.asUintN(Number(w), x << s) : x >> s;
        return typeof a === 'bigint' ? r : Number(r);
      };
    } }),
];
