// The values a graph input may hold when it indexes an axis: a Gather's or GatherElements'
// indices, read directly or through views that keep every element (Reshape, Squeeze, Unsqueeze,
// Flatten). The kernels read data[index] without a bounds check (an index past the axis reads
// another tensor's bytes, silently), so the runtime checks such inputs before a run against
// [-dim, dim - 1] (negative indices count from the end), as onnxruntime does.

import type { Graph, Node } from '../ir/graph.js';
import type { IOBinding } from '../ir/loop.js';
import { normAxis } from './index-math.js';

const VIEWS = new Set(['Reshape', 'Squeeze', 'Unsqueeze', 'Flatten', 'Identity']);
const INDEXERS = new Set(['Gather', 'GatherElements']);

/** The range of every graph input that indexes an axis (the tightest, if several nodes use it). */
export function indexRanges(graph: Graph): Map<string, NonNullable<IOBinding['range']>> {
  const readers = new Map<string, Node[]>();
  for (const n of graph.nodes) n.inputs.forEach((i) => { if (i) readers.set(i, [...(readers.get(i) ?? []), n]); });
  const ranges = new Map<string, NonNullable<IOBinding['range']>>();
  for (const input of graph.inputs) {
    const dtype = graph.values.get(input)?.dtype;
    if (dtype !== 'int64' && dtype !== 'int32') continue;
    const seen = new Set<string>();
    const visit = (value: string) => {
      if (seen.has(value)) return;
      seen.add(value);
      for (const n of readers.get(value) ?? []) {
        if (n.domain !== '') continue;
        if (VIEWS.has(n.op) && n.inputs[0] === value) visit(n.outputs[0]);
        else if (INDEXERS.has(n.op) && n.inputs[1] === value && n.inputs[0] !== value) {
          const shape = graph.values.get(n.inputs[0])?.shape;
          if (!shape) continue;
          const dim = shape[normAxis((n.attrs.axis as number | undefined) ?? 0, shape.length)];
          if (typeof dim !== 'number') continue;
          const prev = ranges.get(input);
          if (!prev || dim - 1 < prev.max) ranges.set(input, { min: -dim, max: dim - 1, node: n.name, op: n.op });
        }
      }
    };
    visit(input);
  }
  return ranges;
}
