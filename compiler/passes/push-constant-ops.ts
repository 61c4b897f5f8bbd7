// Moves an elementwise op with a constant operand (Add, Sub, Mul, Div) from the output of a Concat,
// Reshape or Transpose to its inputs, so it meets the op that computes them:
//   Concat(a, b) + c   = Concat(a + c[slab a], b + c[slab b])
//   Reshape(y) + c     = Reshape(y + reshape(c))
//   Transpose(y) + c   = Transpose(y + transpose^-1(c))
// A Concat input that is constant takes the op at compile time. A ViT's token assembly,
// Concat(class token, patches) + position embedding, becomes a constant row and the patch
// convolution's epilogue (fuse-epilogue-tree), whose output plan-concat places in the Concat.
// Only when the moved-over value feeds nothing else and is no graph output, the op does not
// broadcast that value (its output has the value's shape), everything is float32 of static shape,
// and the constant is a scalar, or for a Concat has the Concat's extent or 1 along its axis, or for
// a Reshape / Transpose has the output's size (a broadcast constant would grow when laid out anew).

import type { Graph, Node, Tensor } from '../ir/graph.js';
import { isStatic, numel } from '../ir/graph.js';
import { addConst, constOf, freshName, useCounts } from './graph-edit.js';
import { gatherElems, stridedMap, strides } from '../frontend/onnx/ops/util/shape.js';
import { mapBroadcast } from '../frontend/onnx/ops/util/elementwise.js';

const OPS: Record<string, (a: number, b: number) => number> = {
  Add: (a, b) => a + b, Sub: (a, b) => a - b, Mul: (a, b) => a * b, Div: (a, b) => a / b,
};
const OVER = new Set(['Concat', 'Reshape', 'Transpose']);

export function pushConstantOps(g: Graph): Graph {
  // one move per round; each moves an op past one node towards the inputs, so the rounds are bounded
  for (let round = 0, most = 4 * g.nodes.length + 4; round < most; round++) {
    const next = pushOnce(g);
    if (next === g) return g;
    g = next;
  }
  return g;
}

function pushOnce(g: Graph): Graph {
  const uses = useCounts(g);
  const producer = new Map<string, Node>();
  for (const n of g.nodes) for (const o of n.outputs) producer.set(o, n);
  for (const n of g.nodes) {
    if (!OPS[n.op] || n.domain !== '' || n.inputs.length !== 2) continue;
    const slot = constOf(g, n.inputs[1]) ? 0 : constOf(g, n.inputs[0]) ? 1 : -1;
    if (slot < 0) continue;
    const x = n.inputs[slot], k = constOf(g, n.inputs[1 - slot])!, p = producer.get(x);
    const xv = g.values.get(x), out = g.values.get(n.outputs[0]);
    if (!p || !OVER.has(p.op) || p.domain !== '' || uses.get(x) !== 1 || g.outputs.includes(x)) continue;
    if (!xv || !out || xv.dtype !== 'float32' || out.dtype !== 'float32' || k.dtype !== 'float32' || !isStatic(xv.shape) || !isStatic(out.shape)) continue;
    if (JSON.stringify(xv.shape) !== JSON.stringify(out.shape)) continue;
    const rewrite = p.op === 'Concat' ? overConcat(g, n, slot, k, p) : overView(g, n, slot, k, p);
    if (rewrite) return rewrite;
  }
  return g;
}

type Rewrite = { g: Graph; p: Node; n: Node };

/** The graph with `p` (the moved-over node) replaced by `nodes` and the op `n` dropped. */
function replace({ g, p, n }: Rewrite, nodes: Node[], values: Graph['values']): Graph {
  values.delete(p.outputs[0]);
  return { ...g, values, nodes: g.nodes.flatMap((m) => (m === p ? nodes : m === n ? [] : [m])) };
}

