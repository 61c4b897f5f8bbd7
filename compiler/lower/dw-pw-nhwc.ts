// A channels-last depthwise conv fused into the 1x1 conv reading it (passes/fuse-depthwise.ts on
// NhwcConv pairs), as one kernel computed row block by row block:
//   parallel for (n, block):
//     scratch[r, ow, c] = epi_dw( sum_taps w_dw[kh, kw, c] * x[n, window(base + r, ow), c] )   r < R
//     out[n, (base + r)*OW + ow, :] = epi_pw( scratch[r*OW + ow, :] (R*OW x C) . W_pw (C x M) )
// where base = min(block*R, OH-R) (the last block shifted inwards; its rows are computed twice,
// to the same values). The depthwise stage is window-nhwc.ts's row computation writing into a
// per-thread scratch instead of the output, and the projection is the GEMM the unfused 1x1 conv
// runs (conv-nhwc.ts: pixels as A rows, packed weight panels as B), over the block's pixels. The
// depthwise output never goes to memory: the GEMM reads it back from L1/L2, and the pair is one
// kernel, so the threads meet once instead of twice.
// Channels-last makes this cheaper than the NCHW form (dw-pw.ts): a row block of an NHWC tensor is
// one contiguous run, so the depthwise stage reads the same long streams it reads unfused.
// R: as many rows as keep the scratch (R*OW*C floats) within BLOCK_BYTES and leave MIN_BLOCKS
// blocks per image for the threads; at least one.

import type { Node } from '../ir/graph.js';
import { add, c, load, loop, mul, seq, v } from '../ir/loop.js';
import { AccelcError } from '../errors.js';
import type { LowerCtx, LoweredKernel } from './context.js';
import { geometry2d } from './conv-geometry.js';
import { epilogueOf } from './epilogue.js';
import { columnTile, gemmKernel, packColumnPanels } from './gemm-stage.js';
import { windowNhwcRows } from './window-nhwc.js';
import { blockRows } from './dw-pw.js';
import { rowBlocks } from './row-blocks.js';
import { depthwiseTaps, gemmWeights } from './nhwc-weights.js';
import type { FusedDepthwise } from '../passes/fuse-depthwise.js';

/**
 * Most bytes of depthwise rows per block (the scratch), at least one row: about half of L1, so the
 * GEMM reads the rows from L1. Measured at 1 thread on MobileNetV2's fused blocks (kernel A/B as
 * in passes/fuse-depthwise.ts, one-off builds fusing all 17 pairs): 16 KB (one row each) 0.96x of
 * the unfused kernels in all, 64 KB 0.87x, 128 KB 0.86x, 512 KB 0.86x.
 */
const BLOCK_BYTES = 16 * 1024;
/** Fewest row blocks per image (so that the threads have blocks to share). */
const MIN_BLOCKS = 8;

export function lowerDepthwisePointwiseNhwc(node: Node, ctx: LowerCtx, dw: FusedDepthwise): LoweredKernel[] {
  const x = ctx.buf(node.inputs[0]);
  const [N, H, W, C] = x.shape;
  const wdShape = ctx.graph.values.get(dw.weight)!.shape as number[];
  const wdData = ctx.constOf(dw.weight), wData = ctx.constOf(node.inputs[1]);
  if (!wdData || !wData) throw new AccelcError({ code: 'E_UNSUPPORTED', message: 'convolution weights must be constant', node: node.name, op: node.op, model: ctx.modelName });
  const [, , KH, KW] = wdShape;
  const dwNode: Node = { name: dw.node, op: 'Conv', domain: '', inputs: [], outputs: [], attrs: dw.attrs };
  const g = geometry2d(dwNode, H, W, [KH, KW]);
  const out = ctx.buf(node.outputs[0]);
  const M = out.shape[3], P = g.oh * g.ow;
  const R = blockRows(C, g.oh, g.ow, BLOCK_BYTES, MIN_BLOCKS);
  const blockVar = 'blk', blocks = rowBlocks(g.oh, R, N, blockVar), { n, base } = blocks;

  // the depthwise taps as vectors over channels [KH, KW, C], as conv-nhwc.ts lays them out
  const wt = ctx.weight(`${dw.node}.wtaps`, 'f32', [KH, KW, C], depthwiseTaps(wdData, C, KH, KW));
  const bd = dw.bias ? ctx.buf(dw.bias) : undefined;
  const rows = ctx.scratch(`${node.name}.dw`, 'f32', [R, g.ow, C]);
  const depthwise = windowNhwcRows({
    name: dw.node, out: rows, x, g, reduce: 'sum', pad: 0,
    term: (value, ch) => mul(load(wt.name, [v('kh'), v('kw'), ch]), value),
    epilogue: (acc, idx) => epilogueOf(dwNode, ctx, bd ? add(acc, load(bd.name, [idx[3]])) : acc, idx),
  }, n, base, R);

  // B[k][m] = W_pw[m, k], packed into the GEMM's column panels (conv-nhwc.ts's 1x1 path)
  const b = gemmWeights(wData, M, C, 1, 1);
  const tile = ctx.gemmTile({ site: 'dw-pw-nhwc', batch: 1, M: R * g.ow, N: M, K: C });
  const tn = columnTile(M, tile);
  const wp = ctx.weight(`${node.name}.bpack`, 'f32', [Math.ceil(M / tn), C, tn], packColumnPanels(b, C, M, tn, false, 1));
  const bias = node.inputs[2] ? ctx.buf(node.inputs[2]) : undefined;
  const rowBase = mul(base, c(g.ow));
  const src = ctx.view(rows, [R * g.ow, C]);
  const pointwise = gemmKernel({
    name: node.name, out: ctx.view(out, [N, P, M]), batch: 1, M: R * g.ow, N: M, K: C, tile,
    block: { batch: n, rowBase },
    a: (_b, _ib, _ii, i, k) => load(src.name, [i, k]),
    b: (_b, k, _j, jo, jt) => load(wp.name, [jo, k, jt]),
    epilogue: (acc, _b, i, j) => epilogueOf(node, ctx, bias ? add(acc, load(bias.name, [j])) : acc, [n, add(rowBase, i), j], [N, P, M]),
  });
  const body = loop(blockVar, N * blocks.blocks, seq(depthwise, pointwise.body), 'parallel');
  return [{ name: node.name, body, flops: 2 * N * P * C * (M + KH * KW) }];
}
