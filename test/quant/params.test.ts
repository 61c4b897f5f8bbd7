// Quantization parameters: activation ranges to uint8 scale and zero point; weights per channel to
// int8 words in the dot2 GEMM's pair layout.

import { describe, expect, it } from 'vitest';
import { actQuantFromRange, quantizeChannels } from '../../compiler/quant/params.js';

const halves = (w: number) => [(w << 16) >> 16, w >> 16];

describe('activation parameters', () => {
  it('map the range, widened to hold 0, onto 0..255', () => {
    expect(actQuantFromRange(0, 6)).toEqual({ scale: Math.fround(6 / 255), zeroPoint: 0 });
    expect(actQuantFromRange(-1, 1)).toEqual({ scale: Math.fround(2 / 255), zeroPoint: 127 });   // 1 / fround(2/255) = 127.4999..
    expect(actQuantFromRange(2, 5)).toEqual(actQuantFromRange(0, 5));
    expect(actQuantFromRange(-3, -1)).toEqual({ scale: Math.fround(3 / 255), zeroPoint: 255 });
    expect(actQuantFromRange(0, 0)).toEqual({ scale: 1, zeroPoint: 0 });
  });
});

describe('weights per channel', () => {
  const M = 3, K = 5;
  const w = [0.5, -1, 0.25, 0, 1, /**/ 2, 2, -2, 1, 0, /**/ 0, 0, 0, 0, 0];
  for (const orientation of ['rows', 'cols'] as const) {
    it(`${orientation}: pairs of k per word, K padded with a zero weight, scale max|w|/127, sums for the zero point`, () => {
      const src = orientation === 'rows' ? w : Array.from({ length: K * M }, (_, i) => w[(i % M) * K + Math.floor(i / M)]!);
      const q = quantizeChannels(src, M, K, orientation);
      expect(q.KP).toBe(3);
      expect(Array.from(q.scale)).toEqual([Math.fround(1 / 127), Math.fround(2 / 127), 1]);
      const values = (m: number) => Array.from({ length: q.KP }, (_, kp) => halves(q.words[orientation === 'rows' ? m * q.KP + kp : kp * M + m]!)).flat();
      expect(values(0)).toEqual([64, -127, 32, 0, 127, 0]);     // 0.5*127 = 63.5 -> 64, 0.25*127 = 31.75 -> 32
      expect(values(1)).toEqual([127, 127, -127, 64, 0, 0]);    // 63.5 -> 64
      expect(values(2)).toEqual([0, 0, 0, 0, 0, 0]);
      expect(Array.from(q.sums)).toEqual([96, 191, 0]);
    });
  }
});
