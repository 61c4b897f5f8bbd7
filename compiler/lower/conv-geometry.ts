// Conv/pool attribute resolution: kernel, strides, dilations and explicit pads (auto_pad resolved).

import type { Node } from '../ir/graph.js';

export interface Geometry2d {
  kh: number; kw: number;
  sh: number; sw: number;
  dh: number; dw: number;
  pt: number; pl: number; pb: number; pr: number;
  oh: number; ow: number;
}

const ints = (a: unknown, d: number[]) => (Array.isArray(a) ? (a as number[]) : d);

export function geometry2d(node: Node, h: number, w: number, kernel: number[], ceilMode = false): Geometry2d {
  const [kh, kw] = kernel;
  const [sh, sw] = ints(node.attrs.strides, [1, 1]);
  const [dh, dw] = ints(node.attrs.dilations, [1, 1]);
  let [pt, pl, pb, pr] = ints(node.attrs.pads, [0, 0, 0, 0]);
  const autoPad = (node.attrs.auto_pad as string | undefined) ?? 'NOTSET';
  const ekh = (kh - 1) * dh + 1, ekw = (kw - 1) * dw + 1;
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const padH = Math.max(0, (Math.ceil(h / sh) - 1) * sh + ekh - h);
    const padW = Math.max(0, (Math.ceil(w / sw) - 1) * sw + ekw - w);
    const lowH = autoPad === 'SAME_UPPER' ? Math.floor(padH / 2) : Math.ceil(padH / 2);
    const lowW = autoPad === 'SAME_UPPER' ? Math.floor(padW / 2) : Math.ceil(padW / 2);
    [pt, pb, pl, pr] = [lowH, padH - lowH, lowW, padW - lowW];
  } else if (autoPad === 'VALID') {
    [pt, pl, pb, pr] = [0, 0, 0, 0];
  }
  const span = (n: number, p0: number, p1: number, e: number, s: number) => {
    const x = (n + p0 + p1 - e) / s;
    let o = (ceilMode ? Math.ceil(x) : Math.floor(x)) + 1;
    // ceil mode: the last window must start inside the input or the leading padding
    if (ceilMode && (o - 1) * s >= n + p0) o--;
    return o;
  };
  const oh = span(h, pt, pb, ekh, sh), ow = span(w, pl, pr, ekw, sw);
  return { kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, oh, ow };
}
