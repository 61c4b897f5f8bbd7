// Hardmax: 1 at the first maximum along the axis, 0 elsewhere. Opset 1-12 coerce to 2-D at `axis`
// (default 1); 13+ along `axis` (default -1).

import type { Node } from '../../../ir/graph.js';
import type { OpCtx, OpSchema } from '../op-schema.js';
import { attrInt } from './util/attrs.js';
import { FLOAT_TYPES, checkArity, checkDtype, need, normAxis, opFail } from './util/check.js';
import { fromFn, toNumbers } from './util/tensor-data.js';

export { hardmaxSchemas, hardmaxBlocks };

/** [outer, len, inner]: the maximum is taken over len, stride inner. */
function hardmaxBlocks(node: Node, ctx: OpCtx | undefined, shape: number[], opset13: boolean): [number, number, number] {
  const r = shape.length;
  const prod = (a: number[]) => a.reduce((x, y) => x * y, 1);
  if (!opset13) {
    const axis = attrInt(node, 'axis', 1, ctx);
    if (axis < -r || axis > r) opFail(node, ctx, 'E_MODEL', `axis ${axis} is out of range for rank ${r}`);
    const a = axis < 0 ? axis + r : axis;
    return [prod(shape.slice(0, a)), prod(shape.slice(a)), 1];
  }
  if (r === 0) opFail(node, ctx, 'E_SHAPE', 'input must have rank >= 1');
  const a = normAxis(node, ctx, attrInt(node, 'axis', -1, ctx), r);
  return [prod(shape.slice(0, a)), shape[a], prod(shape.slice(a + 1))];
}

const schema = (since: number, until: number | undefined): OpSchema => ({
  op: 'Hardmax', since, until,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 1, 1);
    const x = need(node, ctx, inputs, 0);
    checkDtype(node, ctx, x.dtype, FLOAT_TYPES, 'input');
    hardmaxBlocks(node, ctx, x.shape, since >= 13);
    return [{ dtype: x.dtype, shape: x.shape }];
  },
  evaluate(node, inputs, ctx) {
    const x = need(node, ctx, inputs, 0);
    const [, len, inner] = hardmaxBlocks(node, ctx, x.shape, since >= 13);
    const v = toNumbers(x);
    return [fromFn(x.dtype, x.shape, (i) => {
      const j = Math.floor(i / inner) % len, base = i - j * inner;
      let best = 0;
      for (let k = 1; k < len; k++) if (v[base + k * inner] > v[base + best * inner]) best = k;
      return best === j ? 1 : 0;
    })];
  },
});

const hardmaxSchemas: OpSchema[] = [schema(1, 12), schema(13, undefined)];
