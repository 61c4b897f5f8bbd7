// Fuses the elementwise tree after a Conv / Gemm / MatMul (a FusedElementwise, or one elementwise op)
// into the contraction's epilogue: bias adds, scalings, GELU... computed on the accumulator before
// it is stored. The tree's other leaves must be readable at the output element being stored:
// scalars, tensors of the output's shape, or broadcasts along what the kernel's store index keeps
// (the last two dims for Gemm/MatMul, the channel for Conv). A Gather (an embedding lookup) is a
// host too, for scalar and same-shape leaves (the position embedding added to the token's row).

import type { Graph, Node } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import { FUSED_KEY, FUSED_OP, leaves, type FusedTree } from './fuse-elementwise.js';
import { useCounts } from './graph-edit.js';
import { isNhwcConv } from './layout-nhwc.js';

/** Hosts and how many inputs of their own they have (the tree's leaves are appended after them). */
const HOSTS: Record<string, number> = { Conv: 3, Gemm: 3, MatMul: 2, Gather: 2, NhwcConv: 3 };
const EPILOGUE_KEY = 'accelc.epilogue';
const ELEMENTWISE = new Set(['Add', 'Sub', 'Mul', 'Div', 'Relu', 'Sigmoid', 'Tanh', 'Erf', 'Exp', 'Neg', 'Abs', 'Sqrt', 'Max', 'Min', 'Pow']);

/** Whether a leaf of shape `leaf` can be read at the host's store index (see the file comment). */
export function leafReadable(host: string, out: readonly number[], leaf: readonly number[]): boolean {
  if (numel(leaf) === 1 || (leaf.length === out.length && leaf.every((d, i) => d === out[i]))) return true;
  if (leaf.length > out.length) return false;
  const aligned = [...Array(out.length - leaf.length).fill(1), ...leaf];
  const kept = host === 'Conv' ? [1] : host === 'NhwcConv' ? [out.length - 1] : host === 'Gather' ? [] : [out.length - 2, out.length - 1];
  return aligned.every((d, i) => d === 1 || (kept.includes(i) && d === out[i]));
}

/** Fuses until nothing changes: a host whose bias Add was just fused takes the GELU tree after it next. */
export function fuseEpilogueTrees(g: Graph): Graph {
  for (;;) {
    const next = fuseOnce(g);
    if (next === g) return g;
    g = next;
  }
}

function fuseOnce(g: Graph): Graph {
  const uses = useCounts(g);
  const position = new Map<string, number>();
  g.nodes.forEach((n, i) => n.outputs.forEach((o) => position.set(o, i)));
  const consumerOf = new Map<string, Node>();
  for (const n of g.nodes) for (const i of n.inputs) if (i && uses.get(i) === 1) consumerOf.set(i, n);
  const removed = new Set<Node>();
  const nodes = g.nodes.map((host, hi) => {
    if (!HOSTS[host.op] || !(host.domain === '' || isNhwcConv(host))) return host;
    const acc = host.outputs[0];
    const next = consumerOf.get(acc);
    if (!next || g.outputs.includes(acc) || removed.has(next)) return host;
    const tree: FusedTree | undefined = next.op === FUSED_OP ? JSON.parse(next.attrs[FUSED_KEY] as string)
      : next.domain === '' && ELEMENTWISE.has(next.op) ? { op: next.op, attrs: next.attrs, inputs: next.inputs } : undefined;
    const out = g.values.get(acc)?.shape as number[] | undefined;
    const nextOut = g.values.get(next.outputs[0]);
    if (!tree || !out || !nextOut || nextOut.dtype !== 'float32' || JSON.stringify(nextOut.shape) !== JSON.stringify(out)) return host;
    const others = leaves(tree).filter((l) => l !== acc);
    const ok = others.every((l) => {
      const v = g.values.get(l);
      return v && v.dtype === 'float32' && (v.const || (position.get(l) ?? -1) < hi) && leafReadable(host.op, out, v.shape as number[]);
    });
    if (!ok) return host;
    removed.add(next);
    const prev = host.attrs[EPILOGUE_KEY];
    const steps = [...(typeof prev === 'string' ? JSON.parse(prev) : []), { op: 'Tree', tree, acc }];
    const own = HOSTS[host.op];
    const inputs = [...host.inputs, ...Array(Math.max(0, own - host.inputs.length)).fill('')];
    // every leaf becomes an input of its own, even one the host already reads (its own input, say),
    // so that use counts see the epilogue's read too (passes after this one rely on them)
    return { ...host, inputs: [...inputs, ...new Set(others)], outputs: [next.outputs[0]], attrs: { ...host.attrs, [EPILOGUE_KEY]: JSON.stringify(steps) } };
  });
  return removed.size ? { ...g, nodes: nodes.filter((n) => !removed.has(n)) } : g;
}
