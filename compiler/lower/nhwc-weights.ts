// Weight layouts of channels-last convolutions (ONNX weights are [M, C/group, KH, KW]), shared by
// ops/conv-nhwc.ts and dw-pw-nhwc.ts.

/** A depthwise conv's weights [C, 1, KH, KW] as taps [KH, KW, C]: one vector over channels per tap. */
export function depthwiseTaps(w: ArrayLike<number | bigint>, C: number, KH: number, KW: number): Float32Array {
  const taps = new Float32Array(KH * KW * C);
  for (let ch = 0; ch < C; ch++) for (let t = 0; t < KH * KW; t++) taps[t * C + ch] = Number(w[ch * KH * KW + t]);
  return taps;
}

/** A group-1 conv's weights [M, C, KH, KW] as the GEMM's B [K, M], k = (kh, kw, c) as im2col lays out its rows. */
export function gemmWeights(w: ArrayLike<number | bigint>, M: number, C: number, KH: number, KW: number): Float32Array {
  const b = new Float32Array(KH * KW * C * M);
  for (let m = 0; m < M; m++) for (let ch = 0; ch < C; ch++) for (let t = 0; t < KH * KW; t++) b[(t * C + ch) * M + m] = Number(w[(m * C + ch) * KH * KW + t]);
  return b;
}
