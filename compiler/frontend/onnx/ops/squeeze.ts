// Squeeze / Unsqueeze: axes are an attribute in opset 1-12, an int64 input from 13 (constant here).
// Squeeze without axes drops every dim of size 1. Both only relabel the shape.

import type { Node } from '../../../ir/graph.js';
import type { OpCtx, OpSchema } from '../op-schema.js';
import { attrInts } from './util/attrs.js';
import { ALL_TYPES, checkArity, checkDtype, need, normAxes, opFail } from './util/check.js';
import { constInts } from './util/shape.js';
import { shareTensor, tensorInts } from './util/tensor-data.js';

export { squeezeSchemas };

/** Reads the axes, given a reader of the integer contents of input i (undefined when omitted). */
type AxesOf = (node: Node, ctx: OpCtx | undefined, readInput: (i: number) => number[] | undefined) => number[] | undefined;

function squeezed(node: Node, ctx: OpCtx | undefined, shape: number[], axes: number[] | undefined): number[] {
  if (!axes) return shape.filter((d) => d !== 1);
  const drop = new Set(normAxes(node, ctx, axes, shape.length));
  for (const a of drop) if (shape[a] !== 1) opFail(node, ctx, 'E_SHAPE', `cannot squeeze axis ${a} of size ${shape[a]} in [${shape}]`);
  return shape.filter((_, k) => !drop.has(k));
}

function unsqueezed(node: Node, ctx: OpCtx | undefined, shape: number[], axes: number[] | undefined): number[] {
  if (!axes) return opFail(node, ctx, 'E_MODEL', 'axes are required');
  const rank = shape.length + axes.length;
  const add = new Set(normAxes(node, ctx, axes, rank));
  const out: number[] = [];
  let j = 0;
  for (let k = 0; k < rank; k++) out.push(add.has(k) ? 1 : shape[j++]);
  return out;
}

const axesAttr: AxesOf = (node, ctx) => (node.attrs.axes === undefined ? undefined : attrInts(node, 'axes', undefined, ctx));

const axesInput: AxesOf = (_node, _ctx, readInput) => readInput(1);

function schema(op: string, since: number, until: number | undefined, axesOf: AxesOf, maxInputs: number,
  apply: (node: Node, ctx: OpCtx | undefined, shape: number[], axes: number[] | undefined) => number[]): OpSchema {
  return {
    op, since, until,
    infer(node, inputs, ctx) {
      checkArity(node, ctx, op === 'Unsqueeze' && maxInputs === 2 ? 2 : 1, maxInputs);
      const x = need(node, ctx, inputs, 0);
      checkDtype(node, ctx, x.dtype, ALL_TYPES, 'data');
      if (inputs[1]) checkDtype(node, ctx, inputs[1].dtype, ['int64'], 'axes');
      const read = (i: number) => (inputs[i] ? constInts(node, ctx, inputs[i], 'axes input') : undefined);
      const shape = apply(node, ctx, x.shape, axesOf(node, ctx, read));
      return [{ dtype: x.dtype, shape, value: x.const && shareTensor(x.const, shape) }];
    },
    evaluate(node, inputs, ctx) {
      const x = need(node, ctx, inputs, 0);
      const read = (i: number) => (inputs[i] ? tensorInts(inputs[i]) : undefined);
      return [shareTensor(x, apply(node, ctx, x.shape, axesOf(node, ctx, read)))];
    },
  };
}

const squeezeSchemas: OpSchema[] = [
  schema('Squeeze', 1, 12, axesAttr, 1, squeezed),
  schema('Squeeze', 13, undefined, axesInput, 2, squeezed),
  schema('Unsqueeze', 1, 12, axesAttr, 1, unsqueezed),
  schema('Unsqueeze', 13, undefined, axesInput, 2, unsqueezed),
];
