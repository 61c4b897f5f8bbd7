// Channels-last layout for convolution regions (XNNPACK's NHWC; NCHWc with one block of all C
// channels). Where a model's convolutions include depthwise ones, computing them over NCHW planes
// vectorizes along the width (stride-2 windows read with gathers, every row has borders); in NHWC a
// depthwise conv is a vector over channels at every pixel, a 1x1 conv is a plain GEMM over
// [pixels, channels] whose B (the weights) is packed at compile time, and a block of output rows is
// one contiguous span (lower/ops/conv-nhwc.ts).
//
// The pass grows regions (connected components) of ops that can run channels-last: Conv (group 1
// or depthwise, constant weights), MaxPool/AveragePool, elementwise ops over tensors of their own
// shape or scalars, and a GlobalAverage/MaxPool that ends the region (its [N, C, 1, 1] output has
// the same element order in both layouts). A region converts when it has a depthwise conv, few
// layout changes at its edges against its convolutions (each change is a Transpose kernel, a full
// pass over the tensor): `minConvsPerTranspose` (default 4), and no convolution that would run
// Winograd over NCHW planes (ResNet-style 3x3 convs, ~1.8x faster that way than through the
// channels-last im2col + GEMM). A group-1 conv that reads its input
// through im2col (not a 1x1 stride-1 one) reads NCHW directly, so a region entered there needs no
// Transpose (MobileNetV2's first conv).
//
// Converted nodes: Conv -> NhwcConv, MaxPool/AveragePool -> NhwcPool (attr accelc.pool holds the
// op), GlobalAveragePool/GlobalMaxPool -> NhwcGlobalPool (attr accelc.pool), all in domain
// 'accelc' with the ONNX op's attributes; elementwise ops keep their op. Values inside the region
// get new names (NAME.nhwc) with shape [N, H, W, C]; a value read outside keeps its name, made by a
// Transpose back to NCHW.

import type { Graph, Node, Value } from '../ir/graph.js';
import { isStatic, numel } from '../ir/graph.js';
import { freshName } from './graph-edit.js';
import { geometry2d } from '../lower/conv-geometry.js';
import { winogradPays } from '../lower/winograd.js';

export const NHWC_DOMAIN = 'accelc';
export const NHWC_CONV = 'NhwcConv';
export const NHWC_POOL = 'NhwcPool';
export const NHWC_GLOBAL_POOL = 'NhwcGlobalPool';
/** On an NhwcConv: its input is still NCHW (read through im2col). */
export const INPUT_NCHW = 'accelc.input_nchw';
export const POOL_OP = 'accelc.pool';

export interface LayoutOptions {
  /** A region converts only if it has at least this many convolutions per Transpose it needs. */
  minConvsPerTranspose?: number;
  /** Convert every region, whatever its convolutions and layout changes (--layout nhwc). */
  all?: boolean;
}

const ELEMENTWISE = new Set(['Add', 'Sub', 'Mul', 'Div', 'Max', 'Min', 'Relu', 'LeakyRelu', 'Clip', 'Sigmoid', 'HardSigmoid',
  'HardSwish', 'Tanh', 'Neg', 'Abs', 'Sqrt', 'Exp', 'Erf', 'Elu', 'Selu', 'Softplus', 'Mish']);

const TO_NHWC = [0, 2, 3, 1];
const TO_NCHW = [0, 3, 1, 2];

type Kind = 'conv' | 'pool' | 'elementwise' | 'sink';

export function isNhwcConv(n: Node): boolean {
  return n.op === NHWC_CONV && n.domain === NHWC_DOMAIN;
}

