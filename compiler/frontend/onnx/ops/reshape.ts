// Reshape: target shape is an attribute in opset 1-4, a constant int64 input from 5.
// 0 copies the input dim (or is a real 0 when allowzero=1, opset 14), -1 is inferred.

import { numel, type Node, type Tensor } from '../../../ir/graph.js';
import type { OpCtx, OpSchema } from '../op-schema.js';
import { attrInt, attrInts } from './util/attrs.js';
import { ALL_TYPES, checkArity, checkDtype, need, opFail } from './util/check.js';
import { constInts } from './util/shape.js';
import { shareTensor, tensorInts } from './util/tensor-data.js';

export { reshapeSchemas, reshapeTo };

function reshapeTo(node: Node, ctx: OpCtx | undefined, inShape: readonly number[], spec: readonly number[], allowzero: boolean): number[] {
  const bad = (msg: string): never => opFail(node, ctx, 'E_SHAPE', `cannot reshape [${inShape}] to [${spec}]: ${msg}`);
  let inferAt = -1;
  const out = spec.map((d, k) => {
    if (d === -1) {
      if (inferAt >= 0) bad('more than one -1');
      inferAt = k;
      return 1;
    }
    if (d === 0 && !allowzero) return k < inShape.length ? inShape[k] : bad(`0 at position ${k} has no input dim to copy`);
    if (!Number.isInteger(d) || d < -1) bad(`invalid dimension ${d}`);
    return d;
  });
  if (allowzero && inferAt >= 0 && spec.includes(0)) bad('allowzero=1 forbids 0 together with -1');
  const total = numel(inShape);
  if (inferAt >= 0) {
    const known = numel(out);
    if (known === 0 || total % known !== 0) bad(`${total} elements do not divide into the known dims`);
    out[inferAt] = total / known;
  }
  if (numel(out) !== total) bad(`${total} elements vs ${numel(out)}`);
  return out;
}

function reshape(since: number, until: number | undefined): OpSchema {
  const fromAttr = since < 5;
  const spec = (node: Node, ctx: OpCtx | undefined, shapeIn: { shape: number[] } | undefined, values: () => number[]): number[] => {
    if (fromAttr) return attrInts(node, 'shape', undefined, ctx);
    if (shapeIn && shapeIn.shape.length !== 1) opFail(node, ctx, 'E_SHAPE', `shape input must be 1-D, got [${shapeIn.shape}]`);
    return values();
  };
  const allowzero = (node: Node, ctx: OpCtx | undefined): boolean => since >= 14 && attrInt(node, 'allowzero', 0, ctx) === 1;
  return {
    op: 'Reshape', since, until,
    infer(node, inputs, ctx) {
      checkArity(node, ctx, fromAttr ? 1 : 2, fromAttr ? 1 : 2);
      const x = need(node, ctx, inputs, 0);
      checkDtype(node, ctx, x.dtype, ALL_TYPES, 'data');
      const s = fromAttr ? undefined : need(node, ctx, inputs, 1);
      if (s) checkDtype(node, ctx, s.dtype, ['int64'], 'shape');
      const shape = reshapeTo(node, ctx, x.shape, spec(node, ctx, s, () => constInts(node, ctx, s!, 'shape input')), allowzero(node, ctx));
      return [{ dtype: x.dtype, shape, value: x.const && shareTensor(x.const, shape) }];
    },
    evaluate(node, inputs, ctx) {
      const x = need(node, ctx, inputs, 0);
      const s: Tensor | undefined = inputs[1];
      const shape = reshapeTo(node, ctx, x.shape, spec(node, ctx, s, () => tensorInts(s!)), allowzero(node, ctx));
      return [shareTensor(x, shape)];
    },
  };
}

const reshapeSchemas: OpSchema[] = [reshape(1, 4), reshape(5, 13), reshape(14, undefined)];
