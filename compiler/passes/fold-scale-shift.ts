// Folds a Mul or Add by a per-output-channel constant after a Conv into its weights and bias:
//   (W x + b) * s[c]  ->  (s W) x + s b        (W x + b) + t[c]  ->  W x + (b + t)
// The constant must broadcast along the channel axis only (shape [C,1,1], [1,C,1,1] or a scalar).

import type { Graph, Node, Tensor } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import { addConst, constOf, soleConsumers } from './graph-edit.js';

/** Per-channel values of t against an output of `rank` dims with C channels at axis 1, or undefined. */
function perChannel(t: Tensor, rank: number, C: number): Float64Array | undefined {
  if (t.dtype !== 'float32') return undefined;
  const n = numel(t.shape);
  if (n === 1) return new Float64Array(C).fill(Number(t.data[0]));
  const s = [...Array(rank - t.shape.length).fill(1), ...t.shape];
  if (s.length !== rank || s[1] !== C || s.some((d, i) => i !== 1 && d !== 1)) return undefined;
  return Float64Array.from(t.data as Float32Array);
}

export function foldScaleShift(g: Graph): Graph {
  let nodes = g.nodes;
  for (;;) {
    const consumer = soleConsumers({ ...g, nodes });
    let changed = false;
    for (const host of nodes) {
      if (host.op !== 'Conv' || host.attrs['accelc.epilogue'] || g.outputs.includes(host.outputs[0])) continue;
      const next = consumer.get(host.outputs[0]);
      if (!next || (next.op !== 'Mul' && next.op !== 'Add')) continue;
      const other = next.inputs[0] === host.outputs[0] ? next.inputs[1] : next.inputs[0];
      const t = constOf(g, other);
      const w = constOf(g, host.inputs[1]);
      const out = g.values.get(host.outputs[0]);
      if (!t || !w || !out || other === host.outputs[0]) continue;
      const M = w.shape[0];
      const v = perChannel(t, out.shape.length, M);
      if (!v) continue;
      const b = constOf(g, host.inputs[2]);
      const bias = new Float32Array(M);
      for (let c = 0; c < M; c++) bias[c] = b ? Number(b.data[c]) : 0;
      let wName = host.inputs[1];
      if (next.op === 'Mul') {
        const per = numel(w.shape) / M, w2 = new Float32Array(w.data.length);
        for (let c = 0; c < M; c++) { for (let k = 0; k < per; k++) w2[c * per + k] = Number(w.data[c * per + k]) * v[c]; bias[c] *= v[c]; }
        wName = addConst(g, `${host.inputs[1]}.scaled`, { dtype: 'float32', shape: w.shape, data: w2 });
      } else {
        for (let c = 0; c < M; c++) bias[c] += v[c];
      }
      const bName = addConst(g, `${host.name}.bias.folded`, { dtype: 'float32', shape: [M], data: bias });
      const merged: Node = { ...host, inputs: [host.inputs[0], wName, bName], outputs: [next.outputs[0]] };
      nodes = nodes.filter((n) => n !== next).map((n) => (n === host ? merged : n));
      changed = true;
      break;
    }
    if (!changed) return nodes === g.nodes ? g : { ...g, nodes };
  }
}