export function layoutNhwc(g: Graph, opts: LayoutOptions = {}): Graph {
  const minRatio = opts.minConvsPerTranspose ?? 4;
  const val = (name: string): Value | undefined => (name ? g.values.get(name) : undefined);
  const float4d = (name: string) => { const v = val(name); return !!v && v.dtype === 'float32' && v.shape.length === 4 && isStatic(v.shape) && !v.const; };
  const sameShape = (a: string, b: string) => JSON.stringify(val(a)?.shape) === JSON.stringify(val(b)?.shape);

  // --- grow regions in topological order ---
  const kind = new Map<Node, Kind>();
  const producer = new Map<string, Node>();
  const parent = new Map<Node, Node>();
  const find = (n: Node): Node => { let r = n; while (parent.get(r) !== r) r = parent.get(r)!; parent.set(n, r); return r; };
  const union = (a: Node, b: Node) => { const ra = find(a), rb = find(b); if (ra !== rb) parent.set(ra, rb); };
  const inside = (v: string) => { const p = producer.get(v); return !!p && kind.has(p) && kind.get(p) !== 'sink'; };
  for (const n of g.nodes) {
    n.outputs.forEach((o) => producer.set(o, n));
    const k = kindOf(n, g, float4d, sameShape, inside);
    if (!k) continue;
    kind.set(n, k);
    parent.set(n, n);
    for (const i of dataInputs(n, k, g)) if (inside(i)) union(n, producer.get(i)!);
  }

  // --- per region: convolutions, depthwise ones, layout changes at its edges ---
  interface Region { convs: number; depthwise: number; winograd: number; entries: Set<string>; exits: Set<string>; tokens: number }
  const regions = new Map<Node, Region>();
  const region = (n: Node) => { const r = find(n); if (!regions.has(r)) regions.set(r, { convs: 0, depthwise: 0, winograd: 0, entries: new Set(), exits: new Set(), tokens: 0 }); return regions.get(r)!; };
  const readers = new Map<string, Node[]>();
  for (const n of g.nodes) for (const i of n.inputs) if (i) readers.set(i, [...(readers.get(i) ?? []), n]);
  const tokens = new Map<string, TokenChain>();   // region outputs the model itself turns channels-last
  for (const [n, k] of kind) {
    const chain = k === 'sink' ? undefined : tokenChain(g, n.outputs[0], readers);
    if (chain) tokens.set(n.outputs[0], chain);
  }
  for (const [n, k] of kind) {
    const r = region(n);
    if (k === 'conv') { r.convs++; if (isDepthwise(n, g)) r.depthwise++; if (winogradConv(n, g)) r.winograd++; }
    for (const i of dataInputs(n, k, g)) if (!inside(i) && !(k === 'conv' && readsNchw(n, g))) r.entries.add(i);
    if (k === 'sink') continue;
    const o = n.outputs[0];
    if (tokens.has(o)) r.tokens++;
    else if (g.outputs.includes(o) || (readers.get(o) ?? []).some((m) => !kind.has(m) || !dataInputs(m, kind.get(m)!, g).includes(o))) r.exits.add(o);
  }
  const converts = (n: Node) => {
    const r = regions.get(find(n))!;
    const changes = r.entries.size + r.exits.size;
    // a region that needs no layout change and makes tokens (a ViT's patch embedding) converts too
    return opts.all || (r.winograd === 0 && ((r.depthwise > 0 && changes * minRatio <= r.convs) || (changes === 0 && r.tokens > 0)));
  };
  const converted = new Set([...kind.keys()].filter(converts));
  if (!converted.size) return g;

  // --- rewrite ---
  const values = new Map(g.values);
  const graph: Graph = { ...g, values };
  const renamed = new Map<string, string>();   // NCHW value -> its NHWC copy
  const nhwcValue = (v: string): string => {
    let name = renamed.get(v);
    if (name) return name;
    const src = values.get(v)!;
    name = freshName(graph, `${v}.nhwc`);
    values.set(name, { name, dtype: src.dtype, shape: TO_NHWC.map((p) => src.shape[p]) });
    renamed.set(v, name);
    return name;
  };
  const nodeNames = new Set(g.nodes.map((n) => n.name));
  const transpose = (from: string, to: string, perm: number[], at: string): Node => {
    const base = `${at}.to_${perm === TO_NHWC ? 'nhwc' : 'nchw'}`;
    let name = base;
    for (let k = 1; nodeNames.has(name); k++) name = `${base}_${k}`;
    nodeNames.add(name);
    return { name, op: 'Transpose', domain: '', inputs: [from], outputs: [to], attrs: { perm } };
  };
  const nodes: Node[] = [];
  const dropped = new Set<Node>();
  const entered = new Set<string>();
  for (const n of g.nodes) {
    if (!converted.has(n)) { nodes.push(n); continue; }
    const k = kind.get(n)!;
    const data = new Set(dataInputs(n, k, g));
    const nchwInput = k === 'conv' && readsNchw(n, g) && !inside(n.inputs[0]);
    const inputs = n.inputs.map((i) => {
      if (!i || !data.has(i) || nchwInput) return i;
      if (inside(i)) return nhwcValue(i);
      const t = nhwcValue(i);
      if (!entered.has(i)) { entered.add(i); nodes.push(transpose(i, t, TO_NHWC, i)); }
      return t;
    });
    const attrs = { ...n.attrs };
    let op = n.op, domain = n.domain;
    if (k === 'conv') { op = NHWC_CONV; domain = NHWC_DOMAIN; if (nchwInput) attrs[INPUT_NCHW] = 1; }
    if (k === 'pool') { op = NHWC_POOL; domain = NHWC_DOMAIN; attrs[POOL_OP] = n.op; }
    if (k === 'sink') { op = NHWC_GLOBAL_POOL; domain = NHWC_DOMAIN; attrs[POOL_OP] = n.op; }
    const o = n.outputs[0];
    const outputs = k === 'sink' ? n.outputs : [nhwcValue(o)];
    nodes.push({ ...n, op, domain, inputs, outputs, attrs });
    if (k === 'sink') continue;
    const chain = tokens.get(o);
    if (chain) {   // [N, H, W, C] is already the tokens' [N, H*W, C]: one Reshape (a view) for the chain
      const shape = values.get(chain.transpose.outputs[0])!.shape as number[];
      const target = freshName(graph, `${chain.transpose.outputs[0]}.shape`);
      values.set(target, { name: target, dtype: 'int64', shape: [shape.length], const: { dtype: 'int64', shape: [shape.length], data: BigInt64Array.from(shape, BigInt) } });
      nodes.push({ ...chain.reshape, inputs: [outputs[0], target], outputs: chain.transpose.outputs });
      dropped.add(chain.reshape).add(chain.transpose);
      values.delete(o);
      values.delete(chain.reshape.outputs[0]);
    } else if (regions.get(find(n))!.exits.has(o)) nodes.push(transpose(outputs[0], o, TO_NCHW, o));
    else values.delete(o);
  }
  return { ...graph, nodes: nodes.filter((n) => !dropped.has(n)) };
}

