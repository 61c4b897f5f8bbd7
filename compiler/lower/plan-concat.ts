// In-place concatenation: an input of a Concat that nothing else reads is computed straight into its
// slab of the Concat's output, so the Concat moves no data. Decided before any kernel is lowered.
// An input made by a reshape (a view) of a value nothing else reads places that value instead, as
// the slab viewed in its shape, when the slab is contiguous (a ViT's patch tokens: the patch
// convolution's [N, H, W, C] output reshaped to [N, H*W, C] rows of the token Concat).

import type { Graph, Node } from '../ir/graph.js';
import { ALIAS_OPS, FOLDED_OPS } from './registry.js';
import { normAxis } from './index-math.js';
import { constantGatherIndices } from './views.js';

export interface ConcatSlot {
  concat: string;      // the Concat's output value
  axis: number;
  start: number;       // offset along axis
  /** Set when the placed value is the input of a reshape the Concat reads: the slab's shape (the Concat input's). */
  via?: number[];
}

export function planConcat(g: Graph): Map<string, ConcatSlot> {
  const uses = new Map<string, number>();
  for (const n of g.nodes) for (const i of n.inputs) if (i) uses.set(i, (uses.get(i) ?? 0) + 1);
  const producer = new Map<string, Node>();
  for (const n of g.nodes) for (const o of n.outputs) if (o) producer.set(o, n);
  const slots = new Map<string, ConcatSlot>();
  for (const n of g.nodes) {
    if (n.op !== 'Concat' || n.domain !== '') continue;
    const out = g.values.get(n.outputs[0]);
    if (!out || out.const) continue;
    const axis = normAxis(n.attrs.axis as number, out.shape.length);
    let start = 0;
    /** A value its producer can write straight into the Concat's output: read once, computed by a kernel of its own. */
    const placeable = (name: string): boolean => {
      const p = producer.get(name);
      return uses.get(name) === 1 && !g.values.get(name)?.const && p !== undefined && !ALIAS_OPS.has(p.op) && !FOLDED_OPS.has(p.op)
        && !mayBeView(g, p) && !g.outputs.includes(name) && !g.inputs.includes(name);
    };
    for (const name of n.inputs) {
      const v = g.values.get(name)!;
      const p = producer.get(name);
      const once = !n.inputs.slice(n.inputs.indexOf(name) + 1).includes(name);
      if (once && placeable(name)) slots.set(name, { concat: n.outputs[0], axis, start });
      else if (once && p && uses.get(name) === 1 && !g.outputs.includes(name) && ALIAS_OPS.has(p.op) && p.op !== 'Dropout' && contiguousSlab(out.shape as number[], axis)) {
        const y = p.inputs[0];
        if (placeable(y)) slots.set(y, { concat: n.outputs[0], axis, start, via: v.shape as number[] });
      }
      start += v.shape[axis] as number;
    }
  }
  return slots;
}

/** Whether a slab along `axis` is one contiguous span: every dim before the axis is 1. */
function contiguousSlab(shape: number[], axis: number): boolean {
  return shape.slice(0, axis).every((d) => d === 1);
}

/** Ops the lowering may turn into a view of their input (to-loops.ts viewOf), which cannot be placed. */
function mayBeView(g: Graph, n: Node): boolean {
  return n.op === 'Transpose' || n.op === 'Slice' || constantGatherIndices(g, n) !== undefined;
}
