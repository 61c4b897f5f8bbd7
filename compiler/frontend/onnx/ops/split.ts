// Split along `axis` (default 0) into the node's outputs: sizes from the `split` attribute (opset
// < 13) or input (13+, constant), else equal parts; opset 18's num_outputs makes ceil-sized parts
// with a smaller last one.

import type { Node, Tensor } from '../../../ir/graph.js';
import type { OpCtx, OpSchema, StaticValue } from '../op-schema.js';
import { attrInt, attrInts } from './util/attrs.js';
import { ALL_TYPES, checkArity, checkDtype, need, normAxis, opFail } from './util/check.js';
import { gatherElems, stridedMap, strides } from './util/shape.js';
import { constInts } from './util/shape.js';
import { tensorInts } from './util/tensor-data.js';

export { splitSchemas, splitSizes };

function splitSizes(node: Node, ctx: OpCtx | undefined, shape: number[], since: number, given: number[] | undefined): { axis: number; sizes: number[] } {
  if (shape.length === 0) opFail(node, ctx, 'E_SHAPE', 'cannot split a scalar');
  const axis = normAxis(node, ctx, attrInt(node, 'axis', 0, ctx), shape.length);
  const dim = shape[axis], n = node.outputs.length;
  let sizes = given;
  if (!sizes && since < 13 && node.attrs.split !== undefined) sizes = attrInts(node, 'split', undefined, ctx);
  if (!sizes && since >= 18 && node.attrs.num_outputs !== undefined) {
    const k = attrInt(node, 'num_outputs', undefined, ctx);
    if (k !== n) opFail(node, ctx, 'E_MODEL', `num_outputs ${k} but the node has ${n} outputs`);
    const part = Math.ceil(dim / k);
    sizes = Array.from({ length: k }, (_, i) => Math.max(0, Math.min(part, dim - i * part)));
  }
  if (!sizes) {
    if (dim % n !== 0) opFail(node, ctx, 'E_SHAPE', `axis ${axis} of size ${dim} does not split into ${n} equal parts`);
    sizes = new Array<number>(n).fill(dim / n);
  }
  if (sizes.length !== n) opFail(node, ctx, 'E_MODEL', `split has ${sizes.length} sizes for ${n} outputs`);
  if (sizes.some((s) => !Number.isInteger(s) || s < 0) || sizes.reduce((a, b) => a + b, 0) !== dim) {
    opFail(node, ctx, 'E_SHAPE', `split sizes [${sizes}] do not add up to ${dim}`);
  }
  return { axis, sizes };
}

function schema(since: number, until: number | undefined): OpSchema {
  const splitInput = since >= 13 || since === 1;
  const given = (node: Node, ctx: OpCtx | undefined, s: StaticValue | Tensor | undefined, constant: boolean) => {
    if (!splitInput || !s) return undefined;
    return constant ? tensorInts(s as Tensor) : constInts(node, ctx, s as StaticValue, 'split input');
  };
  return {
    op: 'Split', since, until,
    infer(node, inputs, ctx) {
      checkArity(node, ctx, 1, splitInput ? 2 : 1);
      const x = need(node, ctx, inputs, 0);
      checkDtype(node, ctx, x.dtype, ALL_TYPES, 'input');
      const { axis, sizes } = splitSizes(node, ctx, x.shape, since, given(node, ctx, inputs[1], false));
      return sizes.map((s) => ({ dtype: x.dtype, shape: x.shape.map((d, k) => (k === axis ? s : d)) }));
    },
    evaluate(node, inputs, ctx) {
      const x = need(node, ctx, inputs, 0);
      const { axis, sizes } = splitSizes(node, ctx, x.shape, since, given(node, ctx, inputs[1], true));
      const st = strides(x.shape);
      let start = 0;
      return sizes.map((s) => {
        const shape = x.shape.map((d, k) => (k === axis ? s : d));
        const t = gatherElems(x, stridedMap(shape, st, start * st[axis]), shape);
        start += s;
        return t;
      });
    },
  };
}

const splitSchemas: OpSchema[] = [schema(1, 1), schema(2, 12), schema(13, 17), schema(18, undefined)];
