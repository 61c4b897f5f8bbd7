// Conv (2-D, NCHW). Three lowerings, picked by shape (plus Winograd F(2x2,3x3) for the 3x3
// stride-1 convolutions where it is faster: ../winograd.ts, and a depthwise conv fused into its 1x1
// consumer: ../dw-pw.ts):
//  - group 1:    [pad] -> [im2col] -> register-blocked GEMM, weights prepacked [M/MR][K][MR];
//                a 1x1 stride-1 unpadded conv is a GEMM on the input as is (packed into column
//                panels first when its output is small);
//  - depthwise:  [pad] -> direct convolution vectorized along the output row;
//  - other groups: [pad] -> direct convolution, one output channel's group at a time.
// A group-1 conv whose input the INT8 rewrite quantized (../../quant/params.ts) runs the dot2 GEMM
// instead: its input (1x1) or im2col's panels quantized in pairs, weights per channel (convInt8).
// Bias (and any fused epilogue the graph optimizer attached) is applied when the tile is stored.

import type { Node } from '../../ir/graph.js';
import type { Buf, Expr } from '../../ir/loop.js';
import { add, c, load, mul, v, bin } from '../../ir/loop.js';
import { AccelcError } from '../../errors.js';
import type { ComputeDef } from '../../schedule/compute.js';
import type { LowerCtx, LoweredKernel, OpLowerer } from '../context.js';
import { geometry2d, type Geometry2d } from '../conv-geometry.js';
import { padKernels } from '../pad-stage.js';
import { packPanels } from '../pack-panels.js';
import { windowNest } from '../window-nest.js';
import { columnTile, gemmKernel, gemmTileFor, packRowBlocks } from '../gemm-stage.js';
import { pointwiseKernel } from './elementwise.js';
import { epilogueOf } from '../epilogue.js';
import { convWinograd, winogradApplies } from '../winograd.js';
import { lowerDepthwisePointwise } from '../dw-pw.js';
import { fusedDepthwise } from '../../passes/fuse-depthwise.js';
import { actQuantOf, quantizeChannels, type ActQuant } from '../../quant/params.js';
import { dequantizer, quantPairs } from '../quant-gemm.js';

export const lowerConv: OpLowerer = (node, ctx) => {
  const dw = fusedDepthwise(node);
  if (dw) return lowerDepthwisePointwise(node, ctx, dw);
  const x = ctx.buf(node.inputs[0]);
  const wData = ctx.constOf(node.inputs[1]);
  const wShape = ctx.graph.values.get(node.inputs[1])!.shape as number[];
  if (x.shape.length !== 4) throw new AccelcError({ code: 'E_UNSUPPORTED', message: `only 2-D convolution is supported (input rank ${x.shape.length})`, node: node.name, op: node.op, model: ctx.modelName });
  if (!wData) throw new AccelcError({ code: 'E_UNSUPPORTED', message: 'convolution weights must be constant', node: node.name, op: node.op, model: ctx.modelName });
  const [N, C, H, W] = x.shape;
  const [M, Cg, KH, KW] = wShape;
  const group = (node.attrs.group as number | undefined) ?? 1;
  const g = geometry2d(node, H, W, [KH, KW]);
  const out = ctx.buf(node.outputs[0]);
  const bias = node.inputs[2] ? ctx.buf(node.inputs[2]) : undefined;
  const epi: Epi = (acc, idx) => epilogueOf(node, ctx, bias ? add(acc, load(bias.name, [idx[1]])) : acc, idx);
  const flops = 2 * N * M * g.oh * g.ow * Cg * KH * KW;
  const q = group === 1 ? actQuantOf(node) : undefined;
  if (q) return convInt8(node, ctx, x, Float32Array.from(wData as Float32Array), g, [N, C, H, W], M, out, bias, q);
  if (winogradApplies(ctx, g, group, C, M)) return convWinograd(node, ctx, x, Float32Array.from(wData as Float32Array), g, N, C, M, out, bias);
  if (group === 1) return convGemm(node, ctx, x, Float32Array.from(wData as Float32Array), g, [N, C, H, W], M, out, bias);
  if (group === C && M === C && Cg === 1) return withFlops(convDirect(node, ctx, x, ctx.buf(node.inputs[1]), g, out, epi, true), flops);
  return withFlops(convDirect(node, ctx, x, ctx.buf(node.inputs[1]), g, out, epi, false, group), flops);
};

function withFlops(ks: LoweredKernel[], flops: number): LoweredKernel[] {
  ks[ks.length - 1].flops = flops;
  return ks;
}

