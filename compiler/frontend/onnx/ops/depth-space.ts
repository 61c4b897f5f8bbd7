// DepthToSpace (mode DCR, the default, or CRD from opset 11) and SpaceToDepth, NCHW with `blocksize`.
// Both are permutations of elements; `depthSpaceSource` gives, per output element, its input offset.

import type { Node } from '../../../ir/graph.js';
import type { OpCtx, OpSchema } from '../op-schema.js';
import { attrInt, attrString } from './util/attrs.js';
import { ALL_TYPES, checkArity, checkDtype, need, opFail } from './util/check.js';
import { unravel, ravel } from './util/coords.js';
import { gatherElems } from './util/shape.js';

export { depthSpaceSchemas, depthSpaceSource };

interface Geometry { b: number; crd: boolean; toSpace: boolean }

function geometry(node: Node, ctx: OpCtx | undefined, x: number[]): { g: Geometry; shape: number[] } {
  if (x.length !== 4) opFail(node, ctx, 'E_SHAPE', `input must be 4-D (NCHW), got [${x}]`);
  const b = attrInt(node, 'blocksize', undefined, ctx);
  if (b < 1) opFail(node, ctx, 'E_MODEL', `blocksize must be positive, got ${b}`);
  const toSpace = node.op === 'DepthToSpace';
  const mode = toSpace ? attrString(node, 'mode', 'DCR', ctx) : 'DCR';
  if (mode !== 'DCR' && mode !== 'CRD') opFail(node, ctx, 'E_MODEL', `unknown mode '${mode}'`);
  const [n, c, h, w] = x;
  if (toSpace && c % (b * b) !== 0) opFail(node, ctx, 'E_SHAPE', `channels ${c} are not divisible by blocksize^2 = ${b * b}`);
  if (!toSpace && (h % b !== 0 || w % b !== 0)) opFail(node, ctx, 'E_SHAPE', `spatial dims ${h}x${w} are not divisible by blocksize ${b}`);
  const shape = toSpace ? [n, c / (b * b), h * b, w * b] : [n, c * b * b, h / b, w / b];
  return { g: { b, crd: mode === 'CRD', toSpace }, shape };
}

/** Input coordinates [n, c, h, w] of output coordinates [n, c, h, w]. */
function depthSpaceSource(g: Geometry, outShape: number[], o: number[]): number[] {
  const { b } = g;
  const [n, c, h, w] = o;
  if (g.toSpace) {
    const C = outShape[1];
    const bh = h % b, bw = w % b;
    const ci = g.crd ? c * b * b + bh * b + bw : (bh * b + bw) * C + c;
    return [n, ci, Math.floor(h / b), Math.floor(w / b)];
  }
  const C = outShape[1] / (b * b);
  const blk = Math.floor(c / C), ci = c % C;
  return [n, ci, h * b + Math.floor(blk / b), w * b + (blk % b)];
}

const schema = (op: string, since: number): OpSchema => ({
  op, since,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 1, 1);
    const x = need(node, ctx, inputs, 0);
    checkDtype(node, ctx, x.dtype, ALL_TYPES, 'input');
    return [{ dtype: x.dtype, shape: geometry(node, ctx, x.shape).shape }];
  },
  evaluate(node, inputs, ctx) {
    const x = need(node, ctx, inputs, 0);
    const { g, shape } = geometry(node, ctx, x.shape);
    const n = shape.reduce((a, b) => a * b, 1);
    const map = new Int32Array(n);
    for (let i = 0; i < n; i++) map[i] = ravel(depthSpaceSource(g, shape, unravel(i, shape)), x.shape);
    return [gatherElems(x, map, shape)];
  },
});

const depthSpaceSchemas: OpSchema[] = [schema('DepthToSpace', 1), schema('SpaceToDepth', 1)];
