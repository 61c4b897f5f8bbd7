// Gather: out = data[:axis] + indices.shape + data[axis+1:]; negative indices count from the end.

import { numel, type Node, type Tensor } from '../../../ir/graph.js';
import type { OpCtx, OpSchema } from '../op-schema.js';
import { attrInt } from './util/attrs.js';
import { ALL_TYPES, INDEX_TYPES, checkArity, checkDtype, need, normAxis, opFail } from './util/check.js';
import { gatherElems } from './util/shape.js';
import { toNumbers } from './util/tensor-data.js';

export { gatherSchemas };

function gatherShape(node: Node, ctx: OpCtx | undefined, data: number[], indices: number[]): { axis: number; shape: number[] } {
  if (data.length === 0) opFail(node, ctx, 'E_SHAPE', 'data must have rank >= 1');
  const axis = normAxis(node, ctx, attrInt(node, 'axis', 0, ctx), data.length);
  return { axis, shape: [...data.slice(0, axis), ...indices, ...data.slice(axis + 1)] };
}

const gatherSchemas: OpSchema[] = [{
  op: 'Gather',
  since: 1,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 2, 2);
    const x = need(node, ctx, inputs, 0);
    const idx = need(node, ctx, inputs, 1);
    checkDtype(node, ctx, x.dtype, ALL_TYPES, 'data');
    checkDtype(node, ctx, idx.dtype, INDEX_TYPES, 'indices');
    return [{ dtype: x.dtype, shape: gatherShape(node, ctx, x.shape, idx.shape).shape }];
  },
  evaluate(node, inputs, ctx) {
    const x: Tensor = need(node, ctx, inputs, 0);
    const idxT: Tensor = need(node, ctx, inputs, 1);
    const { axis, shape } = gatherShape(node, ctx, x.shape, idxT.shape);
    const dim = x.shape[axis];
    const inner = numel(x.shape.slice(axis + 1));
    const outer = numel(x.shape.slice(0, axis));
    const idx = toNumbers(idxT).map((j) => {
      if (j < -dim || j >= dim) opFail(node, ctx, 'E_SHAPE', `index ${j} is out of range for axis ${axis} of size ${dim}`);
      return j < 0 ? j + dim : j;
    });
    const map = new Int32Array(numel(shape));
    let p = 0;
    for (let o = 0; o < outer; o++) {
      for (const j of idx) {
        const base = (o * dim + j) * inner;
        for (let i = 0; i < inner; i++) map[p++] = base + i;
      }
    }
    return [gatherElems(x, map, shape)];
  },
}];
