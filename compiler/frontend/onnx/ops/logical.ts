// And, Or, Xor on bools (legacy broadcast attributes before opset 7); LessOrEqual and
// GreaterOrEqual (opset 12) on numbers, giving bool.

import type { OpSchema } from '../op-schema.js';
import { NUMERIC_TYPES } from './util/check.js';
import { naryOp } from './util/pointwise.js';

export { logicalSchemas };

const toBool = () => 'bool' as const;
const logic = (op: string, f: (a: boolean, b: boolean) => boolean): OpSchema[] => [1, 7].map((since) =>
  naryOp({ op, since, until: since === 1 ? 6 : undefined, types: ['bool'], min: 2, max: 2, legacy: since === 1,
    fn: () => (a, b) => f(a !== 0, b !== 0) }));

const logicalSchemas: OpSchema[] = [
  ...logic('And', (a, b) => a && b),
  ...logic('Or', (a, b) => a || b),
  ...logic('Xor', (a, b) => a !== b),
  naryOp({ op: 'LessOrEqual', since: 12, types: NUMERIC_TYPES, min: 2, max: 2, out: toBool, fn: () => (a, b) => a <= b }),
  naryOp({ op: 'GreaterOrEqual', since: 12, types: NUMERIC_TYPES, min: 2, max: 2, out: toBool, fn: () => (a, b) => a >= b }),
];
