// Activations with attributes: LeakyRelu, Elu, Selu, Celu, ThresholdedRelu, Softplus, Softsign,
// Shrink, and PRelu (slope broadcast onto X).

import type { OpSchema } from '../op-schema.js';
import { attrFloat } from './util/attrs.js';
import { FLOAT_TYPES, NUMERIC_TYPES } from './util/check.js';
import { naryOp, unaryOp } from './util/pointwise.js';

export { activationSchemas, SELU_ALPHA, SELU_GAMMA, softplus };

const SELU_ALPHA = 1.67326319217681884765625;
const SELU_GAMMA = 1.05070102214813232421875;

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

const f = (g: (x: number) => number) => (x: number | bigint) => g(Number(x));

const activationSchemas: OpSchema[] = [
  unaryOp({ op: 'LeakyRelu', since: 1, types: FLOAT_TYPES,
    fn: (n, c) => { const a = attrFloat(n, 'alpha', 0.01, c); return f((x) => (x < 0 ? a * x : x)); } }),
  unaryOp({ op: 'Elu', since: 1, types: FLOAT_TYPES,
    fn: (n, c) => { const a = attrFloat(n, 'alpha', 1, c); return f((x) => (x < 0 ? a * (Math.exp(x) - 1) : x)); } }),
  unaryOp({ op: 'Selu', since: 1, types: FLOAT_TYPES,
    fn: (n, c) => {
      const a = attrFloat(n, 'alpha', SELU_ALPHA, c), g = attrFloat(n, 'gamma', SELU_GAMMA, c);
      return f((x) => g * (x <= 0 ? a * (Math.exp(x) - 1) : x));
    } }),
  unaryOp({ op: 'Celu', since: 12, types: ['float32'],
    fn: (n, c) => { const a = attrFloat(n, 'alpha', 1, c); return f((x) => Math.max(0, x) + Math.min(0, a * (Math.exp(x / a) - 1))); } }),
  unaryOp({ op: 'ThresholdedRelu', since: 10, types: FLOAT_TYPES,
    fn: (n, c) => { const a = attrFloat(n, 'alpha', 1, c); return f((x) => (x > a ? x : 0)); } }),
  unaryOp({ op: 'Softplus', since: 1, types: FLOAT_TYPES, fn: () => f(softplus) }),
  unaryOp({ op: 'Softsign', since: 1, types: FLOAT_TYPES, fn: () => f((x) => x / (1 + Math.abs(x))) }),
  unaryOp({ op: 'Shrink', since: 9, types: NUMERIC_TYPES,
    fn: (n, c) => {
      const bias = attrFloat(n, 'bias', 0, c), lambd = attrFloat(n, 'lambd', 0.5, c);
      return f((x) => (x < -lambd ? x + bias : x > lambd ? x - bias : 0));
    } }),
  naryOp({ op: 'PRelu', since: 1, until: 6, types: FLOAT_TYPES, min: 2, max: 2, unidirectional: true, perChannel: true,
    fn: () => (x, s) => (Number(x) < 0 ? Number(s) * Number(x) : x) }),
  naryOp({ op: 'PRelu', since: 7, types: NUMERIC_TYPES, min: 2, max: 2, unidirectional: true,
    fn: () => (x, s) => (Number(x) < 0 ? Number(s) * Number(x) : x) }),
];
