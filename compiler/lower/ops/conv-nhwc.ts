// Channels-last convolution and pooling (the ops passes/layout-nhwc.ts makes; tensors [N, H, W, C]):
//  - NhwcConv, group 1, 1x1 stride 1 unpadded: a GEMM over [N*H*W pixels, C] x [C, M], the pixels
//    as A rows (broadcast) and the weights as B, packed into column panels at compile time: no
//    run-time packing at any plane size;
//  - NhwcConv, group 1, other: im2col into [pixels, KH*KW*C] rows (k = (kh, kw, c), vectors over c;
//    the input may still be NCHW, attr accelc.input_nchw), then the same GEMM;
//  - NhwcConv, depthwise: ../window-nhwc.ts, weights repacked [KH, KW, C] (a vector per tap);
//  - NhwcConv 1x1 with a depthwise conv fused in (passes/fuse-depthwise.ts): ../dw-pw-nhwc.ts;
//  - NhwcPool (MaxPool / AveragePool): ../window-nhwc.ts;
//  - a group-1 NhwcConv whose input the INT8 rewrite quantized (../../quant/params.ts): the GEMM's
//    A rows (input or im2col rows) quantized in pairs of channels, the dot2 GEMM, weights per channel;
//  (NhwcGlobalPool, a reduction over the pixels stored [N, C, 1, 1], is lowered in pool.ts.)
// Bias and the fused epilogue are applied when the output is stored, at index [n, pixel, channel].

import type { Node } from '../../ir/graph.js';
import type { Buf, Expr } from '../../ir/loop.js';
import { add, c, load, mul, sub, v } from '../../ir/loop.js';
import { AccelcError } from '../../errors.js';
import type { ComputeDef } from '../../schedule/compute.js';
import { lowerStage } from '../../schedule/lower-stage.js';
import type { Schedule } from '../../schedule/schedule.js';
import type { LowerCtx, LoweredKernel, OpLowerer } from '../context.js';
import { geometry2d, type Geometry2d } from '../conv-geometry.js';
import { columnTile, gemmKernel, packColumnPanels } from '../gemm-stage.js';
import { averageDivisors } from './pool.js';
import { epilogueOf } from '../epilogue.js';
import { checkedRead, rowRegions, windowNhwc } from '../window-nhwc.js';
import { LANES } from '../default-schedules.js';
import { INPUT_NCHW, POOL_OP } from '../../passes/layout-nhwc.js';
import { fusedDepthwise } from '../../passes/fuse-depthwise.js';
import { lowerDepthwisePointwiseNhwc } from '../dw-pw-nhwc.js';
import { depthwiseTaps, gemmWeights } from '../nhwc-weights.js';
import { actQuantOf, quantizeChannels } from '../../quant/params.js';
import { dequantizer, quantPairs } from '../quant-gemm.js';

export const lowerNhwcConv: OpLowerer = (node, ctx) => {
  const dw = fusedDepthwise(node);
  if (dw) return lowerDepthwisePointwiseNhwc(node, ctx, dw);
  const x = ctx.buf(node.inputs[0]);
  const wData = ctx.constOf(node.inputs[1]);
  const wShape = ctx.graph.values.get(node.inputs[1])!.shape as number[];
  if (!wData) throw new AccelcError({ code: 'E_UNSUPPORTED', message: 'convolution weights must be constant', node: node.name, op: node.op, model: ctx.modelName });
  const nchw = node.attrs[INPUT_NCHW] === 1;
  const [N, H, W, C] = nchw ? [x.shape[0], x.shape[2], x.shape[3], x.shape[1]] : x.shape;
  const [M, Cg, KH, KW] = wShape;
  const group = (node.attrs.group as number | undefined) ?? 1;
  const g = geometry2d(node, H, W, [KH, KW]);
  const out = ctx.buf(node.outputs[0]);
  const bias = node.inputs[2] ? ctx.buf(node.inputs[2]) : undefined;
  const w = Float32Array.from(wData as Float32Array);
  if (group === 1) return convGemm(node, ctx, x, nchw, w, g, [N, H, W, C], M, out, bias);
  if (group !== C || M !== C || Cg !== 1) throw new AccelcError({ code: 'E_UNSUPPORTED', message: `NhwcConv with group ${group} is neither group 1 nor depthwise`, node: node.name, op: node.op, model: ctx.modelName });
  const wb = ctx.weight(`${node.name}.wtaps`, 'f32', [KH, KW, C], depthwiseTaps(w, C, KH, KW));
  const body = windowNhwc({
    name: node.name, out, x, g, reduce: 'sum', pad: 0,
    term: (value, ch) => mul(load(wb.name, [v('kh'), v('kw'), ch]), value),
    epilogue: (acc, idx) => epilogueOf(node, ctx, bias ? add(acc, load(bias.name, [idx[3]])) : acc, idx),
  });
  return [{ name: node.name, body, flops: 2 * N * C * g.oh * g.ow * KH * KW }];
};

