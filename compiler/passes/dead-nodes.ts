// Removes nodes none of whose outputs reach a graph output, and values nothing refers to. A kept
// node's unused outputs (a Split's or TopK's) keep their values: the node still writes them.

import type { Graph } from '../ir/graph.js';

export function eliminateDeadNodes(g: Graph): Graph {
  const live = new Set(g.outputs);
  const keep: boolean[] = new Array(g.nodes.length).fill(false);
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i];
    if (n.outputs.some((o) => o && live.has(o))) {
      keep[i] = true;
      for (const x of n.inputs) if (x) live.add(x);
      for (const o of n.outputs) if (o) live.add(o);
    }
  }
  for (const x of g.inputs) live.add(x);
  const values = new Map([...g.values].filter(([name]) => live.has(name)));
  return { ...g, nodes: g.nodes.filter((_, i) => keep[i]), values };
}
