// The INT8 rewrite itself: each chosen convolution gets its input's quantization parameters
// (params.ts QUANT_INPUT) from the range calibration saw; the lowering does the rest (conv.ts,
// conv-nhwc.ts). A pass: a new graph, the given one untouched.

import type { Graph } from '../ir/graph.js';
import { QUANT_INPUT, actQuantFromRange } from './params.js';

export { annotateQuant };

/** `ranges` maps a node name to the [min, max] its input took over the calibration samples. */
function annotateQuant(g: Graph, ranges: ReadonlyMap<string, readonly [number, number]>): Graph {
  const nodes = g.nodes.map((n) => {
    const r = ranges.get(n.name);
    if (!r) return n;
    const q = actQuantFromRange(r[0], r[1]);
    return { ...n, attrs: { ...n.attrs, [QUANT_INPUT]: [q.scale, q.zeroPoint] } };
  });
  return { ...g, nodes };
}
