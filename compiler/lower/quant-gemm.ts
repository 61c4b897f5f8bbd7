// The pieces a convolution's INT8 lowering adds around the dot2 GEMM (gemm-stage.ts arith 'dot2'):
//  - quantPairs: a stage that quantizes the f32 activations the GEMM would read (its input, or
//    im2col's columns) to uint8 values and packs consecutive k in pairs, two int16 per i32 word;
//  - the weights' words and per-channel constants (../quant/params.ts quantizeChannels);
//  - dequantize: the i32 sum back to f32, acc * sx*sw[m] - sx*sw[m]*zp*sum_k qw[m][k], before
//    the bias and the fused epilogue.

import type { Node } from '../ir/graph.js';
import type { Buf, Expr } from '../ir/loop.js';
import { add, bin, c, f, load, max, min, mul, v } from '../ir/loop.js';
import type { ComputeDef } from '../schedule/compute.js';
import type { LowerCtx, LoweredKernel } from './context.js';
import { pointwiseKernel } from './ops/elementwise.js';
import type { ActQuant, ChannelQuant } from '../quant/params.js';

export { quantPairs, quantizeExpr, dequantizer };

/** clamp(round_half_even(x * (1 / scale)) + zp, 0, 255) as i32. */
function quantizeExpr(x: Expr, q: ActQuant): Expr {
  const r: Expr = { k: 'un', op: 'round', a: mul(x, f(Math.fround(1 / q.scale))) };
  return { k: 'cast', t: 'i32', a: min(max(add(r, f(q.zeroPoint)), f(0)), f(255)) };
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
  const lo = quantizeExpr(at(k0), q), hi = quantizeExpr(at(K % 2 ? min(k1, c(K - 1)) : k1), q);
  const def: ComputeDef = {
    name: `${name}.quantize`, out: words.name, type: 'i32', axes,
    body: bin('or', bin('and', lo, c(0xffff)), bin('shl', hi, c(16))),
    outIndex: idx,
  };
  return { kernel: pointwiseKernel(def.name, def, true), words };
}

/**
 * The dequantizing step of a quantized GEMM's epilogue, for the channel index `ch`: two weight
 * buffers per node, the product of scales and the zero point's term.
 */
function dequantizer(ctx: LowerCtx, node: Node, cq: ChannelQuant, q: ActQuant): (acc: Expr, ch: Expr) => Expr {
  const M = cq.scale.length;
  const scale = new Float32Array(M), shift = new Float32Array(M);
  for (let m = 0; m < M; m++) {
    scale[m] = q.scale * cq.scale[m]!;
    shift[m] = -scale[m]! * q.zeroPoint * cq.sums[m]!;
  }
  const sb = ctx.weight(`${node.name}.qscale`, 'f32', [M], scale), hb = ctx.weight(`${node.name}.qshift`, 'f32', [M], shift);
  return (acc, ch) => add(mul({ k: 'cast', t: 'f32', a: acc }, load(sb.name, [ch])), load(hb.name, [ch]));
}
