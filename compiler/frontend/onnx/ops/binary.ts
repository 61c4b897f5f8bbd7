// Broadcasting binary ops: Add, Sub, Mul, Div, Pow (arithmetic) and Equal, Less, Greater (-> bool).
// Opset >= 7 uses numpy broadcasting; older opsets use the broadcast/axis attributes.

import type { DType, Node, Tensor } from '../../../ir/graph.js';
import type { OpCtx, OpSchema, StaticValue } from '../op-schema.js';
import { ALL_TYPES, NUMERIC_TYPES, checkArity, checkDtype, need, sameDtype } from './util/check.js';
import { mapBroadcast } from './util/elementwise.js';
import { legacyBShape } from './util/legacy-broadcast.js';
import { broadcastShapes } from './util/shape.js';
import { shareTensor, type Elem } from './util/tensor-data.js';

export { binarySchemas };

type Fn = (x: Elem, y: Elem) => Elem | boolean;

interface BinaryDef {
  op: string;
  types: readonly DType[];
  /** Result dtype from the first input's dtype. */
  out: (a: DType) => DType;
  /** Whether the two inputs must share a type at this opset. */
  sameType: (opset: number) => boolean;
  fn: (dtype: DType) => Fn;
}

function bShape(node: Node, ctx: OpCtx | undefined, legacy: boolean, a: number[], b: number[]): number[] {
  return legacy ? legacyBShape(node, ctx, a, b) : b;
}

function schema(def: BinaryDef, since: number, until: number | undefined): OpSchema {
  const legacy = since < 7;
  return {
    op: def.op,
    since,
    until,
    infer(node, inputs, ctx) {
      checkArity(node, ctx, 2, 2);
      const a = need(node, ctx, inputs, 0);
      const b = need(node, ctx, inputs, 1);
      checkDtype(node, ctx, a.dtype, def.types, 'A');
      checkDtype(node, ctx, b.dtype, def.types, 'B');
      if (def.sameType(ctx.opset)) sameDtype(node, ctx, [a, b] as StaticValue[]);
      const shape = broadcastShapes(node, ctx, [a.shape, bShape(node, ctx, legacy, a.shape, b.shape)]);
      return [{ dtype: def.out(a.dtype), shape }];
    },
    evaluate(node, inputs, ctx) {
      const a = need(node, ctx, inputs, 0);
      let b: Tensor = need(node, ctx, inputs, 1);
      if (legacy) b = shareTensor(b, legacyBShape(node, ctx, a.shape, b.shape));
      const shape = broadcastShapes(node, ctx, [a.shape, b.shape]);
      return [mapBroadcast([a, b], shape, def.out(a.dtype), def.fn(a.dtype))];
    },
  };
}

const big = (x: Elem): bigint => (typeof x === 'bigint' ? x : BigInt(Math.trunc(x)));
const isInt = (d: DType): boolean => !['float32', 'float64', 'float16'].includes(d);
const same = (d: DType): DType => d;
const always = (): boolean => true;

const ARITH: BinaryDef[] = [
  { op: 'Add', types: NUMERIC_TYPES, out: same, sameType: always,
    fn: () => (x, y) => (typeof x === 'bigint' ? x + big(y) : x + Number(y)) },
  { op: 'Sub', types: NUMERIC_TYPES, out: same, sameType: always,
    fn: () => (x, y) => (typeof x === 'bigint' ? x - big(y) : x - Number(y)) },
  { op: 'Mul', types: NUMERIC_TYPES, out: same, sameType: always,
    fn: (d) => (x, y) => (typeof x === 'bigint' ? x * big(y) : d === 'int32' || d === 'uint32' ? Math.imul(x, Number(y)) : x * Number(y)) },
  { op: 'Div', types: NUMERIC_TYPES, out: same, sameType: always,
    fn: (d) => (x, y) => {
      if (typeof x === 'bigint') return big(y) === 0n ? 0n : x / big(y);
      const q = x / Number(y);
      return isInt(d) ? (Number.isFinite(q) ? Math.trunc(q) : 0) : q;
    } },
  { op: 'Pow', types: NUMERIC_TYPES, out: same, sameType: (opset) => opset < 12,
    fn: () => (x, y) => (typeof x === 'bigint' ? intPow(x, big(y)) : Math.pow(x, Number(y))) },
];

const COMPARE: BinaryDef[] = [
  { op: 'Equal', types: ALL_TYPES, out: () => 'bool', sameType: always, fn: () => (x, y) => x === y },
  { op: 'Less', types: NUMERIC_TYPES, out: () => 'bool', sameType: always, fn: () => (x, y) => x < y },
  { op: 'Greater', types: NUMERIC_TYPES, out: () => 'bool', sameType: always, fn: () => (x, y) => x > y },
];

function intPow(x: bigint, y: bigint): bigint {
  if (y >= 0n) return x ** y;
  if (x === 1n) return 1n;
  if (x === -1n) return y % 2n === 0n ? 1n : -1n;
  return 0n;
}

const binarySchemas: OpSchema[] = [...ARITH, ...COMPARE].flatMap((def) => [schema(def, 1, 6), schema(def, 7, undefined)]);
