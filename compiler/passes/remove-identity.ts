// Removes Identity and (inference-mode) Dropout: consumers read the input directly. A node whose
// output is a graph output stays (the lowering turns it into an alias, no kernel).

import type { Graph } from '../ir/graph.js';
import { replaceUses } from './graph-edit.js';

const REMOVABLE = new Set(['Identity', 'Dropout']);

export function removeIdentity(g: Graph): Graph {
  let nodes = g.nodes;
  const drop = new Set<number>();
  g.nodes.forEach((n, i) => {
    if (!REMOVABLE.has(n.op) || n.domain !== '') return;
    const [out, mask] = n.outputs;
    if (g.outputs.includes(out) || (mask && nodes.some((m) => m.inputs.includes(mask)))) return;
    nodes = replaceUses(nodes, out, n.inputs[0]);
    drop.add(i);
  });
  return drop.size ? { ...g, nodes: nodes.filter((_, i) => !drop.has(i)) } : g;
}