function convGemm(node: Node, ctx: LowerCtx, x: Buf, nchw: boolean, w: Float32Array, g: Geometry2d, [N, H, W, C]: number[], M: number, out: Buf, bias: Buf | undefined): LoweredKernel[] {
  const K = C * g.kh * g.kw, P = N * g.oh * g.ow;
  const pointwise = !nchw && g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.pt + g.pl + g.pb + g.pr === 0;
  const kernels: LoweredKernel[] = [];
  let a: Buf;
  if (pointwise) a = ctx.view(x, [P, C]);
  else {
    a = ctx.temp(`${node.name}.cols`, 'f32', [N, g.oh, g.ow, g.kh, g.kw, C]);
    kernels.push(im2col(node.name, x, nchw, a, g, [N, H, W, C]));
    a = ctx.view(a, [P, K]);
  }
  // B[k][m] with k = (kh, kw, c), packed into the GEMM's column panels
  const b = gemmWeights(w, M, C, g.kh, g.kw);
  const q = actQuantOf(node);
  if (q) {
    const packed = quantPairs(ctx, node.name, a, 1, q);
    const cq = quantizeChannels(b, M, K, 'cols');
    const tn = columnTile(M);
    const wp = ctx.weight(`${node.name}.bpack`, 'i32', [Math.ceil(M / tn), cq.KP, tn], packColumnPanels(cq.words, cq.KP, M, tn, false, 1));
    const deq = dequantizer(ctx, node, cq, q);
    const gemm = gemmKernel({
      name: node.name, out: ctx.view(out, [1, P, M]), batch: 1, M: P, N: M, K: cq.KP, arith: 'dot2',
      a: (_b, _ib, _ii, i, k) => load(packed.words.name, [i, k]),
      b: (_b, k, _j, jo, jt) => load(wp.name, [jo, k, jt]),
      epilogue: (acc, bb, i, j) => epilogueOf(node, ctx, bias ? add(deq(acc, j), load(bias.name, [j])) : deq(acc, j), [bb, i, j], [1, P, M]),
    });
    return [...kernels, packed.kernel, { ...gemm, flops: 2 * P * M * K }];
  }
  // The default tile, 4 pixels x 8 channels, measured against 6x2, 4x3 and 3x4 vectors on
  // MobileNetV2's 1x1 convs (bench/kernel-ab.mjs --all, one-off builds), the others 0.6-0.95x as fast
  const tile = ctx.gemmTile({ site: pointwise ? 'conv-nhwc-1x1' : 'conv-nhwc-im2col', batch: 1, M: P, N: M, K });
  const tn = columnTile(M, tile);
  const wp = ctx.weight(`${node.name}.bpack`, 'f32', [Math.ceil(M / tn), K, tn], packColumnPanels(b, K, M, tn, false, 1));
  kernels.push(gemmKernel({
    name: node.name, out: ctx.view(out, [1, P, M]), batch: 1, M: P, N: M, K, tile,
    a: (_b, _ib, _ii, i, k) => load(a.name, [i, k]),
    b: (_b, k, _j, jo, jt) => load(wp.name, [jo, k, jt]),
    epilogue: (acc, bb, i, j) => epilogueOf(node, ctx, bias ? add(acc, load(bias.name, [j])) : acc, [bb, i, j], [1, P, M]),
  }));
  return kernels;
}

/**
 * cols[n, oh, ow, kh, kw, c] = x at the tap (0 in the padding), vectors over c when C allows. Rows
 * and columns whose taps all lie inside the input copy without checks (window-nhwc.ts's regions).
 */
function im2col(name: string, x: Buf, nchw: boolean, cols: Buf, g: Geometry2d, [N, H, W, C]: number[]): LoweredKernel {
  const body = rowRegions(g, N, H, W, (n, oh, q0, q1, checkRows, checkCols) => {
    const [ow, kh, kw, ch] = [add(v('q'), c(q0)), v('kh'), v('kw'), v('c')];
    const y = add(sub(mul(oh, c(g.sh)), c(g.pt)), mul(kh, c(g.dh)));
    const xx = add(sub(mul(ow, c(g.sw)), c(g.pl)), mul(kw, c(g.dw)));
    const def: ComputeDef = {
      name: `${name}.im2col`, out: cols.name, type: 'f32',
      axes: [{ name: 'q', extent: q1 - q0 }, { name: 'kh', extent: g.kh }, { name: 'kw', extent: g.kw }, { name: 'c', extent: C }],
      body: checkedRead((yy, xc) => load(x.name, nchw ? [n, ch, yy, xc] : [n, yy, xc, ch]), y, xx, H, W, checkRows, checkCols, 0),
      outIndex: [n, oh, ow, kh, kw, ch],
    };
    const s: Schedule = [];
    if (!nchw && C % LANES === 0) s.push({ p: 'split', axis: 'c', factor: LANES, outer: 'cv', inner: 'cl' }, { p: 'vectorize', axis: 'cl' });
    else if (g.kh * g.kw * C <= 64) s.push({ p: 'unroll', axis: 'kh' }, { p: 'unroll', axis: 'kw' }, { p: 'unroll', axis: 'c' });
    return lowerStage(def, s);
  });
  return { name: `${name}.im2col`, body, flops: 0 };
}

export const lowerNhwcPool: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]);
  const [N, H, W, C] = x.shape;
  const isMax = node.attrs[POOL_OP] === 'MaxPool';
  const g = geometry2d(node, H, W, node.attrs.kernel_shape as number[], node.attrs.ceil_mode === 1);
  const out = ctx.buf(node.outputs[0]);
  let epilogue: ((acc: Expr, idx: Expr[]) => Expr) | undefined;
  if (!isMax) {
    const invBuf = ctx.weight(`${node.name}.inv`, 'f32', [g.oh, g.ow], averageDivisors(g, H, W, node.attrs.count_include_pad === 1));
    epilogue = (acc, idx) => mul(acc, load(invBuf.name, [idx[1], idx[2]]));
  }
  const body = windowNhwc({ name: node.name, out, x, g, reduce: isMax ? 'max' : 'sum', pad: isMax ? -Infinity : 0, term: (value) => value, epilogue });
  return [{ name: node.name, body, flops: N * C * g.oh * g.ow * g.kh * g.kw }];
};