/** NCHW -> [N, C, H*W] -> [N, H*W, C]: a ViT's patches made tokens (the channels-last order). */
interface TokenChain { reshape: Node; transpose: Node }

function tokenChain(g: Graph, o: string, readers: Map<string, Node[]>): TokenChain | undefined {
  const only = (v: string) => { const r = readers.get(v) ?? []; return r.length === 1 && !g.outputs.includes(v) ? r[0] : undefined; };
  const reshape = only(o), x = g.values.get(o)?.shape as number[] | undefined;
  if (!reshape || reshape.op !== 'Reshape' || reshape.domain !== '' || reshape.inputs[0] !== o || !x) return undefined;
  const flat = g.values.get(reshape.outputs[0])?.shape;
  if (JSON.stringify(flat) !== JSON.stringify([x[0], x[1], x[2] * x[3]])) return undefined;
  const transpose = only(reshape.outputs[0]);
  if (!transpose || transpose.op !== 'Transpose' || transpose.domain !== '' || JSON.stringify(transpose.attrs.perm) !== '[0,2,1]') return undefined;
  return { reshape, transpose };
}

function kindOf(n: Node, g: Graph, float4d: (v: string) => boolean, sameShape: (a: string, b: string) => boolean, inside: (v: string) => boolean): Kind | undefined {
  if (n.outputs.length !== 1 || !n.outputs[0]) return undefined;
  const x = n.inputs[0];
  if (n.domain !== '') return undefined;
  switch (n.op) {
    case 'Conv': {
      const w = g.values.get(n.inputs[1])?.const;
      if (!float4d(x) || !w || w.dtype !== 'float32' || w.shape.length !== 4) return undefined;
      if (n.inputs[2] && !g.values.get(n.inputs[2])?.const) return undefined;
      const group = (n.attrs.group as number | undefined) ?? 1;
      return group === 1 || isDepthwise(n, g) ? 'conv' : undefined;
    }
    case 'MaxPool': case 'AveragePool': {
      const ks = n.attrs.kernel_shape as number[] | undefined;
      return float4d(x) && ks?.length === 2 ? 'pool' : undefined;
    }
    case 'GlobalAveragePool': case 'GlobalMaxPool':
      return float4d(x) && inside(x) ? 'sink' : undefined;
    default: {
      if (!ELEMENTWISE.has(n.op) || !float4d(n.outputs[0])) return undefined;
      const data = n.op === 'Clip' ? [x] : n.inputs.filter(Boolean);
      if (n.op === 'Clip' && n.inputs.slice(1).some((i) => i && !g.values.get(i)?.const)) return undefined;
      if (!data.every((i) => isScalar(g, i) || (float4d(i) && sameShape(i, n.outputs[0])))) return undefined;
      return data.some((i) => inside(i)) ? 'elementwise' : undefined;
    }
  }
}

