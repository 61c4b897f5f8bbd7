// Fuses chains (trees) of float32 elementwise ops into one node, FusedElementwise (domain 'accelc'),
// evaluated per output element by one kernel: intermediates never reach memory. A producer is
// inlined into its consumer when the consumer is its only reader and it has the consumer's shape
// (so nothing is recomputed under broadcasting); leaves may broadcast freely.
// attrs['accelc.fused'] holds the expression tree as JSON (FusedTree); the node's inputs are the
// tree's leaves.

import type { AttrValue, Graph, Node } from '../ir/graph.js';
import { useCounts } from './graph-edit.js';

export const FUSED_OP = 'FusedElementwise';
export const FUSED_DOMAIN = 'accelc';
export const FUSED_KEY = 'accelc.fused';

export interface FusedTree {
  op: string;
  attrs: Record<string, AttrValue>;
  /** Graph value names (leaves, or constants an op reads as parameters) or inlined producers. */
  inputs: (string | FusedTree)[];
}

const FUSABLE = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Sum', 'Relu', 'Neg', 'Abs', 'Sqrt', 'Floor', 'Ceil',
  'Reciprocal', 'Exp', 'Log', 'Tanh', 'Erf', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'LeakyRelu', 'Clip']);

export function fuseElementwise(g: Graph): Graph {
  const uses = useCounts(g);
  const shapeKey = (v: string) => JSON.stringify(g.values.get(v)?.shape);
  const isFloat = (v: string) => g.values.get(v)?.dtype === 'float32';
  const fusable = (n: Node) => n.domain === '' && FUSABLE.has(n.op) && n.outputs.length === 1 && isFloat(n.outputs[0])
    && n.inputs.every((i) => !i || isFloat(i));
  const trees = new Map<string, FusedTree>();          // output value -> tree of the node computing it
  const inlined = new Set<Node>();
  const producer = new Map<string, Node>();
  for (const n of g.nodes) for (const o of n.outputs) if (o) producer.set(o, n);
  for (const n of g.nodes) {
    if (!fusable(n)) continue;
    const inputs = n.inputs.map((i, k) => {
      const p = producer.get(i);
      const param = n.op === 'Clip' && k > 0;   // Clip's bounds stay names (read as constants)
      if (!param && p && trees.has(i) && uses.get(i) === 1 && !g.outputs.includes(i) && shapeKey(i) === shapeKey(n.outputs[0])) {
        inlined.add(p);
        return trees.get(i)!;
      }
      return i;
    });
    trees.set(n.outputs[0], { op: n.op, attrs: n.attrs, inputs });
  }
  if (!inlined.size) return g;
  const nodes: Node[] = [];
  for (const n of g.nodes) {
    if (inlined.has(n)) continue;
    const tree = trees.get(n.outputs[0]);
    if (!tree || !tree.inputs.some((x) => typeof x !== 'string')) { nodes.push(n); continue; }
    nodes.push({ name: n.name, op: FUSED_OP, domain: FUSED_DOMAIN, inputs: leaves(tree), outputs: n.outputs, attrs: { [FUSED_KEY]: JSON.stringify(tree) } });
  }
  return { ...g, nodes };
}

/** The distinct graph values a tree reads, in first-use order. */
export function leaves(t: FusedTree, out: string[] = []): string[] {
  for (const x of t.inputs) {
    if (typeof x === 'string') { if (x && !out.includes(x)) out.push(x); } else leaves(x, out);
  }
  return out;
}

/** The ops of a tree, producers first (for kernel names such as Sub_Pow). */
export function treeOps(t: FusedTree): string[] {
  return [...t.inputs.flatMap((x) => (typeof x === 'string' ? [] : treeOps(x))), t.op];
}
