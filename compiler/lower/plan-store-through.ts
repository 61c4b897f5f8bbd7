// Producers that store through their reader's layout. A value that reaches a Reshape only through
// Transposes and other reshapes, where the Reshape cannot be a view of the transposed elements
// (attention's heads merge: MatMul [H, S, D] -> Transpose [S, H, D] -> Reshape [S, H*D]), would
// cost a copy kernel. Instead the chain's end (the Reshape's output) gets a buffer of its own, and
// the producer writes straight into it through the chain's inverse view ([H, S, D] with strides
// [D, H*D, 1]): every node of the chain becomes a view and no kernel moves data. Only producers
// whose lowering writes through any view with a unit stride along the last axis (so 4 adjacent
// outputs stay one vector store), and only when the chain's inner values feed nothing else.
// Decided before lowering, on contiguous buffers; the lowering recomputes the view over the end's
// actual buffer (storeView) and falls back to the copy when it does not apply.

import type { Graph, Node } from '../ir/graph.js';
import { contiguousStrides } from '../ir/loop.js';
import { permuteView, reshapeStrides, type ViewShape } from './views.js';
import { useCounts } from '../passes/graph-edit.js';

export interface StoreThrough {
  /** The value whose buffer the producer writes into (the output of the chain's last node). */
  end: string;
  /** The nodes from the producer's output to `end`, in order. */
  chain: Node[];
}

const RESHAPES = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity']);

/**
 * Ops whose lowering stores its output through a view of any strides (unit along the last axis),
 * and the shapes it views its output as (each must be expressible over the placed layout).
 */
const PRODUCERS: Record<string, (out: number[]) => number[][]> = {
  MatMul: (out) => (out.length < 2 ? [] : [[out.slice(0, -2).reduce((a, b) => a * b, 1), out[out.length - 2], out[out.length - 1]]]),
};

export function planStoreThrough(g: Graph): Map<string, StoreThrough> {
  const uses = useCounts(g);
  const reader = new Map<string, Node>();
  for (const n of g.nodes) for (const i of n.inputs) if (i && uses.get(i) === 1) reader.set(i, n);
  const plan = new Map<string, StoreThrough>();
  for (const n of g.nodes) {
    const out = n.outputs[0];
    if (!PRODUCERS[n.op] || n.domain !== '' || !out || g.values.get(out)?.dtype !== 'float32') continue;
    const chain = copyingChain(g, out, reader);
    if (!chain) continue;
    const st = { end: chain[chain.length - 1].outputs[0], chain };
    const endShape = shapeOf(g, st.end);
    if (storeView(g, out, st, { shape: endShape, strides: contiguousStrides(endShape), offset: 0 })) plan.set(out, st);
  }
  return plan;
}

/**
 * The view through which the producer of `value` writes so that the chain's end lands in `end`'s
 * buffer, or undefined when the chain cannot be inverted or the producer cannot store through it.
 */
export function storeView(g: Graph, value: string, st: StoreThrough, end: ViewShape): ViewShape | undefined {
  let view: ViewShape | undefined = end;
  for (let k = st.chain.length - 1; k >= 0 && view; k--) {
    const n = st.chain[k], inShape = shapeOf(g, n.inputs[0]);
    if (n.op === 'Transpose') {
      const perm = permOf(n, inShape.length), inverse = perm.map((_, d) => perm.indexOf(d));
      view = permuteView(view, inverse);
    } else {
      const strides = reshapeStrides(view.shape, view.strides, inShape);
      view = strides && { shape: inShape, strides, offset: view.offset };
    }
  }
  const producer = g.nodes.find((n) => n.outputs[0] === value);
  if (!view || !producer || !storesThrough(producer.op, view)) return undefined;
  return view;
}

/** The Transpose/reshape nodes after `value` up to the first one that would copy, if there is one. */
function copyingChain(g: Graph, value: string, reader: Map<string, Node>): Node[] | undefined {
  const shape = shapeOf(g, value);
  let view: ViewShape | undefined = { shape, strides: contiguousStrides(shape), offset: 0 };
  const chain: Node[] = [];
  for (let cur = value; ;) {
    const n = reader.get(cur);
    if (!n || g.outputs.includes(cur) || n.domain !== '' || n.inputs[0] !== cur || n.outputs.length !== 1) return undefined;
    if (n.op !== 'Transpose' && !RESHAPES.has(n.op)) return undefined;
    chain.push(n);
    cur = n.outputs[0];
    const outShape = shapeOf(g, cur);
    if (n.op === 'Transpose') view = permuteView(view, permOf(n, view.shape.length));
    else {
      const strides = reshapeStrides(view.shape, view.strides, outShape);
      if (!strides) return chain;   // this reshape would copy: it is where the producer should store
      view = { shape: outShape, strides, offset: view.offset };
    }
  }
}

function storesThrough(op: string, view: ViewShape): boolean {
  const shapes = PRODUCERS[op]?.(view.shape);
  if (!shapes?.length || view.strides[view.strides.length - 1] !== 1) return false;
  return shapes.every((s) => reshapeStrides(view.shape, view.strides, s) !== undefined);
}

function permOf(n: Node, rank: number): number[] {
  return (n.attrs.perm as number[] | undefined) ?? [...Array(rank).keys()].reverse();
}

function shapeOf(g: Graph, value: string): number[] {
  return g.values.get(value)!.shape as number[];
}
