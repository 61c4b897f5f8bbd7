// Fuses a depthwise convolution into the 1x1 convolution that reads it (MobileNet's inverted
// residual: depthwise 3x3 + ReLU6, then the projection): the pair becomes one Conv node that the
// lowering runs row block by row block, the depthwise rows going to a per-thread scratch buffer the
// projection's GEMM reads while they are in cache (lower/dw-pw.ts). The depthwise output, the
// block's largest tensor, never goes to memory, and the pair needs one kernel instead of two.
//
// The 1x1 conv keeps its name, weights, bias and epilogue; it takes over the depthwise conv's input,
// and records the depthwise conv (name, weight and bias values, attributes, epilogue) in
// attrs['accelc.depthwise']. The depthwise weight and bias are appended to its inputs so every pass
// after this one sees the dependency.
// Only when the depthwise output feeds nothing else, is no graph output, the depthwise epilogue
// reads no other tensor, and the output plane is at least MIN_PIXELS.

import type { Graph, Node } from '../ir/graph.js';
import { useCounts } from './graph-edit.js';
import { epilogueSteps } from '../lower/epilogue.js';

export const DEPTHWISE_KEY = 'accelc.depthwise';

/** What attrs[DEPTHWISE_KEY] of the fused node holds. */
export interface FusedDepthwise {
  node: string;
  weight: string;
  bias?: string;
  /** The depthwise Conv's attributes, its accelc.epilogue included. */
  attrs: Node['attrs'];
}

/**
 * Least output plane (pixels) of a fused pair. Measured at 1 thread on MobileNetV2
 * (interleaved per-kernel A/B, fused kernel against the two it replaces): 1.01-1.08x at 112x112,
 * 0.80-0.97x at 56x56 and 28x28, where the depthwise output is small enough to come back from
 * cache anyway and computing it in row blocks costs more (lower/dw-pw.ts).
 */
export const MIN_PIXELS = 112 * 112;

export function fuseDepthwisePointwise(g: Graph): Graph {
  const uses = useCounts(g);
  const producer = new Map<string, Node>();
  for (const n of g.nodes) for (const o of n.outputs) producer.set(o, n);
  const fused = new Map<Node, Node>();
  const dropped = new Set<Node>();
  for (const p of g.nodes) {
    if (!isPointwise(g, p)) continue;
    const x = p.inputs[0], d = producer.get(x);
    if (!d || dropped.has(d) || fused.has(d) || !isDepthwise(g, d) || uses.get(x) !== 1 || g.outputs.includes(x)) continue;
    if (epilogueSteps(d).some((s) => s.operand || s.op === 'Tree')) continue;
    const shape = g.values.get(p.outputs[0])?.shape;
    if (!shape || typeof shape[2] !== 'number' || typeof shape[3] !== 'number' || shape[2] * shape[3] < MIN_PIXELS) continue;
    const info: FusedDepthwise = { node: d.name, weight: d.inputs[1], bias: d.inputs[2] || undefined, attrs: d.attrs };
    const own = [...p.inputs, ...Array(Math.max(0, 3 - p.inputs.length)).fill('')];
    const inputs = [d.inputs[0], ...own.slice(1), d.inputs[1], ...(info.bias ? [info.bias] : [])];
    fused.set(p, { ...p, inputs, attrs: { ...p.attrs, [DEPTHWISE_KEY]: JSON.stringify(info) } });
    dropped.add(d);
  }
  if (!fused.size) return g;
  const values = new Map(g.values);
  for (const d of dropped) values.delete(d.outputs[0]);
  return { ...g, values, nodes: g.nodes.flatMap((n) => (dropped.has(n) ? [] : [fused.get(n) ?? n])) };
}

/** The depthwise conv a fused node carries, if any. */
export function fusedDepthwise(n: Node): FusedDepthwise | undefined {
  const s = n.attrs[DEPTHWISE_KEY];
  return typeof s === 'string' ? (JSON.parse(s) as FusedDepthwise) : undefined;
}

const ints = (a: unknown, d: number[]) => (Array.isArray(a) ? (a as number[]) : d);

function convShapes(g: Graph, n: Node): { x: number[]; w: number[] } | undefined {
  if (n.op !== 'Conv' || n.domain !== '' || n.attrs[DEPTHWISE_KEY]) return undefined;
  const x = g.values.get(n.inputs[0])?.shape, w = g.values.get(n.inputs[1]);
  if (!x || !w?.const || x.length !== 4 || !x.every((d) => typeof d === 'number') || w.shape.length !== 4) return undefined;
  if (g.values.get(n.inputs[0])!.dtype !== 'float32') return undefined;
  if (n.inputs[2] && !g.values.get(n.inputs[2])?.const) return undefined;
  return { x: x as number[], w: w.shape as number[] };
}

/** A 2-D depthwise conv (one filter per channel) with explicit pads. */
function isDepthwise(g: Graph, n: Node): boolean {
  const s = convShapes(g, n);
  if (!s) return false;
  const C = s.x[1];
  const autoPad = (n.attrs.auto_pad as string | undefined) ?? 'NOTSET';
  return (n.attrs.group as number | undefined) === C && s.w[0] === C && s.w[1] === 1 && autoPad === 'NOTSET';
}

/** A 1x1, stride-1, unpadded, ungrouped conv. */
function isPointwise(g: Graph, n: Node): boolean {
  const s = convShapes(g, n);
  if (!s) return false;
  const pads = ints(n.attrs.pads, [0, 0, 0, 0]), strides = ints(n.attrs.strides, [1, 1]);
  const autoPad = (n.attrs.auto_pad as string | undefined) ?? 'NOTSET';
  return s.w[2] === 1 && s.w[3] === 1 && ((n.attrs.group as number | undefined) ?? 1) === 1
    && pads.every((q) => q === 0) && strides.every((q) => q === 1) && (autoPad === 'NOTSET' || autoPad === 'VALID');
}
