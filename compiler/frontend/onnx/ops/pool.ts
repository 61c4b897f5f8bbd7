// MaxPool and AveragePool over the spatial dims of [N, C, D1..Dn].
// MaxPool: auto_pad, ceil_mode, dilations, kernel_shape, pads, storage_order, strides; optional
// int64 Indices output (flat index into X, spatial part row-major, or column-major if storage_order=1).
// AveragePool: auto_pad, ceil_mode, count_include_pad, dilations, kernel_shape, pads, strides.

import { numel, type Node, type Tensor } from '../../../ir/graph.js';
import type { OpCtx, OpSchema } from '../op-schema.js';
import { attrInt, attrInts } from './util/attrs.js';
import { FLOAT_TYPES, checkArity, checkDtype, need, opFail } from './util/check.js';
import { fromFn, toNumbers } from './util/tensor-data.js';
import { IN_PAD, windowOf, windowOffsets, type Window } from './util/window.js';

export { poolSchemas };

function plan(node: Node, ctx: OpCtx | undefined, x: number[]): { win: Window; shape: number[] } {
  if (x.length < 3) opFail(node, ctx, 'E_SHAPE', `X must be [N, C, spatial...], got [${x}]`);
  const kernel = attrInts(node, 'kernel_shape', undefined, ctx);
  const win = windowOf(node, ctx, x.slice(2), kernel, attrInt(node, 'ceil_mode', 0, ctx) === 1);
  return { win, shape: [x[0], x[1], ...win.out] };
}

/** Runs f(planeIndex, outPosition, taps) for every output element; returns the values in order. */
function pool(x: Tensor, win: Window, shape: number[], f: (xs: Float64Array, base: number, taps: Int32Array, tap0: number, Q: number) => number): Float64Array {
  const spatial = x.shape.slice(2);
  const S = numel(spatial);
  const P = numel(win.out);
  const Q = numel(win.kernel);
  const taps = windowOffsets(spatial, win);
  const xs = toNumbers(x);
  const out = new Float64Array(numel(shape));
  const planes = x.shape[0] * x.shape[1];
  for (let pl = 0; pl < planes; pl++) {
    for (let p = 0; p < P; p++) out[pl * P + p] = f(xs, pl * S, taps, p * Q, Q);
  }
  return out;
}

/** Index of a spatial offset in column-major order (storage_order=1). */
function columnMajor(off: number, spatial: number[]): number {
  let idx = 0;
  let scale = 1;
  const coords: number[] = [];
  for (let i = spatial.length - 1; i >= 0; i--) {
    coords[i] = off % spatial[i];
    off = Math.floor(off / spatial[i]);
  }
  for (let i = 0; i < spatial.length; i++) {
    idx += coords[i] * scale;
    scale *= spatial[i];
  }
  return idx;
}

const maxPool: OpSchema = {
  op: 'MaxPool',
  since: 1,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 1, 1);
    const x = need(node, ctx, inputs, 0);
    checkDtype(node, ctx, x.dtype, [...FLOAT_TYPES, 'int8', 'uint8'], 'X');
    if (node.outputs.length > 2) opFail(node, ctx, 'E_MODEL', `has ${node.outputs.length} outputs, at most 2`);
    const { shape } = plan(node, ctx, x.shape);
    return [{ dtype: x.dtype, shape }, { dtype: 'int64' as const, shape }].slice(0, node.outputs.length);
  },
  evaluate(node, inputs, ctx) {
    const x = need(node, ctx, inputs, 0);
    const { win, shape } = plan(node, ctx, x.shape);
    const spatial = x.shape.slice(2);
    const colMajor = attrInt(node, 'storage_order', 0, ctx) === 1;
    const arg = new Float64Array(numel(shape));
    let k = 0;
    const vals = pool(x, win, shape, (xs, base, taps, t0, Q) => {
      let best = -Infinity;
      let at = -1;
      for (let q = 0; q < Q; q++) {
        const off = taps[t0 + q];
        if (off >= 0 && (at < 0 || xs[base + off] > best)) { best = xs[base + off]; at = off; }
      }
      arg[k++] = base + (colMajor ? columnMajor(at, spatial) : at);
      return best;
    });
    return [fromFn(x.dtype, shape, (i) => vals[i]), fromFn('int64', shape, (i) => arg[i])].slice(0, node.outputs.length);
  },
};

const averagePool: OpSchema = {
  op: 'AveragePool',
  since: 1,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 1, 1);
    const x = need(node, ctx, inputs, 0);
    checkDtype(node, ctx, x.dtype, FLOAT_TYPES, 'X');
    return [{ dtype: x.dtype, shape: plan(node, ctx, x.shape).shape }];
  },
  evaluate(node, inputs, ctx) {
    const x = need(node, ctx, inputs, 0);
    const { win, shape } = plan(node, ctx, x.shape);
    const includePad = attrInt(node, 'count_include_pad', 0, ctx) === 1;
    const vals = pool(x, win, shape, (xs, base, taps, t0, Q) => {
      let sum = 0;
      let count = 0;
      for (let q = 0; q < Q; q++) {
        const off = taps[t0 + q];
        if (off >= 0) { sum += xs[base + off]; count++; } else if (off === IN_PAD && includePad) count++;
      }
      return count ? sum / count : 0;
    });
    return [fromFn(x.dtype, shape, (i) => vals[i])];
  },
};

const poolSchemas: OpSchema[] = [maxPool, averagePool];
