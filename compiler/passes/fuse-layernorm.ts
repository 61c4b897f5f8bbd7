// Recognises layer normalization as exporters spell it out,
//   m = ReduceMean(x); d = x - m; v = ReduceMean(d ^ 2); y = d / Sqrt(v + eps) [* gamma] [+ beta]
// (over the last axis), and replaces it with one LayerNormalization node (one kernel).

import type { Graph, Node, Tensor } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import { addConst, useCounts } from './graph-edit.js';

export function fuseLayerNorm(g: Graph): Graph {
  const uses = useCounts(g);
  const byInput = new Map<string, Node[]>();
  for (const n of g.nodes) for (const i of n.inputs) if (i) byInput.set(i, [...(byInput.get(i) ?? []), n]);
  const cst = (name: string | undefined): Tensor | undefined => (name ? g.values.get(name)?.const : undefined);
  const scalar = (name: string | undefined) => { const t = cst(name); return t && numel(t.shape) === 1 ? Number(t.data[0]) : undefined; };
  const only = (value: string, op: string): Node | undefined => {
    const c = byInput.get(value) ?? [];
    return c.length === 1 && uses.get(value) === 1 && c[0].op === op ? c[0] : undefined;
  };
  const other = (n: Node, value: string) => (n.inputs[0] === value ? n.inputs[1] : n.inputs[0]);
  const lastAxisMean = (n: Node, rank: number) => {
    const axes = (n.attrs.axes as number[] | undefined) ?? (n.inputs[1] ? Array.from(cst(n.inputs[1])?.data ?? [], Number) : undefined);
    return n.attrs.keepdims !== 0 && axes?.length === 1 && (axes[0] === -1 || axes[0] === rank - 1);
  };

  const removed = new Set<Node>();
  const replacement = new Map<Node, Node>();
  for (const r1 of g.nodes) {
    if (r1.op !== 'ReduceMean' || removed.has(r1)) continue;
    const x = r1.inputs[0];
    const xv = g.values.get(x);
    if (!xv || xv.dtype !== 'float32' || !lastAxisMean(r1, xv.shape.length)) continue;
    const sub = only(r1.outputs[0], 'Sub');
    if (!sub || sub.inputs[0] !== x || sub.inputs[1] !== r1.outputs[0]) continue;
    const d = sub.outputs[0];
    const dUsers = byInput.get(d) ?? [];
    const pow = dUsers.find((n) => n.op === 'Pow'), div = dUsers.find((n) => n.op === 'Div');
    if (dUsers.length !== 2 || uses.get(d) !== 2 || !pow || !div || pow.inputs[0] !== d || scalar(pow.inputs[1]) !== 2 || div.inputs[0] !== d) continue;
    const r2 = only(pow.outputs[0], 'ReduceMean');
    if (!r2 || !lastAxisMean(r2, xv.shape.length)) continue;
    const add = only(r2.outputs[0], 'Add');
    const eps = add && scalar(other(add, r2.outputs[0]));
    if (!add || eps === undefined) continue;
    const sqrt = only(add.outputs[0], 'Sqrt');
    if (!sqrt || div.inputs[1] !== sqrt.outputs[0] || uses.get(sqrt.outputs[0]) !== 1) continue;
    const D = xv.shape[xv.shape.length - 1] as number;
    const perLast = (name: string) => { const t = cst(name); return t && t.dtype === 'float32' && numel(t.shape) === D && t.shape.slice(0, -1).every((s) => s === 1) ? name : undefined; };
    let out = div.outputs[0];
    const chain = [r1, sub, pow, r2, add, sqrt, div];
    let gamma: string | undefined, beta: string | undefined;
    const mul = !g.outputs.includes(out) ? only(out, 'Mul') : undefined;
    if (mul && (gamma = perLast(other(mul, out)))) { chain.push(mul); out = mul.outputs[0]; }
    const badd = gamma && !g.outputs.includes(out) ? only(out, 'Add') : undefined;
    if (badd && (beta = perLast(other(badd, out)))) { chain.push(badd); out = badd.outputs[0]; }
    gamma ??= addConst(g, `${r1.name}.gamma`, { dtype: 'float32', shape: [D], data: new Float32Array(D).fill(1) });
    const ln: Node = { name: `${r1.name}.layernorm`, op: 'LayerNormalization', domain: '', inputs: [x, gamma, beta ?? ''], outputs: [out], attrs: { axis: -1, epsilon: eps } };
    chain.forEach((n) => removed.add(n));
    replacement.set(chain[chain.length - 1], ln);
  }
  if (!removed.size) return g;
  return { ...g, nodes: g.nodes.flatMap((n) => (replacement.has(n) ? [replacement.get(n)!] : removed.has(n) ? [] : [n])) };
}
