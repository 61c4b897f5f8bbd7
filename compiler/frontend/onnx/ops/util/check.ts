// Validation helpers shared by op schemas; every failure names the node and op.

import { DynamicShapeError, fail, type ErrorCode } from '../../../../errors.js';
import type { DType, Node, Tensor } from '../../../../ir/graph.js';
import type { OpCtx, StaticValue } from '../../op-schema.js';

export {
  opFail, checkArity, need, needConst, checkDtype, sameDtype, normAxis, normAxes,
  FLOAT_TYPES, INT_TYPES, NUMERIC_TYPES, ALL_TYPES, INDEX_TYPES,
};

const FLOAT_TYPES: readonly DType[] = ['float32', 'float64', 'float16'];
const INT_TYPES: readonly DType[] = ['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64'];
const NUMERIC_TYPES: readonly DType[] = [...FLOAT_TYPES, ...INT_TYPES];
const ALL_TYPES: readonly DType[] = [...NUMERIC_TYPES, 'bool'];
const INDEX_TYPES: readonly DType[] = ['int32', 'int64'];

function opFail(node: Node, ctx: OpCtx | undefined, code: ErrorCode, message: string): never {
  return fail(code, message, { model: ctx?.model, node: node.name, op: node.op });
}

/** Checks the number of inputs present (positions up to the last non-omitted one). */
function checkArity(node: Node, ctx: OpCtx | undefined, min: number, max: number): void {
  const n = node.inputs.length;
  let present = n;
  while (present > 0 && node.inputs[present - 1] === '') present--;
  if (present < min || n > max) {
    const want = min === max ? `${min}` : `${min} to ${max}`;
    opFail(node, ctx, 'E_MODEL', `expects ${want} inputs, got ${n}`);
  }
  for (let i = 0; i < min; i++) {
    if (node.inputs[i] === '') opFail(node, ctx, 'E_MODEL', `required input ${i} is omitted`);
  }
}

/** A required input (arity checked before). */
function need<T extends StaticValue | Tensor>(node: Node, ctx: OpCtx | undefined, inputs: Array<T | undefined>, i: number): T {
  const v = inputs[i];
  if (!v) return opFail(node, ctx, 'E_MODEL', `required input ${i} is missing`);
  return v;
}

/** The constant data of an input that determines output shapes. */
function needConst(node: Node, ctx: OpCtx | undefined, v: StaticValue, what: string): Tensor {
  if (!v.const) {
    throw new DynamicShapeError({ message: `${what} '${v.name}' must be a constant (computed at run time, so the output shape is unknown)`,
      model: ctx?.model, node: node.name, op: node.op, value: v.name });
  }
  return v.const;
}

function checkDtype(node: Node, ctx: OpCtx | undefined, dtype: DType, allowed: readonly DType[], what: string): void {
  if (!allowed.includes(dtype)) {
    opFail(node, ctx, 'E_SHAPE', `${what} has type ${dtype}; expected ${allowed.join(', ')}`);
  }
}

function sameDtype(node: Node, ctx: OpCtx | undefined, values: Array<{ dtype: DType; name: string }>): DType {
  const d = values[0].dtype;
  for (const v of values) {
    if (v.dtype !== d) opFail(node, ctx, 'E_SHAPE', `inputs must share one type, got ${values.map((x) => x.dtype).join(' and ')}`);
  }
  return d;
}

/** Maps an axis in [-rank, rank) to [0, rank). */
function normAxis(node: Node, ctx: OpCtx | undefined, axis: number, rank: number, what = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    opFail(node, ctx, 'E_MODEL', `${what} ${axis} is out of range for rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Normalizes a list of axes and rejects duplicates. */
function normAxes(node: Node, ctx: OpCtx | undefined, axes: readonly number[], rank: number, what = 'axes'): number[] {
  const out = axes.map((a) => normAxis(node, ctx, a, rank, what === 'axes' ? 'axis' : what));
  if (new Set(out).size !== out.length) opFail(node, ctx, 'E_MODEL', `${what} [${axes}] repeat an axis`);
  return out;
}
