// Lifts a residual Add above layout ops that keep the element order, so it meets the Conv / Gemm /
// MatMul it follows: Add(Transpose(Reshape(gemm)), r) = Reshape(Add(gemm, Reshape(r))) when every
// op of the chain only renames dims (a Reshape, Flatten, Squeeze, Unsqueeze, or a Transpose that
// moves only size-1 dims, as PyTorch's attention out-projection [S, E] -> [S, 1, E] -> [1, S, E]
// exports). fuse-epilogue then folds the Add into the contraction's epilogue, and the Reshapes are
// views. Only when the chain's values feed nothing else, the other operand has the Add's shape (no
// broadcast), exists before the contraction runs, and is not itself a transposed or sliced view
// (whose reshape would need a copy).

import type { Graph, Node, Value } from '../ir/graph.js';
import { isStatic } from '../ir/graph.js';
import { freshName, useCounts } from './graph-edit.js';

const HOSTS = new Set(['Conv', 'Gemm', 'MatMul']);
const RESHAPES = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze']);

export function liftResidualAdds(g: Graph): Graph {
  const uses = useCounts(g);
  const producer = new Map<string, Node>(), position = new Map<Node, number>();
  g.nodes.forEach((n, i) => { position.set(n, i); for (const o of n.outputs) producer.set(o, n); });
  const values = new Map(g.values);
  const before = new Map<Node, Node[]>();     // nodes to insert before a host (the operand's reshape)
  const replaced = new Map<Node, Node[]>();   // an Add -> the lifted Add and the reshape of its result
  const dropped = new Set<Node>();
  const shapeOf = (v: string) => g.values.get(v)!.shape as number[];
  const same = (a: readonly unknown[], b: readonly unknown[]) => JSON.stringify(a) === JSON.stringify(b);

  for (const add of g.nodes) {
    if (add.op !== 'Add' || add.domain !== '' || add.inputs.length !== 2 || add.inputs[0] === add.inputs[1]) continue;
    const out = add.outputs[0];
    for (let slot = 0; slot < 2; slot++) {
      const chain = orderKeepingChain(g, add.inputs[slot], producer, uses);
      const host = chain && producer.get(chain[0].inputs[0]);
      const r = add.inputs[1 - slot], rv = g.values.get(r);
      if (!chain || !host || !HOSTS.has(host.op) || host.domain !== '' || before.has(host) || !rv || rv.const) continue;
      const x = chain[0].inputs[0];
      if (uses.get(x) !== 1 || g.outputs.includes(x) || g.values.get(x)?.dtype !== 'float32' || rv.dtype !== 'float32') continue;
      if (!same(rv.shape, shapeOf(out)) || !same(shapeOf(add.inputs[slot]), shapeOf(out))) continue;
      const rp = producer.get(r);
      if ((rp && position.get(rp)! >= position.get(host)!) || isStridedView(g, r, producer)) continue;
      // r2 = Reshape(r, shape of x); y = Add(x, r2); out = Reshape(y, shape of out)
      const xShape = shapeOf(x);
      if (!isStatic(xShape) || !isStatic(shapeOf(out)) || xShape.includes(0)) continue;   // (a 0 in a Reshape's shape copies a dim)
      const fresh = (base: string) => freshName({ ...g, values }, base);
      const shapeConst = (base: string, dims: number[]): string => {
        const name = fresh(base);
        const t = { dtype: 'int64' as const, shape: [dims.length], data: BigInt64Array.from(dims.map(BigInt)) };
        values.set(name, { name, dtype: 'int64', shape: [dims.length], const: t });
        return name;
      };
      const r2 = fresh(`${r}.as_${x}`), y = fresh(`${out}.before_reshape`);
      values.set(r2, { ...(rv as Value), name: r2, shape: xShape });
      values.set(y, { ...g.values.get(out)!, name: y, shape: xShape });
      before.set(host, [{ name: `${add.name}.operand_reshape`, op: 'Reshape', domain: '', inputs: [r, shapeConst(`${r2}.shape`, xShape)], outputs: [r2], attrs: {} }]);
      const inputs = slot === 0 ? [x, r2] : [r2, x];
      replaced.set(add, [{ ...add, inputs, outputs: [y] },
        { name: `${add.name}.reshape`, op: 'Reshape', domain: '', inputs: [y, shapeConst(`${out}.shape`, shapeOf(out))], outputs: [out], attrs: {} }]);
      for (const n of chain) { dropped.add(n); values.delete(n.outputs[0]); }
      break;
    }
  }
  if (!replaced.size) return g;
  const nodes = g.nodes.flatMap((n) => (dropped.has(n) ? [] : [...(before.get(n) ?? []), ...(replaced.get(n) ?? [n])]));
  return { ...g, nodes, values };
}

/** The order-keeping layout nodes that produce `value` from a node's output, first to last (undefined if none). */
function orderKeepingChain(g: Graph, value: string, producer: Map<string, Node>, uses: Map<string, number>): Node[] | undefined {
  const chain: Node[] = [];
  for (let cur = value; ;) {
    const n = producer.get(cur);
    if (!n || n.domain !== '' || !keepsOrder(g, n) || uses.get(cur) !== 1 || g.outputs.includes(cur)) break;
    chain.unshift(n);
    cur = n.inputs[0];
  }
  return chain.length ? chain : undefined;
}

/** A reshape, or a Transpose whose dims other than size-1 ones stay in the same order. */
function keepsOrder(g: Graph, n: Node): boolean {
  if (RESHAPES.has(n.op)) return n.outputs.length === 1;
  if (n.op !== 'Transpose') return false;
  const inShape = g.values.get(n.inputs[0])?.shape as number[] | undefined;
  if (!inShape) return false;
  const perm = (n.attrs.perm as number[] | undefined) ?? [...inShape.keys()].reverse();
  const moved = perm.filter((p) => inShape[p] !== 1);
  return moved.every((p, i) => i === 0 || moved[i - 1] < p);
}

/** Whether a value's buffer is a transposed or sliced view of another (through reshapes). */
function isStridedView(g: Graph, value: string, producer: Map<string, Node>): boolean {
  for (let n = producer.get(value); n; n = producer.get(n.inputs[0])) {
    if (n.op === 'Slice' || (n.op === 'Transpose' && !keepsOrder(g, n))) return true;
    if (!keepsOrder(g, n) && n.op !== 'Identity' && n.op !== 'Dropout') return false;
  }
  return false;
}
