// Flat index <-> coordinates, for reference kernels that address tensors by position.

import { strides } from './shape.js';

export { unravel, ravel, coordsOf };

/** The coordinates of flat index i in shape (row-major). */
function unravel(i: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let k = shape.length - 1; k >= 0; k--) {
    out[k] = i % shape[k];
    i = Math.floor(i / shape[k]);
  }
  return out;
}

function ravel(idx: readonly number[], shape: readonly number[]): number {
  let off = 0;
  for (let k = 0; k < shape.length; k++) off = off * shape[k] + idx[k];
  return off;
}

/** Every coordinate of shape, in row-major order (for small reference computations). */
function* coordsOf(shape: readonly number[]): Generator<number[]> {
  const n = shape.reduce((a, b) => a * b, 1);
  for (let i = 0; i < n; i++) yield unravel(i, shape);
}

void strides;
