// Output comparison as the suite's reference runner does it: same type and dims, then floats within
// |got - want| <= atol + rtol * |want| (NaN matches NaN, infinities must match exactly), integers
// and bools exact. Returns undefined when equal, else a one-line reason.

import type { Tensor } from '../../runtime/tensor.js';

export { compareTensors, RTOL, ATOL, f16ToNumber };

const RTOL = 1e-3;
const ATOL = 1e-5;

function f16ToNumber(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

function compareTensors(got: Tensor, want: Tensor, rtol = RTOL, atol = ATOL): string | undefined {
  if (got.type !== want.type) return `type ${got.type}, expected ${want.type}`;
  if (got.dims.join() !== want.dims.join()) return `dims [${got.dims}], expected [${want.dims}]`;
  const float = want.type === 'float32' || want.type === 'float64' || want.type === 'float16';
  const read = want.type === 'float16' ? (t: Tensor, i: number) => f16ToNumber(t.data[i] as number) : (t: Tensor, i: number) => t.data[i];
  let bad = 0, first = -1;
  for (let i = 0; i < want.data.length; i++) {
    const a = read(got, i), b = read(want, i);
    let ok: boolean;
    if (!float) ok = a === b;
    else {
      const x = Number(a), y = Number(b);
      if (Number.isNaN(y)) ok = Number.isNaN(x);
      else if (!Number.isFinite(y)) ok = x === y;
      else ok = Math.abs(x - y) <= atol + rtol * Math.abs(y);
    }
    if (!ok) { bad++; if (first < 0) first = i; }
  }
  if (!bad) return undefined;
  return `${bad} of ${want.data.length} elements differ; first at ${first}: got ${String(read(got, first))}, expected ${String(read(want, first))}`;
}
