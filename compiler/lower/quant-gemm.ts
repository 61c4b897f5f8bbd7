// The pieces a convolution's INT8 lowering adds around the dot2 GEMM (gemm-stage.ts arith 'dot2'):
//  - quantPairs: a stage that quantizes the f32 activations the GEMM would read (its input, or
//    im2col's columns) to uint8 values and packs consecutive k in pairs, two int16 per i32 word;
//  - the weights' words and per-channel constants (../quant/params.ts quantizeChannels);
//  - dequantize: the i32 sum back to f32, (acc - zp * sum_k qw[m][k]) * sx*sw[m], before the
//    bias and the fused epilogue.

import type { Node } from '../ir/graph.js';
import type { Buf, Expr } from '../ir/loop.js';
import { add, bin, c, f, load, min, mul, sub, v } from '../ir/loop.js';
import { quantizeExpr } from './ops/quantize.js';
import type { ComputeDef } from '../schedule/compute.js';
import type { LowerCtx, LoweredKernel } from './context.js';
import { pointwiseKernel } from './ops/elementwise.js';
import type { ActQuant, ChannelQuant } from '../quant/params.js';

export { quantPairs, dequantizer };

/** QuantizeLinear to uint8, as i32: clamp(round_half_even(x / scale) + zp, 0, 255). */
function quantizeU8(x: Expr, q: ActQuant): Expr {
  return { k: 'cast', t: 'i32', a: quantizeExpr(bin('div', x, f(q.scale)), f(q.zeroPoint), [0, 255]) };
}

/**
 * words[..., kp, ...] = q(src[..., 2kp, ...]) | q(src[..., 2kp+1, ...]) << 16, pairing along `axis`
 * of src (f32). For an odd extent the last pair's high half repeats the last element (its weight
 * is 0). The words are a new temporary named `${name}.q`.
 */
function quantPairs(ctx: LowerCtx, name: string, src: Buf, axis: number, q: ActQuant): { kernel: LoweredKernel; words: Buf } {
  const K = src.shape[axis]!, KP = Math.ceil(K / 2);
  const shape = src.shape.map((d, i) => (i === axis ? KP : d));
  const words = ctx.temp(`${name}.q`, 'i32', shape);
  const axes = shape.map((extent, i) => ({ name: `a${i}`, extent }));
  const idx = axes.map((a) => v(a.name));
  const at = (k: Expr) => load(src.name, idx.map((e, i) => (i === axis ? k : e)));
  const k0 = mul(idx[axis]!, c(2)), k1 = add(k0, c(1));
  const lo = quantizeU8(at(k0), q), hi = quantizeU8(at(K % 2 ? min(k1, c(K - 1)) : k1), q);
  const def: ComputeDef = {
    name: `${name}.quantize`, out: words.name, type: 'i32', axes,
    body: bin('or', bin('and', lo, c(0xffff)), bin('shl', hi, c(16))),
    outIndex: idx,
  };
  return { kernel: pointwiseKernel(def.name, def, true), words };
}

/**
 * The dequantizing step of a quantized GEMM's epilogue, for the channel index `ch`:
 * (acc - zp * sum_k qw[ch][k]) * sx * sw[ch], the subtraction exact in i32 (select.ts keeps K small
 * enough that no sum overflows). Two weight buffers per node.
 */
function dequantizer(ctx: LowerCtx, node: Node, cq: ChannelQuant, q: ActQuant): (acc: Expr, ch: Expr) => Expr {
  const M = cq.scale.length;
  const scale = new Float32Array(M), zero = new Int32Array(M);
  for (let m = 0; m < M; m++) {
    scale[m] = q.scale * cq.scale[m]!;
    zero[m] = q.zeroPoint * cq.sums[m]!;
  }
  const sb = ctx.weight(`${node.name}.qscale`, 'f32', [M], scale), zb = ctx.weight(`${node.name}.qzero`, 'i32', [M], zero);
  return (acc, ch) => mul({ k: 'cast', t: 'f32', a: sub(acc, load(zb.name, [ch])) }, load(sb.name, [ch]));
}