function overConcat(g: Graph, n: Node, slot: number, k: Tensor, p: Node): Graph | undefined {
  const outShape = g.values.get(p.outputs[0])!.shape as number[];
  const rank = outShape.length;
  const axis = ((p.attrs.axis as number) + rank) % rank;
  const kShape = [...Array(rank - k.shape.length).fill(1), ...k.shape];
  if (k.shape.length > rank || (numel(k.shape) !== 1 && kShape[axis] !== 1 && kShape[axis] !== outShape[axis])) return undefined;
  const shapes = p.inputs.map((i) => g.values.get(i)?.shape);
  if (!shapes.every((s): s is number[] => !!s && isStatic(s))) return undefined;
  const values = new Map(g.values);
  const scope = { ...g, values };
  const nodes: Node[] = [];
  let start = 0;
  const inputs = p.inputs.map((i, j) => {
    const shape = shapes[j];
    // the constant's slab for this input (the whole constant when it broadcasts along the axis)
    const part = kShape[axis] === 1 || numel(k.shape) === 1 ? k : slab(k, kShape, axis, start, shape[axis]);
    start += shape[axis];
    const a = constOf(g, i), base = `${i}.${n.op.toLowerCase()}`;
    if (a && a.dtype === 'float32') return addConst(scope, base, apply(n.op, slot, a, part, shape));   // folded now
    const c = part === k ? n.inputs[1 - slot] : addConst(scope, `${n.inputs[1 - slot]}.${j}`, part);
    const name = freshName(scope, base);
    values.set(name, { name, dtype: 'float32', shape });
    nodes.push({ ...n, name: `${n.name}.${j}`, inputs: slot === 0 ? [i, c] : [c, i], outputs: [name] });
    return name;
  });
  nodes.push({ ...p, inputs, outputs: [n.outputs[0]] });
  return replace({ g, p, n }, nodes, values);
}

function overView(g: Graph, n: Node, slot: number, k: Tensor, p: Node): Graph | undefined {
  const y = p.inputs[0], yv = g.values.get(y), outShape = g.values.get(n.outputs[0])!.shape as number[];
  if (!yv || !isStatic(yv.shape) || yv.dtype !== 'float32') return undefined;
  const full = numel(k.shape) === numel(outShape) && k.shape.length <= outShape.length;
  if (numel(k.shape) !== 1 && !full) return undefined;
  let data = k.data as Float32Array;
  if (numel(k.shape) !== 1 && p.op === 'Transpose') {
    const perm = (p.attrs.perm as number[] | undefined) ?? [...yv.shape.keys()].reverse();
    data = untranspose(data, yv.shape, perm);
  }
  const values = new Map(g.values);
  const scope = { ...g, values };
  let c = n.inputs[1 - slot];
  // a scalar of a higher rank than y (a Reshape to more dims) would broadcast y to its rank: made y's rank
  if (numel(k.shape) !== 1 || k.shape.length > yv.shape.length) {
    const shape = numel(k.shape) !== 1 ? [...yv.shape] : yv.shape.map(() => 1);
    c = addConst(scope, `${c}.${p.op.toLowerCase()}`, { dtype: 'float32', shape, data });
  }
  const moved = freshName(scope, `${y}.${n.op.toLowerCase()}`);
  values.set(moved, { name: moved, dtype: 'float32', shape: [...yv.shape] });
  const op: Node = { ...n, inputs: slot === 0 ? [y, c] : [c, y], outputs: [moved] };
  return replace({ g, p, n }, [op, { ...p, inputs: [moved, ...p.inputs.slice(1)], outputs: [n.outputs[0]] }], values);
}

/** Elements [start, start + len) along `axis` of k (of shape kShape, the full extent there). */
function slab(k: Tensor, kShape: number[], axis: number, start: number, len: number): Tensor {
  const shape = [...kShape], kStrides = strides(kShape);
  shape[axis] = len;
  return gatherElems(k, stridedMap(shape, kStrides, start * kStrides[axis]), shape);
}

/** op(a, b) (b on the left when slot is 1) over `shape`, each operand broadcast to it. */
function apply(op: string, slot: number, a: Tensor, b: Tensor, shape: number[]): Tensor {
  const f = OPS[op];
  return mapBroadcast([a, b], shape, 'float32', (x, y) => (slot === 0 ? f(x as number, y as number) : f(y as number, x as number)));
}

/** Data laid out as Transpose(y, perm)'s output, rearranged into y's layout (shape yShape): the inverse transpose. */
function untranspose(data: Float32Array, yShape: number[], perm: number[]): Float32Array {
  const outShape = perm.map((a) => yShape[a]), outStrides = strides(outShape);
  const inverse: number[] = [];
  perm.forEach((a, d) => (inverse[a] = d));
  const t: Tensor = { dtype: 'float32', shape: outShape, data };
  return gatherElems(t, stridedMap(yShape, inverse.map((d) => outStrides[d])), yShape).data as Float32Array;
}
