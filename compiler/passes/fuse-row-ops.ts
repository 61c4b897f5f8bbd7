// Folds a row-wise op that normalizes the rows a GEMM just produced into that GEMM: a
// LayerNormalization over the last axis reading a Gemm / MatMul output (with its fused epilogue,
// e.g. the residual Add), as after a transformer's out-projection and second linear (post-norm),
// or a Softmax over the last axis, as after attention's q.k^T MatMul (batched over heads).
// The lowering (lower/gemm-rows.ts) computes the GEMM row block by row block, each thread
// normalizing its block's rows while they are in cache (compute_at of the row op at the GEMM's
// row-block loop): one kernel, no second pass over the rows in memory.
//
// A Reshape between the two that keeps the last axis (bert's [128,256] Gemm output viewed as
// [1,128,256]) is looked through: it moves no element, and rows stay rows.
// The GEMM node takes over the row op's output, and records the row op (its name, attributes and
// parameter values) in attrs['accelc.rowop']; the parameters (scale, bias) are appended to its
// inputs, after the epilogue's operands, so every pass after this one sees the dependency.
// Only when the GEMM output feeds nothing else and is no graph output, the row op normalizes the
// last axis only (rows of at least MIN_ROW elements), has no other outputs in use, and its
// parameters exist before the GEMM runs.
// Not done: a GEMM output read by the row op and others (a pre-norm transformer's residual stream,
// read by the LayerNorm and the next residual Add; vit_tiny's 7 other LayerNorms). Tried with the
// GEMM keeping it as a second output (rows copied there from the scratch, or stored there and read
// back): 2-9% slower per fused kernel at 1 thread, the whole vit_tiny run 2-7%.

import type { Graph, Node } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import { useCounts } from './graph-edit.js';

export const ROWOP_KEY = 'accelc.rowop';

/** What attrs[ROWOP_KEY] of the fused node holds. */
export interface FusedRowOp {
  op: 'LayerNormalization' | 'Softmax';
  node: string;
  /** LayerNormalization's */
  epsilon?: number;
  scale?: string;
  bias?: string;
  /** The GEMM's output shape, when the row op was fused through a Reshape (the node's output has the Reshape's). */
  hostShape?: number[];
  /** A row op over the same rows applied after this one (e.g. a transformer's last LayerNorm after the last block's). */
  next?: FusedRowOp;
}

/** Shortest row the fused lowering takes (its row reductions run on 8-wide vector tiles). */
export const MIN_ROW = 8;

const HOSTS = new Set(['Gemm', 'MatMul']);

