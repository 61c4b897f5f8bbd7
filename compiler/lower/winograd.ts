// Winograd F(2x2, 3x3) lowering of a stride-1, dilation-1, group-1 3x3 convolution:
//   [pad] -> input transform V = B^T d B per 4x4 patch (winograd-transforms.ts)
//         -> 16 GEMMs per image, U_e (M x C) * V_e (C x tiles), as one batched register-blocked GEMM
//            over prepacked U = G g G^T (computed here, at compile time)
//         -> output transform Y = A^T M A per tile, + bias + fused epilogue.
// 16 multiplies per 2x2 outputs and channel pair instead of 36 (2.25x fewer), plus the transforms.
// Used where it measured faster than im2col + GEMM (winogradApplies).

import type { Node } from '../ir/graph.js';
import type { Buf, Expr } from '../ir/loop.js';
import { add, bin, c, load } from '../ir/loop.js';
import type { LowerCtx, LoweredKernel } from './context.js';
import type { Geometry2d } from './conv-geometry.js';
import { padKernels } from './pad-stage.js';
import { gemmKernel, gemmTileFor } from './gemm-stage.js';
import { epilogueOf } from './epilogue.js';
import { inputTransform, outputTransform } from './winograd-transforms.js';

/**
 * Whether a convolution of this shape takes the Winograd path. Measured (bench/profile.mjs, 1 thread)
 * faster than im2col + GEMM on every such layer of ResNet-18 (64..512 channels, 56x56 .. 7x7) and
 * SqueezeNet 1.1 (16..64 -> 64..256 channels, 55x55 .. 13x13); smaller shapes are unmeasured.
 */
export function winogradApplies(ctx: LowerCtx, g: Geometry2d, group: number, C: number, M: number): boolean {
  if (ctx.opts.winograd === false) return false;
  if (ctx.opts.winograd === true) return winogradLegal(g, group);
  return winogradPays(g, group, C, M);
}

/** A 3x3 stride-1 undilated group-1 convolution. */
export function winogradLegal(g: Geometry2d, group: number): boolean {
  return group === 1 && g.kh === 3 && g.kw === 3 && g.sh === 1 && g.sw === 1 && g.dh === 1 && g.dw === 1;
}

/** Where Winograd measured faster than im2col + GEMM (the default). */
export function winogradPays(g: Geometry2d, group: number, C: number, M: number): boolean {
  return winogradLegal(g, group) && C >= 16 && M >= 16 && g.oh >= 7 && g.ow >= 7;
}

/** U[e][m][c] = (G g[m][c] G^T)[r][s] (e = 4r + s), G = [[1,0,0],[1/2,1/2,1/2],[1/2,-1/2,1/2],[0,0,1]]. */
export function winogradWeights(w: Float32Array, M: number, C: number): Float64Array {
  const u = new Float64Array(16 * M * C);
  const gv = (x: number[]) => [x[0], (x[0] + x[1] + x[2]) / 2, (x[0] - x[1] + x[2]) / 2, x[2]];
  for (let m = 0; m < M; m++) for (let ch = 0; ch < C; ch++) {
    const k = (i: number, j: number) => w[((m * C + ch) * 3 + i) * 3 + j];
    const cols = [0, 1, 2].map((j) => gv([k(0, j), k(1, j), k(2, j)]));   // (G g) column j
    for (let r = 0; r < 4; r++) {
      const row = gv([cols[0][r], cols[1][r], cols[2][r]]);               // row r of (G g) G^T
      for (let s = 0; s < 4; s++) u[((4 * r + s) * M + m) * C + ch] = row[s];
    }
  }
  return u;
}

export function convWinograd(node: Node, ctx: LowerCtx, x: Buf, w: Float32Array, g: Geometry2d, N: number, C: number, M: number, out: Buf, bias: Buf | undefined): LoweredKernel[] {
  const OH = g.oh, OW = g.ow, TH = Math.ceil(OH / 2), TW = Math.ceil(OW / 2), T = TH * TW;
  // An odd output size needs one more row / column of zeros: the last tile reads 4 rows.
  const padded = padKernels(node.name, ctx, x, g.pt, g.pl, g.pb + (OH & 1), g.pr + (OW & 1), 0);
  const kernels: LoweredKernel[] = [...padded.kernels];

  const V = ctx.temp(`${node.name}.wino_v`, 'f32', [N * 16, C, T]);
  kernels.push({ name: `${node.name}.wino_in`, body: inputTransform(padded.buf, V, TH, TW), flops: 0 });

  // U prepacked per e like convGemm's weights: row block ib holds rows min(ib*MR, M-MR) .. +MR as [ib][c][ii].
  const u = winogradWeights(w, M, C);
  const tile = ctx.gemmTile({ site: 'winograd', batch: N * 16, M, N: T, K: C });
  const { mr } = gemmTileFor({ M, N: T, tile });
  const blocks = Math.ceil(M / mr);
  const packed = new Float32Array(16 * blocks * C * mr);
  for (let e = 0; e < 16; e++) for (let ib = 0; ib < blocks; ib++) {
    const r0 = Math.min(ib * mr, M - mr);
    for (let ch = 0; ch < C; ch++) for (let ii = 0; ii < mr; ii++)
      packed[((e * blocks + ib) * C + ch) * mr + ii] = u[(e * M + r0 + ii) * C + ch];
  }
  const up = ctx.weight(`${node.name}.wino_u`, 'f32', [16, blocks, C, mr], packed);
  const Mo = ctx.temp(`${node.name}.wino_m`, 'f32', [N * 16, M, T]);
  const e = (b: Expr) => (N === 1 ? b : bin('rem', b, c(16)));
  const gemm = gemmKernel({
    name: node.name, out: Mo, batch: N * 16, M, N: T, K: C, tile,
    a: (b, ib, ii, _i, k) => load(up.name, [e(b), ib, k, ii]),
    b: (b, k, j) => load(V.name, [b, k, j]),
  });
  // Effective FLOPs: those of the direct convolution, so a model's FLOP total does not depend on
  // the algorithm and GFLOP/s stay comparable; the transforms count 0.
  kernels.push({ ...gemm, flops: 2 * N * M * OH * OW * C * 9 });

  const epi = (acc: Expr, idx: Expr[]) =>
    epilogueOf(node, ctx, bias ? add(acc, load(bias.name, [idx[1]])) : acc, idx);
  kernels.push({ name: `${node.name}.wino_out`, body: outputTransform(Mo, out, TW, epi), flops: 0 });
  return kernels;
}
