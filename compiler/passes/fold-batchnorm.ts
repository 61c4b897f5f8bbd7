// Folds an inference-mode BatchNormalization into the Conv (or Gemm) feeding it:
//   y = a[c] * (W x + b)[c] + s[c],  a = scale / sqrt(var + eps),  s = B - mean * a
// becomes a Conv with weights a[co] * W[co, ...] and bias a * b + s. Needs constant weights and BN
// parameters, and the Conv output read only by the BN.

import type { Graph, Node } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import { addConst, constOf, soleConsumers } from './graph-edit.js';

export function foldBatchNorm(g: Graph): Graph {
  const consumer = soleConsumers(g);
  const drop = new Set<Node>();
  const replace = new Map<Node, Node>();
  for (const host of g.nodes) {
    if (host.op !== 'Conv' && !(host.op === 'Gemm' && host.attrs.transB === 1)) continue;
    const bn = consumer.get(host.outputs[0]);
    if (!bn || bn.op !== 'BatchNormalization' || bn.outputs.filter(Boolean).length !== 1) continue;
    if (bn.attrs.training_mode === 1) continue;   // normalizes with the batch's statistics
    if (g.outputs.includes(host.outputs[0])) continue;
    const w = constOf(g, host.inputs[1]);
    const b = constOf(g, host.inputs[2]);
    const [scale, shift, mean, variance] = bn.inputs.slice(1).map((n) => constOf(g, n));
    if (!w || w.dtype !== 'float32' || !scale || !shift || !mean || !variance || (host.inputs[2] && !b)) continue;
    if (host.op === 'Gemm' && b && numel(b.shape) !== w.shape[0]) continue;
    const eps = (bn.attrs.epsilon as number | undefined) ?? 1e-5;
    const M = w.shape[0], per = numel(w.shape) / M;
    const w2 = new Float32Array(w.data.length), b2 = new Float32Array(M);
    for (let co = 0; co < M; co++) {
      const a = Number(scale.data[co]) / Math.sqrt(Number(variance.data[co]) + eps);
      for (let k = 0; k < per; k++) w2[co * per + k] = Number(w.data[co * per + k]) * a;
      b2[co] = (b ? Number(b.data[co]) : 0) * a + Number(shift.data[co]) - Number(mean.data[co]) * a;
    }
    const wName = addConst(g, `${host.inputs[1]}.bnfold`, { dtype: 'float32', shape: w.shape, data: w2 });
    const bName = addConst(g, `${host.name}.bias.bnfold`, { dtype: 'float32', shape: [M], data: b2 });
    replace.set(host, { ...host, inputs: [host.inputs[0], wName, bName], outputs: [bn.outputs[0]] });
    drop.add(bn);
  }
  if (!drop.size) return g;
  return { ...g, nodes: g.nodes.filter((n) => !drop.has(n)).map((n) => replace.get(n) ?? n) };
}
