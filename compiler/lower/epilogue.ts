// The epilogue of a contraction: the activation / residual add chain the graph optimizer fused into
// the node (node.attrs['accelc.epilogue'], a list of steps), applied to the accumulated value.

import type { Node } from '../ir/graph.js';
import type { Expr } from '../ir/loop.js';
import { add, f, load, max, min, mul } from '../ir/loop.js';
import type { LowerCtx } from './context.js';

export interface EpilogueStep {
  op: 'Relu' | 'Clip' | 'Sigmoid' | 'HardSigmoid' | 'HardSwish' | 'Add';
  min?: number; max?: number; alpha?: number; beta?: number;
  /** For Add: the graph value added (same shape as the output). */
  operand?: string;
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
    }
  }
  return e;
}
