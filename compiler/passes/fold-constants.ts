// Constant folding: every node whose inputs are all constant is evaluated at compile time by its
// reference implementation (shape subgraphs: Shape -> Gather -> Unsqueeze -> Concat -> Reshape),
// as the frontend's inference does; run again here because other passes create new constants.

import type { Graph } from '../ir/graph.js';
import { inferShapes } from '../frontend/onnx/infer.js';

export function foldConstants(g: Graph): Graph {
  if (!g.nodes.some((n) => n.inputs.length > 0 && n.inputs.every((i) => !i || g.values.get(i)?.const))) return g;
  return inferShapes(g, g.name);
}
