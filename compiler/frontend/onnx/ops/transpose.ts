// Transpose: output dim k is input dim perm[k]; perm defaults to reversing the dims.

import type { Node } from '../../../ir/graph.js';
import type { OpCtx, OpSchema } from '../op-schema.js';
import { attrInts } from './util/attrs.js';
import { ALL_TYPES, checkArity, checkDtype, need, opFail } from './util/check.js';
import { gatherElems, stridedMap, strides } from './util/shape.js';

export { transposeSchemas };

function permOf(node: Node, ctx: OpCtx | undefined, rank: number): number[] {
  const reversed = Array.from({ length: rank }, (_, k) => rank - 1 - k);
  const perm = attrInts(node, 'perm', reversed, ctx);
  const seen = new Set(perm);
  if (perm.length !== rank || seen.size !== rank || perm.some((p) => p < 0 || p >= rank)) {
    opFail(node, ctx, 'E_MODEL', `perm [${perm}] is not a permutation of ${rank} dims`);
  }
  return perm;
}

const transposeSchemas: OpSchema[] = [{
  op: 'Transpose',
  since: 1,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 1, 1);
    const x = need(node, ctx, inputs, 0);
    checkDtype(node, ctx, x.dtype, ALL_TYPES, 'input');
    return [{ dtype: x.dtype, shape: permOf(node, ctx, x.shape.length).map((p) => x.shape[p]) }];
  },
  evaluate(node, inputs, ctx) {
    const x = need(node, ctx, inputs, 0);
    const perm = permOf(node, ctx, x.shape.length);
    const st = strides(x.shape);
    const shape = perm.map((p) => x.shape[p]);
    return [gatherElems(x, stridedMap(shape, perm.map((p) => st[p])), shape)];
  },
}];
