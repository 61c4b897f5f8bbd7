// A stable text form of the graph IR, for --dump-after and golden tests.

import type { AttrValue, Graph } from './graph.js';

const fmtShape = (s: readonly (number | string)[]) => `[${s.join(',')}]`;

function fmtAttr(a: AttrValue): string {
  if (typeof a === 'number' || typeof a === 'string') return JSON.stringify(a);
  if (Array.isArray(a)) return a.length && typeof a[0] === 'object' ? `<${a.length} items>` : JSON.stringify(a);
  if ('dtype' in a) return `tensor<${a.dtype}${fmtShape(a.shape)}>`;
  return '<graph>';
}

export function printGraph(g: Graph): string {
  const lines = [`graph ${g.name} (opset ${g.opset})`];
  for (const i of g.inputs) { const v = g.values.get(i)!; lines.push(`  input ${i}: ${v.dtype}${fmtShape(v.shape)}`); }
  for (const n of g.nodes) {
    const outs = n.outputs.map((o) => { const v = g.values.get(o); return v ? `${o}: ${v.dtype}${fmtShape(v.shape)}` : o; });
    const attrs = Object.entries(n.attrs).map(([k, v]) => `${k}=${fmtAttr(v)}`).join(', ');
    lines.push(`  ${outs.join(', ')} = ${n.op}(${n.inputs.join(', ')})${attrs ? ` {${attrs}}` : ''}  # ${n.name}`);
  }
  lines.push(`  return ${g.outputs.join(', ')}`);
  return lines.join('\n');
}
