// Trigonometric and hyperbolic functions, floats only.

import type { OpSchema } from '../op-schema.js';
import { FLOAT_TYPES } from './util/check.js';
import { unaryOp } from './util/pointwise.js';

export { trigSchemas };

const FNS: Array<[string, number, (x: number) => number]> = [
  ['Sin', 7, Math.sin], ['Cos', 7, Math.cos], ['Tan', 7, Math.tan],
  ['Asin', 7, Math.asin], ['Acos', 7, Math.acos], ['Atan', 7, Math.atan],
  ['Sinh', 9, Math.sinh], ['Cosh', 9, Math.cosh],
  ['Asinh', 9, Math.asinh], ['Acosh', 9, Math.acosh], ['Atanh', 9, Math.atanh],
];

const trigSchemas: OpSchema[] = FNS.map(([op, since, g]) =>
  unaryOp({ op, since, types: FLOAT_TYPES, fn: () => (x) => g(Number(x)) }));
