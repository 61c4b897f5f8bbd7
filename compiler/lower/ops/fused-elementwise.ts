// FusedElementwise (made by passes/fuse-elementwise.ts): one pointwise kernel evaluating the whole
// expression tree per output element; each leaf is read with numpy broadcasting against the output.

import type { Node } from '../../ir/graph.js';
import type { Expr } from '../../ir/loop.js';
import { load } from '../../ir/loop.js';
import { FUSED_KEY, type FusedTree } from '../../passes/fuse-elementwise.js';
import type { OpLowerer } from '../context.js';
import { axesOf, broadcastIndex, vars } from '../index-math.js';
import { elementwiseExpr, pointwiseKernel } from './elementwise.js';

export const lowerFusedElementwise: OpLowerer = (node, ctx) => {
  const out = ctx.buf(node.outputs[0]);
  const axes = axesOf(out.shape);
  const tree = JSON.parse(node.attrs[FUSED_KEY] as string) as FusedTree;
  const build = (t: FusedTree): Expr => {
    const args = t.inputs.map((x) => (typeof x === 'string' ? (x ? load(ctx.buf(x).name, broadcastIndex(ctx.buf(x).shape, axes)) : undefined) : build(x)));
    const sub: Node = { name: node.name, op: t.op, domain: '', attrs: t.attrs, outputs: [], inputs: t.inputs.map((x) => (typeof x === 'string' ? x : '(fused)')) };
    return elementwiseExpr(sub, args.filter((a): a is Expr => !!a), ctx, 'f32');
  };
  return [pointwiseKernel(node.name, { name: node.name, out: out.name, type: 'f32', axes, body: build(tree), outIndex: vars(axes) }, true)];
};
