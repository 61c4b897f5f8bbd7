// Elementwise unary ops: output has the input's shape and type.
// Relu, Sigmoid, HardSigmoid, HardSwish, Erf, Sqrt, Neg, Exp, Log, Tanh, Abs, Reciprocal, Not.

import type { DType, Node } from '../../../ir/graph.js';
import type { OpCtx, OpSchema } from '../op-schema.js';
import { attrFloat } from './util/attrs.js';
import { FLOAT_TYPES, NUMERIC_TYPES, checkArity, checkDtype, need } from './util/check.js';
import { mapUnary } from './util/elementwise.js';
import { erf } from './util/erf.js';
import type { Elem } from './util/tensor-data.js';

export { unarySchemas };

type Fn = (x: Elem) => Elem | boolean;

const SIGNED: readonly DType[] = NUMERIC_TYPES.filter((d) => !d.startsWith('uint'));

function unary(op: string, since: number, types: readonly DType[], make: (node: Node, ctx?: OpCtx) => Fn): OpSchema {
  return {
    op,
    since,
    infer(node, inputs, ctx) {
      checkArity(node, ctx, 1, 1);
      const x = need(node, ctx, inputs, 0);
      checkDtype(node, ctx, x.dtype, types, 'input');
      return [{ dtype: x.dtype, shape: x.shape }];
    },
    evaluate(node, inputs, ctx) {
      const x = need(node, ctx, inputs, 0);
      return [mapUnary(x, x.dtype, make(node, ctx))];
    },
  };
}

/** Lifts a float function; integer inputs (where allowed) are computed in double and truncated on store. */
const float = (f: (x: number) => number): (() => Fn) => () => (x) => f(Number(x));

const unarySchemas: OpSchema[] = [
  unary('Relu', 1, SIGNED, () => (x) => (typeof x === 'bigint' ? (x > 0n ? x : 0n) : x > 0 ? x : 0)),
  unary('Neg', 1, SIGNED, () => (x) => (typeof x === 'bigint' ? -x : -x)),
  unary('Abs', 1, NUMERIC_TYPES, () => (x) => (typeof x === 'bigint' ? (x < 0n ? -x : x) : Math.abs(x))),
  unary('Sigmoid', 1, FLOAT_TYPES, float((x) => 1 / (1 + Math.exp(-x)))),
  unary('Erf', 9, NUMERIC_TYPES, float(erf)),
  unary('Sqrt', 1, FLOAT_TYPES, float(Math.sqrt)),
  unary('Exp', 1, FLOAT_TYPES, float(Math.exp)),
  unary('Log', 1, FLOAT_TYPES, float(Math.log)),
  unary('Tanh', 1, FLOAT_TYPES, float(Math.tanh)),
  unary('Reciprocal', 1, FLOAT_TYPES, float((x) => 1 / x)),
  unary('HardSigmoid', 1, FLOAT_TYPES, (node, ctx) => {
    const alpha = attrFloat(node, 'alpha', 0.2, ctx);
    const beta = attrFloat(node, 'beta', 0.5, ctx);
    return (x) => Math.max(0, Math.min(1, alpha * Number(x) + beta));
  }),
  unary('HardSwish', 14, FLOAT_TYPES, float((x) => x * Math.max(0, Math.min(1, x / 6 + 0.5)))),
  unary('Not', 1, ['bool'], () => (x) => x === 0),
];
