// Opset < 7 binary ops broadcast B onto A only when attribute broadcast=1, aligning B's dims with
// A's starting at `axis` (default: trailing). Returns B's shape padded to A's rank.

import type { Node } from '../../../../ir/graph.js';
import type { OpCtx } from '../../op-schema.js';
import { attrInt, hasAttr } from './attrs.js';
import { opFail } from './check.js';

export { legacyBShape };

function legacyBShape(node: Node, ctx: OpCtx | undefined, a: readonly number[], b: readonly number[]): number[] {
  const same = a.length === b.length && a.every((d, k) => d === b[k]);
  if (attrInt(node, 'broadcast', 0, ctx) === 0) {
    if (!same) opFail(node, ctx, 'E_SHAPE', `shapes [${a}] and [${b}] differ and broadcast=0`);
    return [...b];
  }
  if (b.length > a.length) opFail(node, ctx, 'E_SHAPE', `B [${b}] has more dims than A [${a}]`);
  const axis = hasAttr(node, 'axis') ? attrInt(node, 'axis', 0, ctx) : a.length - b.length;
  const start = axis < 0 ? axis + a.length : axis;
  if (start < 0 || start + b.length > a.length) opFail(node, ctx, 'E_SHAPE', `axis ${axis} cannot align B [${b}] with A [${a}]`);
  const padded = [...new Array<number>(start).fill(1), ...b, ...new Array<number>(a.length - start - b.length).fill(1)];
  padded.forEach((d, k) => {
    if (d !== 1 && d !== a[k]) opFail(node, ctx, 'E_SHAPE', `B [${b}] does not match A [${a}] at axis ${axis}`);
  });
  return padded;
}
