// The graph pass pipeline: one flat list, run in order; `--disable-pass NAME` skips one and
// `--dump-after NAME` prints the graph after it.

import type { Graph } from '../ir/graph.js';
import { eliminateDeadNodes } from './dead-nodes.js';
import { foldConstants } from './fold-constants.js';
import { removeIdentity } from './remove-identity.js';
import { eliminateCommonSubexpressions } from './cse.js';
import { foldBatchNorm } from './fold-batchnorm.js';
import { foldScaleShift } from './fold-scale-shift.js';
import { fuseEpilogues } from './fuse-epilogue.js';
import { fuseElementwise } from './fuse-elementwise.js';
import { fuseEpilogueTrees } from './fuse-epilogue-tree.js';
import { fuseLayerNorm } from './fuse-layernorm.js';
import { foldMatMulScale } from './fold-matmul-scale.js';
import { fuseDepthwisePointwise } from './fuse-depthwise.js';
import { liftResidualAdds } from './lift-residual-adds.js';
import { fuseRowOps } from './fuse-row-ops.js';
import { foldLayerNorm } from './fold-layernorm.js';
import { pushConstantOps } from './push-constant-ops.js';
import { layoutNhwc } from './layout-nhwc.js';
import { printGraph } from '../ir/print-graph.js';

export type Layout = 'auto' | 'nchw' | 'nhwc';

export interface Pass {
  name: string;
  run(g: Graph, opts: PipelineOptions): Graph;
}

export const PASSES: Pass[] = [
  { name: 'fold-constants', run: foldConstants },
  { name: 'remove-identity', run: removeIdentity },
  { name: 'cse', run: eliminateCommonSubexpressions },
  { name: 'dead-nodes', run: eliminateDeadNodes },
  { name: 'fold-batchnorm', run: foldBatchNorm },
  { name: 'fold-scale-shift', run: foldScaleShift },
  { name: 'fold-matmul-scale', run: foldMatMulScale },
  { name: 'fuse-layernorm', run: fuseLayerNorm },
  { name: 'layout-nhwc', run: (g, o) => (o.layout === 'nchw' ? g : layoutNhwc(g, o.layout === 'nhwc' ? { all: true } : {})) },
  { name: 'push-constant-ops', run: pushConstantOps },
  { name: 'lift-residual-adds', run: liftResidualAdds },
  { name: 'fuse-epilogue', run: fuseEpilogues },
  { name: 'fuse-elementwise', run: fuseElementwise },
  { name: 'fuse-epilogue-tree', run: fuseEpilogueTrees },
  { name: 'fuse-depthwise', run: fuseDepthwisePointwise },
  { name: 'fuse-row-ops', run: fuseRowOps },
  { name: 'fold-layernorm', run: foldLayerNorm },
  { name: 'prune', run: eliminateDeadNodes },
];

export interface PipelineOptions {
  disable?: string[];
  /** Convolution layout: 'auto' (default) channels-last where passes/layout-nhwc.ts finds it pays, 'nhwc' every region, 'nchw' none. */
  layout?: Layout;
  dumpAfter?: string[];
  log?: (text: string) => void;
}

export function runPasses(g: Graph, opts: PipelineOptions = {}): Graph {
  const disabled = new Set(opts.disable ?? []);
  const dump = new Set(opts.dumpAfter ?? []);
  if (dump.has('import')) opts.log?.(printGraph(g));
  for (const p of PASSES) {
    if (disabled.has(p.name)) continue;
    g = p.run(g, opts);
    if (dump.has(p.name)) opts.log?.(`; after ${p.name}\n${printGraph(g)}`);
  }
  return g;
}

export function passNames(): string[] {
  return PASSES.map((p) => p.name);
}
