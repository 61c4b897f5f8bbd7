// Folds a LayerNormalization over the last axis into the GEMMs that read it, when nothing else
// does (a pre-norm transformer's norm before attention's QKV projection and before the MLP):
//   LN(x) . W = (r * (x - mu) * gamma + beta) . W = r * (x . W' - mu * s) + t
// with W' = diag(gamma) W, s[j] = sum_k W'[k, j] and t[j] = sum_k beta[k] W[k, j] computed at
// compile time, mu and r = 1 / sqrt(var + eps) per row of x. The GEMM reads x itself; its kernel
// first computes every row's mu and r (a stage over rows, lower/gemm-lnfold.ts), then runs the GEMM
// with the normalization applied to the accumulator (ComputeDef.finalize) before the epilogue
// already fused; rows whose mean is far from their spread take a centred form there. No normalized
// copy of x is written or read, and the LayerNorm needs no kernel of its own.
// The GEMM node reads x and W' in place of LN(x) and W, records the fold in attrs[LNFOLD_KEY] and
// appends s and t to its inputs (after the epilogue's and row op's operands).
// Only when every reader of the LayerNorm's output is a Gemm (transA 0, constant B, alpha folded
// into s and t) or MatMul (constant 2-D B) reading it as A, the output is no graph output, the
// LayerNorm's Mean and InvStdDev outputs are unused, and its scale and bias are constants.
// Runs after the fusion passes, so the LayerNorms fuse-row-ops put into their producing GEMM
// (post-norm: bert_mini's) stay there.

import type { Graph, Node, Tensor } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import { constOf, freshName } from './graph-edit.js';
import { MIN_ROW } from './fuse-row-ops.js';

export const LNFOLD_KEY = 'accelc.lnfold';

/** What attrs[LNFOLD_KEY] of a GEMM node holds. */
export interface FoldedLayerNorm {
  /** the LayerNormalization folded in */
  node: string;
  epsilon: number;
  /** constants [N]: the column sums of the scaled weights, and beta . W */
  colsum: string;
  shift: string;
}

export function foldLayerNorm(g: Graph): Graph {
  const readers = new Map<string, Node[]>();
  for (const n of g.nodes) for (const i of new Set(n.inputs)) if (i) readers.set(i, [...(readers.get(i) ?? []), n]);
  const values = new Map(g.values);
  const scope = () => ({ ...g, values });
  const rewritten = new Map<Node, Node>();
  const dropped = new Set<Node>();
  for (const ln of g.nodes) {
    if (ln.op !== 'LayerNormalization') continue;
    const y = ln.outputs[0];
    // views between the LayerNorm and the GEMMs that keep rows as rows (a Transpose of a unit axis)
    const views = (readers.get(y) ?? []).filter((n) => isRowView(g, n, y));
    const gemms = [...(readers.get(y) ?? []).filter((n) => !views.includes(n)), ...views.flatMap((n) => readers.get(n.outputs[0]) ?? [])];
    const p = foldable(g, ln, gemms, new Set([y, ...views.map((n) => n.outputs[0])]));
    if (!p || views.some((n) => g.outputs.includes(n.outputs[0]))) continue;
    for (const n of views) rewritten.set(n, { ...n, inputs: n.inputs.map((i, k) => (k === 0 ? ln.inputs[0] : i)) });
    for (const m of gemms) {
      const w = constOf(g, m.inputs[1])!;
      const transB = m.op === 'Gemm' && m.attrs.transB === 1;
      const alpha = m.op === 'Gemm' ? (m.attrs.alpha as number | undefined) ?? 1 : 1;
      const f = foldWeights(w, p.gamma, p.beta, transB, alpha);
      const name = (base: string, t: Tensor) => { const k = freshName(scope(), `${m.name}.${base}`); values.set(k, { name: k, dtype: 'float32', shape: t.shape, const: t }); return k; };
      const info: FoldedLayerNorm = { node: ln.name, epsilon: p.epsilon, colsum: name('ln_colsum', f.colsum), shift: name('ln_shift', f.shift) };
      const own = m.op === 'MatMul' ? 2 : 3;
      const inputs = [...m.inputs, ...Array(Math.max(0, own - m.inputs.length)).fill('')];
      if (inputs[0] === y) inputs[0] = ln.inputs[0];
      inputs[1] = name('ln_weight', f.weight);
      inputs.push(info.colsum, info.shift);
      rewritten.set(m, { ...m, inputs, attrs: { ...m.attrs, [LNFOLD_KEY]: JSON.stringify(info) } });
    }
    dropped.add(ln);
    values.delete(ln.outputs[0]);
  }
  if (!dropped.size) return g;
  return { ...g, values, nodes: g.nodes.flatMap((n) => (dropped.has(n) ? [] : [rewritten.get(n) ?? n])) };
}

