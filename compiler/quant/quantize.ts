// Post-training static INT8 quantization of an optimized graph, top to bottom: choose the
// convolutions (select.ts), measure their inputs' ranges on the calibration samples
// (calibrate.ts), give each its parameters (annotate.ts). The lowering then emits the dot2 GEMM
// for them (../lower/quant-gemm.ts).

import type { Graph } from '../ir/graph.js';
import { quantizableConvs } from './select.js';
import { calibrate, checkSamples, type Sample } from './calibrate.js';
import { annotateQuant } from './annotate.js';

export { quantizeInt8 };
export type { Int8Report };

interface Int8Report {
  /** The convolutions computed in INT8. */
  quantized: string[];
  /** The convolutions left in float32, and why. */
  skipped: { node: string; reason: string }[];
}

/** `winograd` is CompileOptions.winograd: convolutions Winograd computes stay float32 (select.ts). */
async function quantizeInt8(g: Graph, samples: readonly Sample[], winograd?: boolean): Promise<{ graph: Graph; report: Int8Report }> {
  checkSamples(samples, g.name);
  const { nodes, skipped } = quantizableConvs(g, winograd);
  if (!nodes.length) return { graph: g, report: { quantized: [], skipped } };
  const seen = await calibrate(g, [...new Set(nodes.map((n) => n.inputs[0]!))], samples);
  const ranges = new Map<string, [number, number]>();
  for (const n of nodes) {
    const r = seen.get(n.inputs[0]!)!;
    if (Number.isFinite(r[0]) && Number.isFinite(r[1])) ranges.set(n.name, r);
    else skipped.push({ node: n.name, reason: 'NaN or infinity in its input in calibration' });
  }
  return { graph: annotateQuant(g, ranges), report: { quantized: nodes.filter((n) => ranges.has(n.name)).map((n) => n.name), skipped } };
}
