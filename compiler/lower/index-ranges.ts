// The axes a graph input indexes when it is the indices of a Gather, GatherElements,
// ScatterElements (Scatter), GatherND or ScatterND, read directly or through views that keep every
// element (Reshape, Squeeze, Unsqueeze, Flatten). The kernels read and write data[index] without a
// bounds check (an index past its axis reads, or for a scatter overwrites, another tensor's bytes,
// silently), so the runtime checks such inputs before a run: an index into an axis of d must lie in
// [-d, d - 1] (negative indices count from the end), as onnxruntime requires.

import type { Graph, Node } from '../ir/graph.js';
import type { IOBinding } from '../ir/loop.js';
import { normAxis } from './index-math.js';

type Range = NonNullable<IOBinding['ranges']>[number];

const VIEWS = new Set(['Reshape', 'Squeeze', 'Unsqueeze', 'Flatten', 'Identity']);

/** The axis sizes node `n` indexes with its indices input (one per element, or per last-axis component). */
function indexedDims(graph: Graph, n: Node): number[] | undefined {
  const data = graph.values.get(n.inputs[0])?.shape, ind = graph.values.get(n.inputs[1])?.shape;
  if (!data || !ind || !data.every((d) => typeof d === 'number')) return undefined;
  const dims = data as number[];
  switch (n.op) {
    case 'Gather': case 'GatherElements': case 'ScatterElements': case 'Scatter':
      return [dims[normAxis((n.attrs.axis as number | undefined) ?? 0, dims.length)]];
    case 'GatherND': case 'ScatterND': {
      const q = ind[ind.length - 1], b = n.op === 'GatherND' ? ((n.attrs.batch_dims as number | undefined) ?? 0) : 0;
      return typeof q === 'number' && q > 0 ? dims.slice(b, b + q) : undefined;
    }
    default: return undefined;
  }
}

/** The ranges of every integer graph input that indexes axes, one per node using it. */
export function indexRanges(graph: Graph): Map<string, Range[]> {
  const readers = new Map<string, Node[]>();
  for (const n of graph.nodes) n.inputs.forEach((i) => { if (i) readers.set(i, [...(readers.get(i) ?? []), n]); });
  const ranges = new Map<string, Range[]>();
  for (const input of graph.inputs) {
    const dtype = graph.values.get(input)?.dtype;
    if (dtype !== 'int64' && dtype !== 'int32') continue;
    const found: Range[] = [];
    const seen = new Set<string>();
    const visit = (value: string) => {
      if (seen.has(value)) return;
      seen.add(value);
      for (const n of readers.get(value) ?? []) {
        if (n.domain !== '') continue;
        if (VIEWS.has(n.op) && n.inputs[0] === value) visit(n.outputs[0]);
        else if (n.inputs[1] === value && n.inputs[0] !== value) {
          const dims = indexedDims(graph, n);
          // a view may reshape the last axis that GatherND/ScatterND read as tuples: only direct ones
          if (dims && (dims.length === 1 || value === input)) found.push({ dims, node: n.name, op: n.op });
        }
      }
    };
    visit(input);
    if (found.length) ranges.set(input, found);
  }
  return ranges;
}