/** The inputs of a region node that carry the region's layout (tensors, not weights or scalars). */
function dataInputs(n: Node, k: Kind, g: Graph): string[] {
  if (k !== 'elementwise' || n.op === 'Clip') return [n.inputs[0]];
  return n.inputs.filter((i) => i && !isScalar(g, i));
}

function isScalar(g: Graph, name: string): boolean {
  const v = g.values.get(name);
  return !!v && isStatic(v.shape) && numel(v.shape as number[]) === 1;
}

function isDepthwise(n: Node, g: Graph): boolean {
  const x = g.values.get(n.inputs[0]), w = g.values.get(n.inputs[1])?.const;
  const group = (n.attrs.group as number | undefined) ?? 1;
  return !!x && !!w && group > 1 && x.shape[1] === group && w.shape[0] === group && w.shape[1] === 1;
}

/** A conv the NCHW lowering would run as Winograd F(2x2,3x3) by default. */
function winogradConv(n: Node, g: Graph): boolean {
  const x = g.values.get(n.inputs[0])!.shape as number[], w = g.values.get(n.inputs[1])!.const!.shape;
  const geo = geometry2d(n, x[2], x[3], [w[2], w[3]]);
  return winogradPays(geo, (n.attrs.group as number | undefined) ?? 1, x[1], w[0]);
}

/** A group-1 conv not 1x1 stride 1 unpadded: its im2col can read an NCHW input as cheaply. */
function readsNchw(n: Node, g: Graph): boolean {
  const w = g.values.get(n.inputs[1])?.const;
  if (!w || ((n.attrs.group as number | undefined) ?? 1) !== 1) return false;
  const strides = (n.attrs.strides as number[] | undefined) ?? [1, 1];
  const pads = (n.attrs.pads as number[] | undefined) ?? [0, 0, 0, 0];
  const autoPad = (n.attrs.auto_pad as string | undefined) ?? 'NOTSET';
  const pointwise = w.shape[2] === 1 && w.shape[3] === 1 && strides.every((s) => s === 1) && pads.every((p) => p === 0) && (autoPad === 'NOTSET' || autoPad === 'VALID');
  return !pointwise;
}