export function fuseRowOps(g: Graph): Graph {
  const uses = useCounts(g);
  const consumer = new Map<string, Node>();
  for (const n of g.nodes) for (const i of n.inputs) if (i) consumer.set(i, n);
  const producer = new Map<string, number>();
  g.nodes.forEach((n, k) => n.outputs.forEach((o) => producer.set(o, k)));
  const fused = new Map<Node, Node>();
  const dropped = new Set<Node>();
  const gone: string[] = [];   // the values between the GEMM and the row op's output
  g.nodes.forEach((h, hi) => {
    if (!HOSTS.has(h.op) || h.domain !== '' || h.attrs[ROWOP_KEY]) return;
    // a MatMul with a 1-D B has no column axis: its output's last axis is not a GEMM row
    if (h.op === 'MatMul' && (g.values.get(h.inputs[1])?.shape.length ?? 0) < 2) return;
    const sole = (value: string) => (uses.get(value) === 1 && !g.outputs.includes(value) ? consumer.get(value) : undefined);
    let x = h.outputs[0], r = sole(x);
    const reshape = r?.op === 'Reshape' && lastDim(g, r.outputs[0]) === lastDim(g, x) ? r : undefined;
    if (reshape) { x = reshape.outputs[0]; r = sole(x); }
    const info = r && rowOpOf(g, r, x);
    // the row op's parameters must exist when the GEMM runs
    const ready = (name: string | undefined) => !name || (producer.get(name) ?? -1) < hi;
    if (!r || !info || !ready(info.scale) || !ready(info.bias)) return;
    const own = h.op === 'MatMul' ? 2 : 3;
    const inputs = [...h.inputs, ...Array(Math.max(0, own - h.inputs.length)).fill('')];
    inputs.push(...[info.scale, info.bias].filter((x): x is string => !!x));
    dropped.add(r);
    // row ops reading the previous one's output alone (same rows, same length) chain after it
    for (let last = info, out = r.outputs[0]; ;) {
      const r2 = sole(out), next = r2 && rowOpOf(g, r2, out);
      if (!r2 || !next || !ready(next.scale) || !ready(next.bias) || lastDim(g, out) !== lastDim(g, x)) break;
      last.next = next;
      inputs.push(...[next.scale, next.bias].filter((v): v is string => !!v));
      dropped.add(r2);
      gone.push(out);
      last = next;
      out = r2.outputs[0];
      r = r2;
    }
    // behind a Reshape, the epilogue still indexes the GEMM's own output shape
    const hostShape = reshape ? (g.values.get(h.outputs[0])!.shape as number[]) : undefined;
    fused.set(h, { ...h, inputs, outputs: [r.outputs[0]], attrs: { ...h.attrs, [ROWOP_KEY]: JSON.stringify({ ...info, ...(hostShape ? { hostShape } : {}) }) } });
    if (reshape) dropped.add(reshape);
    gone.push(h.outputs[0], ...(reshape ? [x] : []));
  });
  if (!fused.size) return g;
  const values = new Map(g.values);
  for (const name of gone) values.delete(name);
  return { ...g, values, nodes: g.nodes.flatMap((n) => (dropped.has(n) ? [] : [fused.get(n) ?? n])) };
}

/** The row op a fused node carries, if any. */
export function fusedRowOp(n: Node): FusedRowOp | undefined {
  const s = n.attrs[ROWOP_KEY];
  return typeof s === 'string' ? (JSON.parse(s) as FusedRowOp) : undefined;
}

/** The row ops a fused node applies, in order (the first and its `next` chain); none if it carries none. */
export function rowOpChain(n: Node): FusedRowOp[] {
  const chain: FusedRowOp[] = [];
  for (let op = fusedRowOp(n); op; op = op.next) chain.push(op);
  return chain;
}

function lastDim(g: Graph, value: string) {
  const shape = g.values.get(value)?.shape;
  return shape?.length ? shape[shape.length - 1] : undefined;
}

/** `r` as a row op over the last axis of `x` (a float32 tensor of static shape), or undefined. */
function rowOpOf(g: Graph, r: Node, x: string): FusedRowOp | undefined {
  const xv = g.values.get(x);
  const shape = xv?.shape;
  if (!xv || xv.dtype !== 'float32' || !shape || shape.length < 2 || !shape.every((d) => typeof d === 'number')) return undefined;
  const rank = shape.length, N = shape[rank - 1] as number;
  if (N < MIN_ROW || r.domain !== '' || r.inputs[0] !== x || r.outputs.slice(1).some((o) => o !== '')) return undefined;
  const axis = (a: number) => (a < 0 ? a + rank : a);
  if (r.op === 'LayerNormalization') {
    if (axis((r.attrs.axis as number | undefined) ?? -1) !== rank - 1) return undefined;
    const perRow = (name: string | undefined) => { const v = name ? g.values.get(name) : undefined; return !!v && v.dtype === 'float32' && v.shape.every((d) => typeof d === 'number') && numel(v.shape as number[]) === N; };
    if (!perRow(r.inputs[1]) || (r.inputs[2] && !perRow(r.inputs[2]))) return undefined;
    return { op: 'LayerNormalization', node: r.name, epsilon: (r.attrs.epsilon as number | undefined) ?? 1e-5, scale: r.inputs[1], bias: r.inputs[2] || undefined };
  }
  if (r.op === 'Softmax') {
    // opset < 13 normalizes the flattened axes from `axis` on (default 1): the last alone only when axis is it
    const a = (r.attrs.axis as number | undefined) ?? (g.opset >= 13 ? -1 : 1);
    return axis(a) === rank - 1 ? { op: 'Softmax', node: r.name } : undefined;
  }
  return undefined;
}
