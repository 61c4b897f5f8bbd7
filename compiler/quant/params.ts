// INT8 quantization parameters, as ONNX's QuantizeLinear defines them and onnxruntime's static
// quantizer chooses them by default:
//  - activations: per tensor, uint8, asymmetric: q = clamp(round_half_even(x / scale) + zp, 0, 255),
//    the range widened to hold 0 so that 0 (the padding) is exact;
//  - weights: per output channel, int8, symmetric: q = clamp(round_half_even(w / scale), -127, 127).
// A quantized convolution computes sum (qx - zp) * qw in integers and scales the sum back.

import type { AttrValue, Node } from '../ir/graph.js';
import { roundHalfEven } from '../frontend/onnx/ops/rounding.js';

export { QUANT_INPUT, actQuantFromRange, actQuantOf, quantizeChannels, QMAX_W, MAX_K };
export type { ActQuant, ChannelQuant };

/** The attribute on a Conv or NhwcConv whose input is quantized: [scale, zeroPoint]. */
const QUANT_INPUT = 'accelc.quant_input';

/** The largest weight magnitude (int8 symmetric leaves out -128, as onnxruntime does). */
const QMAX_W = 127;

/** The longest reduction whose int32 sum of products (at most 255 * 127 each) cannot overflow. */
const MAX_K = Math.floor((2 ** 31 - 1) / (255 * QMAX_W));

interface ActQuant {
  scale: number;
  zeroPoint: number;
}

/** uint8 parameters for values seen in [min, max]. A range of one point gets scale 1. */
function actQuantFromRange(min: number, max: number): ActQuant {
  const lo = Math.min(min, 0), hi = Math.max(max, 0);
  const scale = Math.fround((hi - lo) / 255) || 1;
  const zeroPoint = Math.max(0, Math.min(255, roundHalfEven(-lo / scale)));
  return { scale, zeroPoint };
}

/** The node's input parameters, if the INT8 rewrite set them (the importer rejects 'accelc.' attributes from a model). */
function actQuantOf(node: Node): ActQuant | undefined {
  const a: AttrValue | undefined = node.attrs[QUANT_INPUT];
  if (a === undefined) return undefined;
  const [scale, zeroPoint] = Array.isArray(a) ? a as number[] : [];
  const ok = typeof scale === 'number' && scale > 0 && Number.isFinite(scale) && Number.isInteger(zeroPoint) && zeroPoint! >= 0 && zeroPoint! <= 255;
  if (!ok || (a as number[]).length !== 2) throw new Error(`accelc internal error: node '${node.name}' has ${QUANT_INPUT} ${JSON.stringify(a)}`);
  return { scale: scale!, zeroPoint: zeroPoint! };
}

/**
 * Weights quantized per channel and laid out as the dot2 GEMM reads them: consecutive k in pairs,
 * two int16 in one i32 word (low = even k). K is padded to even with a zero weight.
 */
interface ChannelQuant {
  /** Words, [M][KP] for orientation 'rows', [KP][M] for 'cols'. */
  words: Int32Array;
  KP: number;
  /** Per channel: the weight scale, and the sum of its quantized weights (for the zero point). */
  scale: Float32Array;
  sums: Int32Array;
}

/**
 * Quantizes w per channel: orientation 'rows' reads w as [M][K] (a Conv's [M][C*KH*KW]), 'cols'
 * as [K][M] (an NHWC GEMM's B).
 */
function quantizeChannels(w: ArrayLike<number>, M: number, K: number, orientation: 'rows' | 'cols'): ChannelQuant {
  const at = orientation === 'rows' ? (m: number, k: number) => w[m * K + k]! : (m: number, k: number) => w[k * M + m]!;
  const KP = Math.ceil(K / 2);
  const words = new Int32Array(M * KP), scale = new Float32Array(M), sums = new Int32Array(M);
  for (let m = 0; m < M; m++) {
    let amax = 0;
    for (let k = 0; k < K; k++) amax = Math.max(amax, Math.abs(at(m, k)));
    const s = Math.fround(amax / QMAX_W) || 1;
    scale[m] = s;
    const q = (k: number) => (k < K ? Math.max(-QMAX_W, Math.min(QMAX_W, roundHalfEven(at(m, k) / s))) : 0);
    for (let kp = 0; kp < KP; kp++) {
      const lo = q(2 * kp), hi = q(2 * kp + 1);
      sums[m] += lo + hi;
      words[orientation === 'rows' ? m * KP + kp : kp * M + m] = (lo & 0xffff) | (hi << 16);
    }
  }
  return { words, KP, scale, sums };
}
