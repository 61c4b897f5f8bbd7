// The epilogue of a contraction: the activation / residual add chain the graph optimizer fused into
// the node (node.attrs['accelc.epilogue'], a list of steps), applied to the accumulated value.

import type { Node } from '../ir/graph.js';
import type { Expr } from '../ir/loop.js';
import { add, c, f, load, max, min, mul } from '../ir/loop.js';
import type { LowerCtx } from './context.js';
import type { FusedTree } from '../passes/fuse-elementwise.js';
import { elementwiseExpr } from './ops/elementwise.js';
import { fusedRowOp } from '../passes/fuse-row-ops.js';

export interface EpilogueStep {
  op: 'Relu' | 'Clip' | 'Sigmoid' | 'HardSigmoid' | 'HardSwish' | 'Add' | 'Tree';
  min?: number; max?: number; alpha?: number; beta?: number;
  /** For Add: the graph value added (same shape as the output). */
  operand?: string;
  /** For Tree: an elementwise expression (passes/fuse-epilogue-tree.ts) in which the value `acc` is the accumulator. */
  tree?: FusedTree;
  acc?: string;
}

export function epilogueSteps(node: Node): EpilogueStep[] {
  const s = node.attrs['accelc.epilogue'];
  return typeof s === 'string' ? (JSON.parse(s) as EpilogueStep[]) : [];
}

/**
 * `idx` is the output element's index, for operands read at the same position; `viewShape` is the
 * shape that index addresses when the kernel sees the output through a reshaped view.
 */
export function epilogueOf(node: Node, ctx: LowerCtx, acc: Expr, idx: Expr[], viewShape?: number[]): Expr {
  let e = acc;
  for (const st of epilogueSteps(node)) {
    switch (st.op) {
      case 'Relu': e = max(e, f(0)); break;
      case 'Clip': if (st.min !== undefined) e = max(e, f(st.min)); if (st.max !== undefined) e = min(e, f(st.max)); break;
      case 'Sigmoid': e = { k: 'call', fn: 'sigmoid', args: [e] }; break;
      case 'HardSigmoid': e = max(f(0), min(f(1), add(mul(f(st.alpha ?? 0.2), e), f(st.beta ?? 0.5)))); break;
      case 'HardSwish': e = mul(e, max(f(0), min(f(1), add(mul(f(1 / 6), e), f(0.5))))); break;
      case 'Add': {
        const r = ctx.buf(st.operand!);
        e = add(e, load((viewShape ? ctx.view(r, viewShape) : r).name, idx));
        break;
      }
      case 'Tree': e = treeExpr(node, ctx, st.tree!, st.acc!, e, idx, viewShape); break;
    }
  }
  return e;
}

/**
 * A fused elementwise tree evaluated at the stored element, `acc` standing for the accumulator.
 * Leaves are scalars, tensors of the output's shape (read through `viewShape` like the output), or
 * broadcasts along the dims the store index keeps: the channel (idx[1]) for a Conv (the last dim for NhwcConv), the last two for
 * Gemm/MatMul (see leafReadable in passes/fuse-epilogue-tree.ts).
 */
function treeExpr(node: Node, ctx: LowerCtx, tree: FusedTree, accName: string, acc: Expr, idx: Expr[], viewShape?: number[]): Expr {
  const out = fusedRowOp(node)?.hostShape ?? (ctx.graph.values.get(node.outputs[0])!.shape as number[]);
  const leaf = (name: string): Expr => {
    if (name === accName) return acc;
    const b = ctx.buf(name);
    if (b.shape.reduce((x, y) => x * y, 1) === 1) return load(b.name, b.shape.map(() => c(0)));
    if (b.shape.length === out.length && b.shape.every((d, i) => d === out[i])) return load((viewShape ? ctx.view(b, viewShape) : b).name, idx);
    const aligned = [...Array(out.length - b.shape.length).fill(1), ...b.shape];
    const at = node.op === 'Conv' ? { 1: idx[1] } as Record<number, Expr> : { [out.length - 2]: idx[idx.length - 2], [out.length - 1]: idx[idx.length - 1] } as Record<number, Expr>;
    const full = aligned.map((d, i) => (d === 1 ? c(0) : at[i]));
    return load(b.name, full.slice(out.length - b.shape.length));
  };
  const build = (t: FusedTree): Expr => {
    const args = t.inputs.map((x) => (typeof x === 'string' ? (x ? leaf(x) : undefined) : build(x)));
    const sub: Node = { name: node.name, op: t.op, domain: '', attrs: t.attrs, outputs: [], inputs: t.inputs.map((x) => (typeof x === 'string' ? x : '(fused)')) };
    return elementwiseExpr(sub, args.filter((a): a is Expr => !!a), ctx, 'f32');
  };
  return build(tree);
}
