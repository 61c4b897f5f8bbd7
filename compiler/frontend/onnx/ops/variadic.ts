// Max, Min, Sum, Mean over one or more inputs with numpy broadcasting (opset 8; equal shapes before).
// Max/Min take every numeric type from opset 12, floats before; Sum/Mean floats.

import type { OpSchema } from '../op-schema.js';
import { FLOAT_TYPES, NUMERIC_TYPES } from './util/check.js';
import { naryOp, type NaryDef } from './util/pointwise.js';
import type { Elem } from './util/tensor-data.js';

export { variadicSchemas };

const big = (xs: Elem[]) => typeof xs[0] === 'bigint';
const fns: Record<string, NaryDef['fn']> = {
  Max: () => (...xs) => xs.reduce((a, b) => (Number.isNaN(a as number) || a >= b ? a : b)),
  Min: () => (...xs) => xs.reduce((a, b) => (Number.isNaN(a as number) || a <= b ? a : b)),
  Sum: () => (...xs) => (big(xs) ? xs.reduce((a, b) => (a as bigint) + (b as bigint)) : xs.reduce((a, b) => Number(a) + Number(b))),
  Mean: () => (...xs) => xs.reduce<number>((a, b) => a + Number(b), 0) / xs.length,
};

const ranges: Array<[number, number | undefined]> = [[1, 7], [8, 11], [12, undefined]];
const variadicSchemas: OpSchema[] = Object.keys(fns).flatMap((op) => ranges.map(([since, until]) =>
  naryOp({
    op, since, until, min: 1, max: Infinity, fn: fns[op],
    types: (op === 'Max' || op === 'Min') && since >= 12 ? NUMERIC_TYPES : FLOAT_TYPES,
  })));
