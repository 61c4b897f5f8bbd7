// Einsum (opset 12): "ij,jk->ik" style equations, with '...' for broadcast batch dims and implicit
// outputs (the letters used once, alphabetically, after the '...' dims). `parseEinsum` resolves an
// equation against the input shapes; the lowering builds one contraction from the result.

import type { Node } from '../../../ir/graph.js';
import type { OpCtx, OpSchema } from '../op-schema.js';
import { attrString } from './util/attrs.js';
import { NUMERIC_TYPES, checkDtype, need, opFail, sameDtype } from './util/check.js';
import { broadcastShapes } from './util/shape.js';

export { einsumSchemas, parseEinsum };
export type { EinsumPlan };

interface EinsumPlan {
  /** Per input, its dims' labels: letters, or '.0', '.1'... for the ellipsis dims (right-aligned). */
  inputs: string[][];
  output: string[];
  /** The extent of every label. */
  extents: Map<string, number>;
  /** Labels summed over. */
  reduced: string[];
}

function parseEinsum(node: Node, ctx: OpCtx | undefined, shapes: number[][]): EinsumPlan {
  const eq = attrString(node, 'equation', undefined, ctx).replace(/\s+/g, '');
  const [lhs, rhs] = eq.split('->');
  const terms = lhs.split(',');
  if (terms.length !== shapes.length) opFail(node, ctx, 'E_MODEL', `equation '${eq}' has ${terms.length} operands, the node ${shapes.length} inputs`);
  const extents = new Map<string, number>();
  const ellRank = Math.max(0, ...terms.map((t, i) => (t.includes('...') ? shapes[i].length - t.replace('...', '').length : 0)));
  const ellShapes: number[][] = [];
  const inputs = terms.map((t, i) => {
    if (!/^[a-zA-Z]*(\.\.\.)?[a-zA-Z]*$/.test(t)) opFail(node, ctx, 'E_MODEL', `cannot read operand '${t}' of '${eq}'`);
    const [pre, post] = t.includes('...') ? t.split('...') : [t, undefined];
    const n = shapes[i].length - pre.length - (post?.length ?? 0);
    if (n < 0 || (post === undefined && n !== 0)) opFail(node, ctx, 'E_SHAPE', `operand '${t}' does not fit input ${i} of rank ${shapes[i].length}`);
    const ell = Array.from({ length: n }, (_, k) => `.${ellRank - n + k}`);
    ellShapes.push(shapes[i].slice(pre.length, pre.length + n));
    const labels = [...pre, ...ell, ...(post ?? '')];
    labels.forEach((l, k) => {
      if (l.startsWith('.')) return;
      const d = shapes[i][k], known = extents.get(l);
      if (known !== undefined && known !== d && known !== 1 && d !== 1) opFail(node, ctx, 'E_SHAPE', `label '${l}' has sizes ${known} and ${d}`);
      extents.set(l, Math.max(known ?? 1, d));
    });
    return labels;
  });
  const ellDims = broadcastShapes(node, ctx, ellShapes);
  ellDims.forEach((d, k) => extents.set(`.${k}`, d));
  const ell = ellDims.map((_, k) => `.${k}`);
  let output: string[];
  if (rhs === undefined) {
    const once = [...extents.keys()].filter((l) => !l.startsWith('.') && inputs.flat().filter((x) => x === l).length === 1).sort();
    output = [...ell, ...once];
  } else {
    if (!/^[a-zA-Z]*(\.\.\.)?[a-zA-Z]*$/.test(rhs)) opFail(node, ctx, 'E_MODEL', `cannot read the output '${rhs}' of '${eq}'`);
    const [pre, post] = rhs.includes('...') ? rhs.split('...') : [rhs, ''];
    output = [...pre, ...(rhs.includes('...') ? ell : []), ...post];
    for (const l of output) if (!extents.has(l)) opFail(node, ctx, 'E_MODEL', `output label '${l}' is not in any operand`);
    if (new Set(output).size !== output.length) opFail(node, ctx, 'E_MODEL', `output '${rhs}' repeats a label`);
  }
  const reduced = [...extents.keys()].filter((l) => !output.includes(l));
  return { inputs, output, extents, reduced };
}

const einsumSchemas: OpSchema[] = [{
  op: 'Einsum', since: 12,
  infer(node, inputs, ctx) {
    if (!node.inputs.length) opFail(node, ctx, 'E_MODEL', 'needs one or more inputs');
    const xs = inputs.map((_, i) => need(node, ctx, inputs, i));
    for (const x of xs) checkDtype(node, ctx, x.dtype, NUMERIC_TYPES, 'input');
    const dtype = sameDtype(node, ctx, xs);
    const plan = parseEinsum(node, ctx, xs.map((x) => x.shape));
    return [{ dtype, shape: plan.output.map((l) => plan.extents.get(l)!) }];
  },
}];
