// A compute definition, TVM `te.compute` style: what a stage computes, independent of how.
//
//   for every point of `axes` (and, for a reduction, of `reduce.axes`):
//     out[outIndex] = epilogue( combine over reduce axes of body )
//
// Axis names are the variable names `body`, `outIndex` and `epilogue` refer to. `epilogue` reads the
// reduced value as the variable ACC (so a fused bias + ReLU is `max(ACC + bias[co], 0)`), which keeps the
// definition plain data: printable, serializable, comparable.

import type { Expr, RegType } from '../ir/loop.js';

export const ACC = '$acc';

export interface Axis {
  name: string;
  extent: number;
}

export type ReduceOp = 'sum' | 'max' | 'min' | 'prod';

export interface ComputeDef {
  name: string;
  out: string;                 // output buffer
  type: RegType;               // type of body / accumulator
  axes: Axis[];
  reduce?: { op: ReduceOp; axes: Axis[] };
  body: Expr;
  /** Index stored to, in terms of axis variables. Default: the axis variables in order. */
  outIndex?: Expr[];
  /** Applied to the (reduced) value before the store; refers to ACC. */
  epilogue?: Expr;
  /**
   * Applied to the reduced value (ACC) first, its result kept in the accumulator for the epilogue:
   * with a register tile (cache_write, as every GEMM has) computed once however often the epilogue
   * reads ACC (a GEMM's folded LayerNorm before a GELU); without one it is substituted into each read.
   */
  finalize?: Expr;
}

export function reduceInit(op: ReduceOp, t: RegType): Expr {
  if (op === 'sum') return { k: 'const', t, v: t === 'i64' ? 0n : 0 };
  if (op === 'prod') return { k: 'const', t, v: t === 'i64' ? 1n : 1 };
  const big = op === 'max' ? -Infinity : Infinity;
  if (t === 'f32') return { k: 'const', t, v: big };
  if (t === 'i32') return { k: 'const', t, v: op === 'max' ? -2147483648 : 2147483647 };
  return { k: 'const', t, v: op === 'max' ? -(2n ** 63n) : 2n ** 63n - 1n };
}

export function reduceCombine(op: ReduceOp, acc: Expr, x: Expr): Expr {
  return { k: 'bin', op: op === 'sum' ? 'add' : op === 'prod' ? 'mul' : op, a: acc, b: x };
}