/** The LayerNorm fold a GEMM node carries, if any. */
export function foldedLayerNorm(n: Node): FoldedLayerNorm | undefined {
  const s = n.attrs[LNFOLD_KEY];
  return typeof s === 'string' ? (JSON.parse(s) as FoldedLayerNorm) : undefined;
}

interface Params { gamma: Float32Array; beta?: Float32Array; epsilon: number }

function foldable(g: Graph, ln: Node, readers: Node[], rows: Set<string>): Params | undefined {
  if (ln.op !== 'LayerNormalization' || ln.domain !== '' || ln.outputs.slice(1).some((o) => o !== '')) return undefined;
  const x = g.values.get(ln.inputs[0]), y = ln.outputs[0];
  const shape = x?.shape;
  if (!x || x.dtype !== 'float32' || !shape || shape.length < 2 || !shape.every((d) => typeof d === 'number')) return undefined;
  const rank = shape.length, D = shape[rank - 1] as number;
  const axis = (ln.attrs.axis as number | undefined) ?? -1;
  if ((axis < 0 ? axis + rank : axis) !== rank - 1 || D < MIN_ROW) return undefined;
  const gamma = floats(constOf(g, ln.inputs[1]), D);
  const beta = ln.inputs[2] ? floats(constOf(g, ln.inputs[2]), D) : undefined;
  if (!gamma || (ln.inputs[2] && !beta)) return undefined;
  if (g.outputs.includes(y) || !readers.length) return undefined;
  for (const m of readers) {
    if (m.domain !== '' || m.attrs[LNFOLD_KEY] || !rows.has(m.inputs[0]) || m.inputs.slice(1).some((i) => rows.has(i))) return undefined;
    const w = constOf(g, m.inputs[1]);
    if (!w || w.dtype !== 'float32' || w.shape.length !== 2) return undefined;
    if (m.op === 'MatMul') { if (w.shape[0] !== D) return undefined; }
    else if (m.op === 'Gemm') { if (m.attrs.transA === 1 || w.shape[m.attrs.transB === 1 ? 1 : 0] !== D || rank !== 2) return undefined; }
    else return undefined;
  }
  return { gamma, beta, epsilon: (ln.attrs.epsilon as number | undefined) ?? 1e-5 };
}

/** A Reshape or Transpose of `y` alone that keeps its last axis last and moves no element. */
function isRowView(g: Graph, n: Node, y: string): boolean {
  if (n.domain !== '' || n.inputs[0] !== y || n.outputs.length !== 1) return false;
  const from = g.values.get(y)?.shape, to = g.values.get(n.outputs[0])?.shape;
  if (!from || !to || from[from.length - 1] !== to[to.length - 1]) return false;
  if (n.op === 'Reshape') return !!constOf(g, n.inputs[1]);
  if (n.op !== 'Transpose' || n.inputs.length !== 1) return false;
  const perm = (n.attrs.perm as number[] | undefined) ?? [...from.keys()].reverse();
  const moved = perm.filter((a) => from[a] !== 1);   // the non-unit axes, in their new order
  return perm[perm.length - 1] === from.length - 1 && moved.every((a, k) => k === 0 || a > moved[k - 1]);
}

function floats(t: Tensor | undefined, n: number): Float32Array | undefined {
  return t && t.dtype === 'float32' && numel(t.shape) === n ? (t.data as Float32Array) : undefined;
}

/** W' = diag(gamma) W (K along W's rows, or its columns when transB), s = alpha * colsum(W'), t = alpha * beta . W. */
export function foldWeights(w: Tensor, gamma: Float32Array, beta: Float32Array | undefined, transB: boolean, alpha: number): { weight: Tensor; colsum: Tensor; shift: Tensor } {
  const K = gamma.length, N = transB ? w.shape[0] : w.shape[1];
  const src = w.data as Float32Array, weight = new Float32Array(src.length);
  const s = new Float64Array(N), t = new Float64Array(N);
  for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) {
    const at = transB ? j * K + k : k * N + j;
    weight[at] = gamma[k] * src[at];
    s[j] += weight[at];
    if (beta) t[j] += beta[k] * src[at];
  }
  const vec = (a: Float64Array): Tensor => ({ dtype: 'float32', shape: [N], data: Float32Array.from(a, (x) => alpha * x) });
  return { weight: { dtype: 'float32', shape: [...w.shape], data: weight }, colsum: vec(s), shift: vec(t) };
}
