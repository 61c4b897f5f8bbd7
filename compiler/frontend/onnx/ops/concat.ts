// Concat along `axis` (required from opset 4, default 1 before; negative from 11).

import { numel, type Node, type Tensor } from '../../../ir/graph.js';
import type { OpCtx, OpSchema } from '../op-schema.js';
import { attrInt } from './util/attrs.js';
import { ALL_TYPES, checkDtype, need, normAxis, opFail, sameDtype } from './util/check.js';
import { makeTensor } from './util/tensor-data.js';

export { concatSchemas };

function concatShape(node: Node, ctx: OpCtx | undefined, shapes: number[][], axisDefault: number | undefined): { axis: number; shape: number[] } {
  const rank = shapes[0].length;
  if (rank === 0) opFail(node, ctx, 'E_SHAPE', 'cannot concatenate scalars');
  const axis = normAxis(node, ctx, attrInt(node, 'axis', axisDefault, ctx), rank);
  const shape = [...shapes[0]];
  shape[axis] = 0;
  for (const s of shapes) {
    if (s.length !== rank || s.some((d, k) => k !== axis && d !== shape[k])) {
      opFail(node, ctx, 'E_SHAPE', `inputs ${shapes.map((x) => `[${x}]`).join(', ')} differ outside axis ${axis}`);
    }
    shape[axis] += s[axis];
  }
  return { axis, shape };
}

function concat(since: number, until: number | undefined): OpSchema {
  const axisDefault = since < 4 ? 1 : undefined;
  return {
    op: 'Concat', since, until,
    infer(node, inputs, ctx) {
      if (node.inputs.length === 0 || node.inputs.includes('')) opFail(node, ctx, 'E_MODEL', 'needs one or more (non-omitted) inputs');
      const xs = inputs.map((_, i) => need(node, ctx, inputs, i));
      checkDtype(node, ctx, xs[0].dtype, ALL_TYPES, 'inputs');
      const dtype = sameDtype(node, ctx, xs);
      return [{ dtype, shape: concatShape(node, ctx, xs.map((x) => x.shape), axisDefault).shape }];
    },
    evaluate(node, inputs, ctx) {
      const xs = inputs.map((_, i) => need(node, ctx, inputs, i));
      const { axis, shape } = concatShape(node, ctx, xs.map((x) => x.shape), axisDefault);
      const out = makeTensor(xs[0].dtype, shape);
      const outer = numel(shape.slice(0, axis));
      const chunks = xs.map((x) => numel(x.shape.slice(axis)));
      const row = numel(shape.slice(axis));
      xs.forEach((x, j) => {
        const start = chunks.slice(0, j).reduce((a, b) => a + b, 0);
        for (let o = 0; o < outer; o++) copyRaw(out, o * row + start, x, o * chunks[j], chunks[j]);
      });
      return [out];
    },
  };
}

/** Copies n elements of raw storage (same dtype on both sides). */
function copyRaw(dst: Tensor, dstOff: number, src: Tensor, srcOff: number, n: number): void {
  const d = dst.data as unknown as { [i: number]: number | bigint };
  const s = src.data;
  for (let i = 0; i < n; i++) d[dstOff + i] = s[srcOff + i];
}

const concatSchemas: OpSchema[] = [concat(1, 3), concat(4, undefined)];
