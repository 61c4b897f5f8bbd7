// Moves a scalar scale of a MatMul operand to its output: MatMul(Div(q, c), k) = Div(MatMul(q, k), c)
// for a one-element constant c (attention's q / sqrt(d), as PyTorch exports it). After the move
// fuse-epilogue folds the scale into the MatMul's epilogue, so it costs no kernel of its own.
// Only when the scaled value feeds nothing else, is no graph output, and has the shape of q.

import type { Graph, Node } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import { constOf, freshName, useCounts } from './graph-edit.js';

const SCALES = new Set(['Div', 'Mul']);

export function foldMatMulScale(g: Graph): Graph {
  const uses = useCounts(g);
  const producer = new Map<string, Node>();
  for (const n of g.nodes) for (const o of n.outputs) producer.set(o, n);
  const values = new Map(g.values);
  const replaced = new Map<Node, Node[]>();
  const dropped = new Set<Node>();
  for (const m of g.nodes) {
    if (m.op !== 'MatMul' || m.domain !== '' || replaced.has(m)) continue;
    for (let slot = 0; slot < 2; slot++) {
      const x = m.inputs[slot], p = producer.get(x);
      if (!p || !SCALES.has(p.op) || p.domain !== '' || dropped.has(p) || uses.get(x) !== 1) continue;
      const ci = p.inputs.findIndex((i) => { const t = constOf(g, i); return t?.dtype === 'float32' && numel(t.shape) === 1; });
      if (ci < 0 || (p.op === 'Div' && ci !== 1)) continue;
      const t = p.inputs[1 - ci], tv = g.values.get(t), xv = g.values.get(x);
      if (!tv || tv.const || JSON.stringify(tv.shape) !== JSON.stringify(xv?.shape)) continue;
      const out = m.outputs[0], ov = g.values.get(out)!;
      const raw = freshName({ ...g, values }, `${out}.unscaled`);
      values.set(raw, { ...ov, name: raw });
      const inputs = m.inputs.map((i, k) => (k === slot ? t : i));
      const scale: Node = { ...p, name: `${p.name}.after_${m.name}`, inputs: p.inputs.map((i, k) => (k === ci ? i : raw)), outputs: [out] };
      replaced.set(m, [{ ...m, inputs, outputs: [raw] }, scale]);
      dropped.add(p);
      values.delete(x);
      break;
    }
  }
  if (!replaced.size) return g;
  const nodes = g.nodes.flatMap((n) => (dropped.has(n) ? [] : replaced.get(n) ?? [n]));
  return { ...g, nodes, values };
}
