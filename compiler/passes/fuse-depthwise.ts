// Fuses a depthwise convolution into the 1x1 convolution that reads it (MobileNet's inverted
// residual: depthwise 3x3 + ReLU6, then the projection): the pair becomes one Conv node that the
// lowering runs row block by row block, the depthwise rows going to a per-thread scratch buffer the
// projection's GEMM reads while they are in cache (lower/dw-pw.ts, lower/dw-pw-nhwc.ts). The depthwise output, the
// block's largest tensor, never goes to memory, and the pair needs one kernel instead of two.
//
// The 1x1 conv keeps its name, weights, bias and epilogue; it takes over the depthwise conv's input,
// and records the depthwise conv (name, weight and bias values, attributes, epilogue) in
// attrs['accelc.depthwise']. The depthwise weight and bias are appended to its inputs so every pass
// after this one sees the dependency.
// Only when the depthwise output feeds nothing else, is no graph output, the depthwise epilogue
// reads no other tensor, and the pair is both NCHW or both channels-last (passes/layout-nhwc.ts);
// an NCHW pair when its output plane is at least MIN_PIXELS, a channels-last pair when its
// projection's weights are at most MAX_WEIGHT_BYTES_NHWC (lower/dw-pw-nhwc.ts).

import type { Graph, Node } from '../ir/graph.js';
import { useCounts } from './graph-edit.js';
import { epilogueSteps } from '../lower/epilogue.js';
import { INPUT_NCHW, isNhwcConv } from './layout-nhwc.js';

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
/**
 * Channels-last pairs (lower/dw-pw-nhwc.ts) fuse when the projection's weights fit in L1 (32 KB
 * here), since its GEMM then runs once per row block and re-reads them from L1 each time. Measured at 1 thread on
 * MobileNetV2 (`bench/kernel-ab.mjs --disable-pass fuse-depthwise`, fused kernel against the two
 * it replaces): 0.97-1.08x for its blocks with 2-25 KB of projection weights (112x112 to 28x28
 * planes), 0.86-0.97x for those with 49-614 KB (28x28 stride 2 to 7x7; a one-off build fusing them).
 */
export const MAX_WEIGHT_BYTES_NHWC = 32 * 1024;

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
    if (isNhwcConv(p) !== isNhwcConv(d)) continue;
    const shape = g.values.get(p.outputs[0])?.shape;
    if (isNhwcConv(p)) {
      const w = g.values.get(p.inputs[1])!.shape as number[];
      if (4 * w[0] * w[1] > MAX_WEIGHT_BYTES_NHWC) continue;
    } else if (!shape || typeof shape[2] !== 'number' || typeof shape[3] !== 'number' || shape[2] * shape[3] < MIN_PIXELS) continue;
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

/** A Conv or NhwcConv (its input channels-last, not read as NCHW) with constant weights: input and weight shapes. */
function convShapes(g: Graph, n: Node): { x: number[]; w: number[]; channels: number } | undefined {
  const nhwc = isNhwcConv(n);
  if (!(nhwc || (n.op === 'Conv' && n.domain === '')) || n.attrs[DEPTHWISE_KEY] || n.attrs[INPUT_NCHW]) return undefined;
  const x = g.values.get(n.inputs[0])?.shape, w = g.values.get(n.inputs[1]);
  if (!x || !w?.const || x.length !== 4 || !x.every((d) => typeof d === 'number') || w.shape.length !== 4) return undefined;
  if (g.values.get(n.inputs[0])!.dtype !== 'float32') return undefined;
  if (n.inputs[2] && !g.values.get(n.inputs[2])?.const) return undefined;
  return { x: x as number[], w: w.shape as number[], channels: (nhwc ? x[3] : x[1]) as number };
}

/** A 2-D depthwise conv (one filter per channel) with explicit pads. */
function isDepthwise(g: Graph, n: Node): boolean {
  const s = convShapes(g, n);
  if (!s) return false;
  const C = s.channels;
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
