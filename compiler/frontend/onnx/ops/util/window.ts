// Sliding-window geometry shared by Conv, MaxPool and AveragePool: reads kernel/strides/dilations/
// pads/auto_pad/ceil_mode, resolves auto_pad into explicit pads and computes output spatial dims.

import type { Node } from '../../../../ir/graph.js';
import type { OpCtx } from '../../op-schema.js';
import { attrInts, attrString } from './attrs.js';
import { opFail } from './check.js';

export type { Window };
export { windowOf, windowOffsets, IN_PAD, OUTSIDE };

interface Window {
  kernel: number[];
  strides: number[];
  dilations: number[];
  padsBegin: number[];
  padsEnd: number[];
  /** Output spatial dims. */
  out: number[];
}

function windowOf(node: Node, ctx: OpCtx | undefined, spatial: number[], kernel: number[], ceilMode: boolean): Window {
  const n = spatial.length;
  const list = (name: string, def: number) => {
    const v = attrInts(node, name, new Array<number>(n).fill(def), ctx);
    if (v.length !== n) opFail(node, ctx, 'E_MODEL', `${name} has ${v.length} values for ${n} spatial dims`);
    return v;
  };
  if (kernel.length !== n) opFail(node, ctx, 'E_MODEL', `kernel_shape has ${kernel.length} values for ${n} spatial dims`);
  if (kernel.some((k) => k < 1)) opFail(node, ctx, 'E_MODEL', `kernel_shape [${kernel}] must be positive`);
  const strides = list('strides', 1);
  const dilations = list('dilations', 1);
  if (strides.some((s) => s < 1) || dilations.some((d) => d < 1)) opFail(node, ctx, 'E_MODEL', 'strides and dilations must be positive');
  const autoPad = attrString(node, 'auto_pad', 'NOTSET', ctx);
  const span = kernel.map((k, i) => (k - 1) * dilations[i] + 1);
  let padsBegin: number[];
  let padsEnd: number[];
  let out: number[];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    out = spatial.map((d, i) => Math.ceil(d / strides[i]));
    const total = out.map((o, i) => Math.max(0, (o - 1) * strides[i] + span[i] - spatial[i]));
    const small = total.map((t) => Math.floor(t / 2));
    padsBegin = autoPad === 'SAME_UPPER' ? small : total.map((t, i) => t - small[i]);
    padsEnd = total.map((t, i) => t - padsBegin[i]);
  } else if (autoPad === 'VALID' || autoPad === 'NOTSET') {
    const pads = autoPad === 'VALID' ? new Array<number>(2 * n).fill(0) : attrInts(node, 'pads', new Array<number>(2 * n).fill(0), ctx);
    if (pads.length !== 2 * n) opFail(node, ctx, 'E_MODEL', `pads has ${pads.length} values, expected ${2 * n}`);
    if (pads.some((p) => p < 0)) opFail(node, ctx, 'E_MODEL', `pads [${pads}] must be non-negative`);
    padsBegin = pads.slice(0, n);
    padsEnd = pads.slice(n);
    out = spatial.map((d, i) => {
      const room = d + padsBegin[i] + padsEnd[i] - span[i];
      if (room < 0) return 0;
      let o = (ceilMode ? Math.ceil(room / strides[i]) : Math.floor(room / strides[i])) + 1;
      if (ceilMode && (o - 1) * strides[i] >= d + padsBegin[i]) o--; // last window must start inside
      return o;
    });
  } else {
    return opFail(node, ctx, 'E_MODEL', `unknown auto_pad '${autoPad}'`);
  }
  if (out.some((o) => o < 1)) {
    opFail(node, ctx, 'E_SHAPE', `input spatial dims [${spatial}] are too small for kernel [${kernel}] (dilations [${dilations}], pads [${padsBegin},${padsEnd}])`);
  }
  return { kernel, strides, dilations, padsBegin, padsEnd, out };
}

/** Marks a window tap that falls in explicit padding. */
const IN_PAD = -1;
/** Marks a tap beyond the padding (ceil_mode overhang). */
const OUTSIDE = -2;

/**
 * For output position p (flat over out dims) and kernel tap q (flat over kernel dims), the flat
 * offset of the input element in the spatial plane, or IN_PAD / OUTSIDE. Size P*Q.
 */
function windowOffsets(spatial: number[], w: Window): Int32Array {
  const n = spatial.length;
  const P = w.out.reduce((a, b) => a * b, 1);
  const Q = w.kernel.reduce((a, b) => a * b, 1);
  const table = new Int32Array(P * Q);
  const o = new Array<number>(n).fill(0);
  for (let p = 0; p < P; p++) {
    const k = new Array<number>(n).fill(0);
    for (let q = 0; q < Q; q++) {
      let off = 0;
      let mark = 0;
      for (let i = 0; i < n; i++) {
        const x = o[i] * w.strides[i] - w.padsBegin[i] + k[i] * w.dilations[i];
        if (x < 0 || x >= spatial[i]) {
          const inPad = x >= -w.padsBegin[i] && x < spatial[i] + w.padsEnd[i];
          mark = mark === OUTSIDE || !inPad ? OUTSIDE : IN_PAD;
        }
        off = off * spatial[i] + x;
      }
      table[p * Q + q] = mark < 0 ? mark : off;
      for (let i = n - 1; i >= 0; i--) {
        if (++k[i] < w.kernel[i]) break;
        k[i] = 0;
      }
    }
    for (let i = n - 1; i >= 0; i--) {
      if (++o[i] < w.out[i]) break;
      o[i] = 0;
    }
  }
  return table;
}
