// Shape: the input's dims as an int64 1-D tensor; opset 15 adds start/end (clamped, negative from the end).
// Shapes are static here, so the output is always a known constant.

import type { Node } from '../../../ir/graph.js';
import type { OpCtx, OpSchema } from '../op-schema.js';
import { attrInt } from './util/attrs.js';
import { checkArity, need } from './util/check.js';
import { fromFn } from './util/tensor-data.js';

export { shapeSchemas };

function dims(node: Node, ctx: OpCtx | undefined, shape: readonly number[], ranged: boolean): number[] {
  if (!ranged) return [...shape];
  const r = shape.length;
  const norm = (v: number): number => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
  return shape.slice(norm(attrInt(node, 'start', 0, ctx)), norm(attrInt(node, 'end', r, ctx)));
}

function shape(since: number, until: number | undefined): OpSchema {
  const ranged = since >= 15;
  const run = (node: Node, s: readonly number[], ctx?: OpCtx) => {
    const d = dims(node, ctx, s, ranged);
    return fromFn('int64', [d.length], (i) => BigInt(d[i]));
  };
  return {
    op: 'Shape', since, until,
    infer(node, inputs, ctx) {
      checkArity(node, ctx, 1, 1);
      const value = run(node, need(node, ctx, inputs, 0).shape, ctx);
      return [{ dtype: 'int64', shape: value.shape, value }];
    },
    evaluate(node, inputs, ctx) {
      return [run(node, need(node, ctx, inputs, 0).shape, ctx)];
    },
  };
}

const shapeSchemas: OpSchema[] = [shape(1, 14), shape(15, undefined)];
