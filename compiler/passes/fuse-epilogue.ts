// Fuses the pointwise chain after a Conv / Gemm / MatMul into its epilogue: activations (Relu, Clip
// with constant bounds, Sigmoid, HardSigmoid, HardSwish) and a residual Add of a same-shape tensor
// computed earlier. The contraction node takes over the chain's last output; the chain's nodes go.
// Residual operands are appended to the node's inputs after the op's own (X, W, B for Conv).

import type { Graph, Node } from '../ir/graph.js';
import type { EpilogueStep } from '../lower/epilogue.js';

const HOSTS = new Set(['Conv', 'Gemm', 'MatMul', 'NhwcConv']);
const EPILOGUE_KEY = 'accelc.epilogue';

export function fuseEpilogues(g: Graph): Graph {
  const consumers = new Map<string, number>();
  for (const n of g.nodes) for (const i of n.inputs) if (i) consumers.set(i, (consumers.get(i) ?? 0) + 1);
  for (const o of g.outputs) consumers.set(o, (consumers.get(o) ?? 0) + 1);
  const producerIndex = new Map<string, number>();
  g.nodes.forEach((n, i) => n.outputs.forEach((o) => producerIndex.set(o, i)));
  const byInput = new Map<string, number>();
  g.nodes.forEach((n, i) => n.inputs.forEach((x) => { if (x && consumers.get(x) === 1) byInput.set(x, i); }));

  const removed = new Set<number>();
  const nodes = g.nodes.map((n) => ({ ...n, attrs: { ...n.attrs }, outputs: [...n.outputs] }));
  nodes.forEach((host, hi) => {
    if (!HOSTS.has(host.op) || removed.has(hi)) return;
    const steps: EpilogueStep[] = [];
    let cur = host.outputs[0];
    for (;;) {
      if (consumers.get(cur) !== 1 || g.outputs.includes(cur)) break;
      const ni = byInput.get(cur);
      if (ni === undefined) break;
      const step = stepFor(g, nodes[ni], cur, hi, producerIndex);
      if (!step) break;
      steps.push(step);
      removed.add(ni);
      cur = nodes[ni].outputs[0];
    }
    if (!steps.length) return;
    const prev = host.attrs[EPILOGUE_KEY];
    host.attrs[EPILOGUE_KEY] = JSON.stringify([...(typeof prev === 'string' ? JSON.parse(prev) : []), ...steps]);
    host.outputs[0] = cur;
    // Operands become real inputs after the op's own (so every pass sees the dependency).
    const operands = steps.filter((st) => st.operand).map((st) => st.operand!);
    if (operands.length) {
      const own = host.op === 'MatMul' ? 2 : 3;   // NhwcConv: X, W, B like Conv
      host.inputs = [...host.inputs, ...Array(Math.max(0, own - host.inputs.length)).fill('')].slice(0, Math.max(own, host.inputs.length));
      host.inputs.push(...operands);
    }
  });
  return { ...g, nodes: nodes.filter((_, i) => !removed.has(i)) };
}

function stepFor(g: Graph, n: Node, input: string, hostIndex: number, producer: Map<string, number>): EpilogueStep | undefined {
  const cst = (name: string | undefined) => (name ? g.values.get(name)?.const : undefined);
  switch (n.op) {
    case 'Relu': return { op: 'Relu' };
    case 'Sigmoid': return { op: 'Sigmoid' };
    case 'HardSwish': return { op: 'HardSwish' };
    case 'HardSigmoid': return { op: 'HardSigmoid', alpha: (n.attrs.alpha as number) ?? 0.2, beta: (n.attrs.beta as number) ?? 0.5 };
    case 'Clip': {
      if (g.opset < 11) return { op: 'Clip', min: n.attrs.min as number | undefined, max: n.attrs.max as number | undefined };
      const lo = cst(n.inputs[1]), hi = cst(n.inputs[2]);
      if ((n.inputs[1] && !lo) || (n.inputs[2] && !hi)) return undefined;
      return { op: 'Clip', min: lo ? Number(lo.data[0]) : undefined, max: hi ? Number(hi.data[0]) : undefined };
    }
    case 'Add': {
      if (n.inputs.length !== 2) return undefined;
      const other = n.inputs[0] === input ? n.inputs[1] : n.inputs[0];
      if (other === input) return undefined;
      const a = g.values.get(input), b = g.values.get(other);
      if (!a || !b || b.const || a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
      if (JSON.stringify(a.shape) !== JSON.stringify(b.shape)) return undefined;
      const p = producer.get(other);
      if (p !== undefined && p >= hostIndex) return undefined;   // must exist before the host runs
      return { op: 'Add', operand: other };
    }
    default: return undefined;
  }
}
