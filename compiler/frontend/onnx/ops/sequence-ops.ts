// ReverseSequence (opset 10): along time_axis (default 0), the first sequence_lens[b] elements of
// each batch entry b (batch_axis, default 1) reversed, the rest unchanged. MaxUnpool (9/11): the
// values of X scattered into zeros at the flat positions in I, which index the default output shape
// (d - 1) * stride + kernel - pads per spatial dim; an output_shape input (constant) pads that
// result with zeros after each dim.

import type { Node, Tensor } from '../../../ir/graph.js';
import type { OpCtx, OpSchema } from '../op-schema.js';
import { attrInt, attrInts } from './util/attrs.js';
import { ALL_TYPES, FLOAT_TYPES, INDEX_TYPES, checkArity, checkDtype, need, opFail } from './util/check.js';
import { unravel, ravel } from './util/coords.js';
import { checkElementCount, constInts } from './util/shape.js';
import { fromFn, makeTensor, reader, tensorInts, writer } from './util/tensor-data.js';

export { sequenceOpSchemas, reverseAxes, unpoolShape };

function reverseAxes(node: Node, ctx: OpCtx | undefined, shape: number[]): { time: number; batch: number } {
  const time = attrInt(node, 'time_axis', 0, ctx), batch = attrInt(node, 'batch_axis', 1, ctx);
  if (shape.length < 2 || ![0, 1].includes(time) || ![0, 1].includes(batch) || time === batch) {
    opFail(node, ctx, 'E_MODEL', `time_axis ${time} and batch_axis ${batch} must be 0 and 1 in some order (input [${shape}])`);
  }
  return { time, batch };
}

const reverseSequence: OpSchema = {
  op: 'ReverseSequence', since: 10,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 2, 2);
    const x = need(node, ctx, inputs, 0), lens = need(node, ctx, inputs, 1);
    checkDtype(node, ctx, x.dtype, ALL_TYPES, 'input');
    checkDtype(node, ctx, lens.dtype, ['int64'], 'sequence_lens');
    const { batch } = reverseAxes(node, ctx, x.shape);
    if (lens.shape.join() !== `${x.shape[batch]}`) opFail(node, ctx, 'E_SHAPE', `sequence_lens must be [${x.shape[batch]}]`);
    return [{ dtype: x.dtype, shape: x.shape }];
  },
  evaluate(node, inputs, ctx) {
    const x: Tensor = need(node, ctx, inputs, 0), lens = tensorInts(need(node, ctx, inputs, 1));
    const { time, batch } = reverseAxes(node, ctx, x.shape);
    const r = reader(x);
    return [fromFn(x.dtype, x.shape, (i) => {
      const c = unravel(i, x.shape), len = lens[c[batch]];
      if (c[time] < len) c[time] = len - 1 - c[time];
      return r(ravel(c, x.shape));
    })];
  },
};

function unpoolShape(node: Node, ctx: OpCtx | undefined, x: number[], given: number[] | undefined): number[] {
  const n = x.length - 2;
  const kernel = attrInts(node, 'kernel_shape', undefined, ctx);
  if (n < 1 || kernel.length !== n) opFail(node, ctx, 'E_SHAPE', `kernel_shape [${kernel}] does not fit X [${x}]`);
  if (given) {
    if (given.length !== x.length) opFail(node, ctx, 'E_SHAPE', `output_shape [${given}] must have X's rank`);
    return given;
  }
  const strides = attrInts(node, 'strides', new Array<number>(n).fill(1), ctx), pads = attrInts(node, 'pads', new Array<number>(2 * n).fill(0), ctx);
  return [x[0], x[1], ...x.slice(2).map((d, i) => (d - 1) * strides[i] + kernel[i] - pads[i] - pads[i + n])];
}

const maxUnpool = (since: number, until: number | undefined): OpSchema => ({
  op: 'MaxUnpool', since, until,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 2, 3);
    const x = need(node, ctx, inputs, 0), idx = need(node, ctx, inputs, 1);
    checkDtype(node, ctx, x.dtype, FLOAT_TYPES, 'X');
    checkDtype(node, ctx, idx.dtype, INDEX_TYPES, 'I');
    if (idx.shape.join() !== x.shape.join()) opFail(node, ctx, 'E_SHAPE', `I [${idx.shape}] must have X's shape [${x.shape}]`);
    const shape = unpoolShape(node, ctx, x.shape, inputs[2] ? constInts(node, ctx, inputs[2], 'output_shape input') : undefined);
    checkElementCount(node, ctx, shape);
    return [{ dtype: x.dtype, shape }];
  },
  evaluate(node, inputs, ctx) {
    const x = need(node, ctx, inputs, 0), idx = tensorInts(need(node, ctx, inputs, 1));
    const base = unpoolShape(node, ctx, x.shape, undefined);
    const shape = unpoolShape(node, ctx, x.shape, inputs[2] ? tensorInts(inputs[2]) : undefined);
    const out = makeTensor(x.dtype, shape), put = writer(x.dtype, out.data), r = reader(x);
    const n = base.reduce((a, b) => a * b, 1);
    idx.forEach((j, i) => {
      const at = unravel(j, base);
      if (j >= 0 && j < n && at.every((d, k) => d < shape[k])) put(ravel(at, shape), r(i));
    });
    return [out];
  },
});

const sequenceOpSchemas: OpSchema[] = [reverseSequence, maxUnpool(9, 10), maxUnpool(11, undefined)];
