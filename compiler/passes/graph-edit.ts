// Small helpers shared by graph passes: use counts, renaming a value's uses, fresh names.

import type { Graph, Node, Tensor, Value } from '../ir/graph.js';

/** How many node inputs (and graph outputs) read each value. */
export function useCounts(g: Graph): Map<string, number> {
  const uses = new Map<string, number>();
  for (const n of g.nodes) for (const i of n.inputs) if (i) uses.set(i, (uses.get(i) ?? 0) + 1);
  for (const o of g.outputs) uses.set(o, (uses.get(o) ?? 0) + 1);
  return uses;
}

/** The node consuming each value, for values read by exactly one node input. */
export function soleConsumers(g: Graph): Map<string, Node> {
  const uses = useCounts(g);
  const out = new Map<string, Node>();
  for (const n of g.nodes) for (const i of n.inputs) if (i && uses.get(i) === 1) out.set(i, n);
  return out;
}

/** Replaces every node input `from` by `to` (graph outputs are left alone). */
export function replaceUses(nodes: Node[], from: string, to: string): Node[] {
  return nodes.map((n) => (n.inputs.includes(from) ? { ...n, inputs: n.inputs.map((i) => (i === from ? to : i)) } : n));
}

/** A value name no value, node input or output, or graph input or output of g uses yet. */
export function freshName(g: Graph, base: string): string {
  const taken = (name: string) => g.values.has(name) || g.inputs.includes(name) || g.outputs.includes(name)
    || g.nodes.some((n) => n.outputs.includes(name) || n.inputs.includes(name));
  let name = base, k = 0;
  while (taken(name)) name = `${base}_${++k}`;
  return name;
}

/** Adds a constant value to the graph (mutates g.values) and returns its name. */
export function addConst(g: Graph, base: string, t: Tensor): string {
  const name = freshName(g, base);
  const v: Value = { name, dtype: t.dtype, shape: t.shape, const: t };
  g.values.set(name, v);
  return name;
}

export function constOf(g: Graph, name: string | undefined): Tensor | undefined {
  return name ? g.values.get(name)?.const : undefined;
}