/** Largest input plane (pixels) of a stride-1 direct convolution that is padded by a copy first. */
const PAD_FIRST_MAX_PIXELS = 64;

/** Largest output (pixels) at which a 1x1 conv's input is packed into GEMM panels first. */
const PACK_POINTWISE_MAX_PIXELS = 256;

/** Epilogue given the accumulated value and the output index [n, co, oh, ow]. */
type Epi = (acc: Expr, idx: Expr[]) => Expr;

/** The im2col panels: panel jo holds, for every k = (ci, kh, kw), the TN pixels of column tile jo. */
function im2colPanels(node: Node, ctx: LowerCtx, x: Buf, g: Geometry2d, N: number, C: number, P: number, tn: number): { kernels: LoweredKernel[]; col: Buf } {
  const K = C * g.kh * g.kw, cols = Math.ceil(P / tn);
  // im2col straight into GEMM column panels: panel jo holds, for every k, the TN pixels of column
  // tile jo (min(jo*TN, P-TN) + jt, the GEMM's tail shift), so the GEMM's B loads are contiguous.
  // Each pixel's offset in the padded input comes from a table computed here.
  const padded = padKernels(node.name, ctx, x, g.pt, g.pl, g.pb, g.pr, 0);
  const [, , Hp, Wp] = padded.buf.shape;
  const table = new Int32Array(cols * tn);
  for (let jo = 0; jo < cols; jo++) for (let jt = 0; jt < tn; jt++) {
    const p = Math.min(jo * tn, P - tn) + jt;
    table[jo * tn + jt] = Math.floor(p / g.ow) * g.sh * Wp + (p % g.ow) * g.sw;
  }
  const tab = ctx.weight(`${node.name}.pixels`, 'i32', [cols, tn], table);
  const xf = ctx.view(padded.buf, [N, C, Hp * Wp]);
  const col = ctx.temp(`${node.name}.panels`, 'f32', [N, cols, K, tn]);
  const axes = [{ name: 'n', extent: N }, { name: 'jo', extent: cols }, { name: 'ci', extent: C }, { name: 'kh', extent: g.kh }, { name: 'kw', extent: g.kw }, { name: 'jt', extent: tn }];
  const [n, jo, ci, kh, kw, jt] = axes.map((a) => v(a.name));
  const def: ComputeDef = {
    name: `${node.name}.im2col`, out: col.name, type: 'f32', axes,
    body: load(xf.name, [n, ci, add(add(mul(kh, c(g.dh * Wp)), mul(kw, c(g.dw))), load(tab.name, [jo, jt]))]),
    outIndex: [n, jo, add(add(mul(ci, c(g.kh * g.kw)), mul(kh, c(g.kw))), kw), jt],
  };
  return { kernels: [...padded.kernels, pointwiseKernel(def.name, def, true)], col };
}

/**
 * INT8: the input (a 1x1 conv's, read in place) or the im2col panels quantized in pairs of k, the
 * weights per output channel, the dot2 GEMM with the default tile, dequantized before the bias.
 */
function convInt8(node: Node, ctx: LowerCtx, x: Buf, w: Float32Array, g: Geometry2d, [N, C, H, W]: number[], M: number, out: Buf, bias: Buf | undefined, q: ActQuant): LoweredKernel[] {
  const K = C * g.kh * g.kw, P = g.oh * g.ow;
  const oneByOne = g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.pt + g.pl + g.pb + g.pr === 0;
  const { mr } = gemmTileFor({ M, N: P }), tn = columnTile(P);
  const kernels: LoweredKernel[] = [];
  const src = oneByOne ? { kernels: [], col: ctx.view(x, [N, C, H * W]) } : im2colPanels(node, ctx, x, g, N, C, P, tn);
  kernels.push(...src.kernels);
  const packed = quantPairs(ctx, node.name, src.col, oneByOne ? 1 : 2, q);
  kernels.push(packed.kernel);
  const cq = quantizeChannels(w, M, K, 'rows');
  const wp = ctx.weight(`${node.name}.wpack`, 'i32', [Math.ceil(M / mr), cq.KP, mr], packRowBlocks(cq.words, M, cq.KP, mr));
  const deq = dequantizer(ctx, node, cq, q);
  kernels.push(gemmKernel({
    name: node.name, out: ctx.view(out, [N, M, P]), batch: N, M, N: P, K: cq.KP, arith: 'dot2',
    a: (_b, ib, ii, _i, k) => load(wp.name, [ib, k, ii]),
    b: (b, k, j, jo, jt) => (oneByOne ? load(packed.words.name, [b, k, j]) : load(packed.words.name, [b, jo, k, jt])),
    epilogue: (acc, b, i, j) => epilogueOf(node, ctx, bias ? add(deq(acc, i), load(bias.name, [i])) : deq(acc, i), [b, i, j], [N, M, P]),
  }));
  kernels[kernels.length - 1]!.flops = 2 * N * M * P * K;
  return kernels;
}

