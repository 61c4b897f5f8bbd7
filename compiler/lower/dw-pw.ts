// A depthwise conv fused into the 1x1 conv reading it (passes/fuse-depthwise.ts), as one kernel
// computed row block by row block (Halide's compute_at of the depthwise stage at the pointwise
// stage's row-block loop):
//   parallel for (n, block):
//     scratch[c, r, :] = epi_dw( sum_taps w_dw[c] * x[n, c, window(base + r)] )   c < C, r < R
//     out[n, :, base*OW ..] = epi_pw( W_pw (M x C) . scratch (C x R*OW) )          register-blocked GEMM
// where base = min(block*R, OH-R) (the last block shifted inwards). The scratch is per thread, so
// the depthwise rows are read back from cache; nothing of them goes to the arena.
// R: as many rows as keep the scratch (C x R*OW floats) within BLOCK_BYTES (L2) and leave at least
// MIN_BLOCKS blocks for the threads, preferring a divisor of OH (else the last block is shifted).
// Cost, measured: a depthwise stage computed in row blocks runs ~30% slower than over whole planes
// (each block reads a short run of rows from every channel plane; the prefetcher gets no long
// stream), which the saved write and re-read of the depthwise output about pays back at 1 thread.

import type { Node } from '../ir/graph.js';
import type { Stmt } from '../ir/loop.js';
import { add, c, load, loop, mul, seq, v } from '../ir/loop.js';
import type { LowerCtx, LoweredKernel } from './context.js';
import { geometry2d } from './conv-geometry.js';
import { epilogueOf } from './epilogue.js';
import { gemmKernel, gemmTileFor, packRowBlocks } from './gemm-stage.js';
import { windowNest } from './window-nest.js';
import { rowBlocks } from './row-blocks.js';
import type { FusedDepthwise } from '../passes/fuse-depthwise.js';

/** Most bytes of depthwise rows per block (the scratch). */
export const BLOCK_BYTES = 256 * 1024;
/** Fewest row blocks (so that the threads have blocks to share). */
export const MIN_BLOCKS = 4;

/** Rows per block for C channels of OH rows of OW pixels: the most that fit `bytes` and leave `minBlocks` blocks (at least 1), preferring a divisor of OH. */
export function blockRows(C: number, OH: number, OW: number, bytes = BLOCK_BYTES, minBlocks = MIN_BLOCKS): number {
  const most = Math.max(1, Math.min(Math.floor(OH / minBlocks), Math.floor(bytes / (4 * C * OW))));
  for (let r = most; r >= Math.ceil(most * 0.75); r--) if (OH % r === 0) return r;
  return most;
}

export function lowerDepthwisePointwise(node: Node, ctx: LowerCtx, dw: FusedDepthwise): LoweredKernel[] {
  const x = ctx.buf(node.inputs[0]);
  const [N, C, H, W] = x.shape;
  const wd = ctx.buf(dw.weight), bd = dw.bias ? ctx.buf(dw.bias) : undefined;
  const dwNode: Node = { name: dw.node, op: 'Conv', domain: '', inputs: [], outputs: [], attrs: dw.attrs };
  const g = geometry2d(dwNode, H, W, [wd.shape[2], wd.shape[3]]);
  const out = ctx.buf(node.outputs[0]);
  const M = out.shape[1], P = g.oh * g.ow;
  const R = blockRows(C, g.oh, g.ow);
  const blockVar = 'blk', blocks = rowBlocks(g.oh, R, N, blockVar), { n, base } = blocks;

  const rows = ctx.scratch(`${node.name}.dw`, 'f32', [1, C, R, g.ow]);
  const depthwise = windowNest({
    name: dw.node, out: rows, x, g, reduce: 'sum', pad: 0, rows: blocks,
    channel: (co) => co,
    term: (value, co) => mul(load(wd.name, [co, c(0), v('kh'), v('kw')]), value),
    epilogue: (acc, idx) => epilogueOf(dwNode, ctx, bd ? add(acc, load(bd.name, [idx[1]])) : acc, idx),
  });

  const tile = ctx.gemmTile({ site: 'dw-pw', batch: 1, M, N: R * g.ow, K: C });
  const { mr } = gemmTileFor({ M, N: R * g.ow, tile });
  const wData = ctx.constOf(node.inputs[1]) as Float32Array;
  const wp = ctx.weight(`${node.name}.wpack`, 'f32', [Math.ceil(M / mr), C, mr], packRowBlocks(Float32Array.from(wData), M, C, mr));
  const bias = node.inputs[2] ? ctx.buf(node.inputs[2]) : undefined;
  const colBase = mul(base, c(g.ow));
  const src = ctx.view(rows, [C, R * g.ow]);
  const pointwise = gemmKernel({
    name: node.name, out: ctx.view(out, [N, M, P]), batch: 1, M, N: R * g.ow, K: C, tile,
    block: { batch: n, colBase },
    a: (_b, ib, ii, _i, k) => load(wp.name, [ib, k, ii]),
    b: (_b, k, j) => load(src.name, [k, j]),
    epilogue: (acc, _b, i, j) => epilogueOf(node, ctx, bias ? add(acc, load(bias.name, [i])) : acc, [n, i, add(colBase, j)], [N, M, P]),
  });
  const body: Stmt = loop(blockVar, N * blocks.blocks, seq(depthwise, pointwise.body), 'parallel');
  const flops = 2 * N * P * C * (M + g.kh * g.kw);
  return [{ name: node.name, body, flops }];
}
