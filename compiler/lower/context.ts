// What an op's lowering sees: the graph node, the buffers of its inputs and outputs, and a way to
// make weights (packed at compile time) and temporaries. It returns one or more kernels.

import type { Graph, Node, TypedArray } from '../ir/graph.js';
import type { Buf, ScalarType, Stmt } from '../ir/loop.js';
import type { GemmTile } from './gemm-stage.js';
import type { GemmTileChooser, GemmWorkload } from './gemm-workload.js';

export interface LoweredKernel {
  name: string;
  body: Stmt;
  flops: number;
}

export interface LowerOptions {
  relaxedSimd: boolean;
  /** Winograd convolution: false never, true wherever legal, default where winogradApplies measured it faster. */
  winograd?: boolean;
  /** The register tile of each GEMM (a tuning log's choices, or the tuner's candidate); default DEFAULT_TILE. */
  gemmTiles?: GemmTileChooser;
}

export interface LowerCtx {
  graph: Graph;
  opts: LowerOptions;
  modelName: string;
  /** The buffer holding a graph value (weights become weight storages on first use). */
  buf(value: string): Buf;
  /** A new compile-time constant buffer (e.g. prepacked weights). */
  weight(name: string, dtype: ScalarType, shape: number[], data: TypedArray): Buf;
  /** A new temporary in the arena, live only inside this node's kernels. */
  temp(name: string, dtype: ScalarType, shape: number[]): Buf;
  /** A new per-thread scratch buffer: each thread of a kernel sees its own copy. */
  scratch(name: string, dtype: ScalarType, shape: number[]): Buf;
  /** A contiguous view of a buffer's storage with another shape (same element count). */
  view(buf: Buf, shape: number[]): Buf;
  /** The constant data of a value, if it is a compile-time constant. */
  constOf(value: string): TypedArray | undefined;
  /** The register tile for this node's GEMM of workload `w` (LowerOptions.gemmTiles, else the default). */
  gemmTile(w: GemmWorkload): GemmTile;
}

export type OpLowerer = (node: Node, ctx: LowerCtx) => LoweredKernel[];