function convGemm(node: Node, ctx: LowerCtx, x: Buf, w: Float32Array, g: Geometry2d, [N, C, H, W]: number[], M: number, out: Buf, bias: Buf | undefined): LoweredKernel[] {
  const K = C * g.kh * g.kw, P = g.oh * g.ow;
  const kernels: LoweredKernel[] = [];
  let col: Buf;
  const oneByOne = g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.pt + g.pl + g.pb + g.pr === 0;
  // A 1x1 conv reads its input as B in place, except at small spatial sizes: there a column tile's
  // K rows lie a few hundred bytes apart and fall out of L1 between row blocks, so packing them into
  // contiguous panels first (pack-panels.ts) measured 1.05-1.4x faster on MobileNetV2's 14x14 and
  // 7x7 layers (bench/profile.mjs), and no faster at 28x28 and up.
  const pointwise = oneByOne && P > PACK_POINTWISE_MAX_PIXELS;
  const tile = ctx.gemmTile({ site: pointwise ? 'conv-1x1' : oneByOne ? 'conv-1x1-packed' : 'conv-im2col', batch: N, M, N: P, K });
  const { mr, nr } = gemmTileFor({ M, N: P, tile });
  const tn = P >= 4 ? nr * 4 : P;
  if (pointwise) {
    col = ctx.view(x, [N, C, H * W]);
  } else if (oneByOne) {
    const { stage, packed } = packPanels(ctx, node.name, ctx.view(x, [N, C, H * W]), N, C, P, tn);
    kernels.push(stage);
    col = packed;
  } else {
    const panels = im2colPanels(node, ctx, x, g, N, C, P, tn);
    kernels.push(...panels.kernels);
    col = panels.col;
  }
  const wp = ctx.weight(`${node.name}.wpack`, 'f32', [Math.ceil(M / mr), K, mr], packRowBlocks(w, M, K, mr));
  const ov = ctx.view(out, [N, M, P]);
  kernels.push(gemmKernel({
    name: node.name, out: ov, batch: N, M, N: P, K, tile,
    a: (_b, ib, ii, _i, k) => load(wp.name, [ib, k, ii]),
    b: (b, k, j, jo, jt) => (pointwise ? load(col.name, [b, k, j]) : load(col.name, [b, jo, k, jt])),
    epilogue: (acc, b, i, j) => epilogueOf(node, ctx, bias ? add(acc, load(bias.name, [i])) : acc, [b, i, j], [N, M, P]),
  }));
  return kernels;
}

function convDirect(node: Node, ctx: LowerCtx, x: Buf, w: Buf, g: Geometry2d, out: Buf, epi: Epi, depthwise: boolean, group = 1): LoweredKernel[] {
  const M = out.shape[1], Cg = w.shape[1], Mg = M / group;
  const ci = v('ci'), kh = v('kh'), kw = v('kw');
  const [, , H, W] = x.shape;
  // Small stride-1 planes: a zero-bordered copy first, so every output takes the unchecked
  // interior path (the border strips cost more than the copy there: MobileNetV2's 7x7 depthwise
  // convs 1.26x faster per kernel; since the strips became vector code, 14x14 is 0-8% faster without).
  const padFirst = H * W <= PAD_FIRST_MAX_PIXELS && g.sh === 1 && g.sw === 1 && g.pt + g.pl + g.pb + g.pr > 0;
  const padded = padFirst ? padKernels(node.name, ctx, x, g.pt, g.pl, g.pb, g.pr, 0) : undefined;
  const body = windowNest({
    name: node.name, out, x: padded?.buf ?? x, g: padded ? { ...g, pt: 0, pl: 0, pb: 0, pr: 0 } : g, reduce: 'sum', pad: 0,
    extraAxes: depthwise ? [] : [{ name: 'ci', extent: Cg }],
    channel: (co) => (depthwise ? co : add(mul(bin('div', co, c(Mg)), c(Cg)), ci)),
    term: (value, co) => mul(load(w.name, [co, depthwise ? c(0) : ci, kh, kw]), value),
    epilogue: (acc, idx) => epi(acc, idx),
  });
  return [...(padded?.kernels ?? []), { name: node.name, body, flops: 0 }];
}
