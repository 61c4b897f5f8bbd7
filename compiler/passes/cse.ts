// Common-subexpression elimination: two nodes with the same op, inputs and attributes compute the
// same values; the later one goes and its uses read the earlier one's outputs.

import type { AttrValue, Graph, Node } from '../ir/graph.js';
import { replaceUses } from './graph-edit.js';

function attrKey(a: AttrValue): string | undefined {
  if (typeof a === 'number' || typeof a === 'string') return JSON.stringify(a);
  if (Array.isArray(a) && a.every((x) => typeof x === 'number' || typeof x === 'string')) return JSON.stringify(a);
  return undefined;   // tensors and graphs: not compared, the node is left alone
}

function nodeKey(n: Node): string | undefined {
  const attrs: string[] = [];
  for (const k of Object.keys(n.attrs).sort()) {
    const v = attrKey(n.attrs[k]);
    if (v === undefined) return undefined;
    attrs.push(`${k}=${v}`);
  }
  return `${n.domain}::${n.op}(${n.inputs.join(',')}){${attrs.join(',')}}#${n.outputs.length}`;
}

export function eliminateCommonSubexpressions(g: Graph): Graph {
  const seen = new Map<string, Node>();
  let nodes = g.nodes;
  const drop = new Set<string>();
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];   // current version: earlier replacements may have made it a duplicate
    const key = n.inputs.length ? nodeKey(n) : undefined;   // no inputs: maybe random, leave it
    if (!key) continue;
    const first = seen.get(key);
    if (!first) { seen.set(key, n); continue; }
    if (n.outputs.some((o) => g.outputs.includes(o))) continue;
    n.outputs.forEach((o, k) => { if (o) nodes = replaceUses(nodes, o, first.outputs[k]); });
    drop.add(n.name);
  }
  return drop.size ? { ...g, nodes: nodes.filter((n) => !drop.has(n.name)) } : g;
}
