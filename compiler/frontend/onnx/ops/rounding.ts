// Floor, Ceil, Round (half to even), Sign, and the float tests IsNaN and IsInf (-> bool).

import type { OpSchema } from '../op-schema.js';
import { attrInt } from './util/attrs.js';
import { FLOAT_TYPES, NUMERIC_TYPES } from './util/check.js';
import { unaryOp } from './util/pointwise.js';

export { roundingSchemas, roundHalfEven };

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const num = (g: (x: number) => number | boolean) => () => (x: number | bigint) => g(Number(x));

const roundingSchemas: OpSchema[] = [
  unaryOp({ op: 'Floor', since: 1, types: FLOAT_TYPES, fn: num(Math.floor) }),
  unaryOp({ op: 'Ceil', since: 1, types: FLOAT_TYPES, fn: num(Math.ceil) }),
  unaryOp({ op: 'Round', since: 11, types: FLOAT_TYPES, fn: num(roundHalfEven) }),
  unaryOp({ op: 'Sign', since: 9, types: NUMERIC_TYPES,
    fn: () => (x) => (typeof x === 'bigint' ? (x > 0n ? 1n : x < 0n ? -1n : 0n) : Number.isNaN(x) ? NaN : Math.sign(x)) }),
  unaryOp({ op: 'IsNaN', since: 9, types: FLOAT_TYPES, out: () => 'bool', fn: num(Number.isNaN) }),
  unaryOp({ op: 'IsInf', since: 10, types: FLOAT_TYPES, out: () => 'bool',
    fn: (n, c) => {
      const neg = attrInt(n, 'detect_negative', 1, c) !== 0, pos = attrInt(n, 'detect_positive', 1, c) !== 0;
      return num((x) => (x === Infinity && pos) || (x === -Infinity && neg))();
    } }),
];
