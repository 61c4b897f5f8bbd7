// GridSample, 2-D, as PyTorch computes it: grid coordinates denormalized to pixel positions
// (align_corners: -1..1 spans the centers of the edge pixels; else their outer edges), positions
// outside the borders clamped (border) or reflected (reflection), then nearest (round half to
// even), bilinear (4 taps) or bicubic (16 taps, A = -0.75) sampling; each tap reads 0 outside the
// image (zeros), the clamped pixel (border) or the reflected one (reflection).

import type { Expr } from '../../ir/loop.js';
import { add, bin, c, f, load, max, min, mul, sub, v } from '../../ir/loop.js';
import type { OpLowerer } from '../context.js';
import { axesOf } from '../index-math.js';
import { pointwiseKernel } from './elementwise.js';

const sel = (cond: Expr, a: Expr, b: Expr): Expr => ({ k: 'select', c: cond, a, b });
const floor = (a: Expr): Expr => ({ k: 'un', op: 'floor', a });
const toInt = (a: Expr): Expr => ({ k: 'cast', t: 'i32', a });
const toFloat = (a: Expr): Expr => ({ k: 'cast', t: 'f32', a });

/** Reflect x into [lo, hi] by its nearest border, repeatedly (ONNX's _gs_reflect). */
function reflect(x: Expr, lo: number, hi: number): Expr {
  const range = hi - lo;
  if (range <= 0) return f(lo);
  const side = (dx: Expr, near: number, far: number, sign: 1 | -1) => {
    const n = floor(bin('div', dx, f(range)));
    const r = sub(dx, mul(n, f(range)));
    const even = bin('eq', sub(n, mul(floor(mul(n, f(0.5))), f(2))), f(0));
    return sign === 1 ? sel(even, add(f(near), r), sub(f(far), r)) : sel(even, sub(f(near), r), add(f(far), r));
  };
  return sel(bin('lt', x, f(lo)), side(sub(f(lo), x), lo, hi, 1), sel(bin('gt', x, f(hi)), side(sub(x, f(hi)), hi, lo, -1), x));
}

function cubicCoeffs(t: Expr): Expr[] {
  const A = -0.75, t1 = add(t, f(1)), u = sub(f(1), t), u1 = sub(f(2), t);
  return [
    sub(mul(add(mul(sub(mul(f(A), t1), f(5 * A)), t1), f(8 * A)), t1), f(4 * A)),
    add(mul(mul(sub(mul(f(A + 2), t), f(A + 3)), t), t), f(1)),
    add(mul(mul(sub(mul(f(A + 2), u), f(A + 3)), u), u), f(1)),
    sub(mul(add(mul(sub(mul(f(A), u1), f(5 * A)), u1), f(8 * A)), u1), f(4 * A)),
  ];
}

const lowerGridSample: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]), grid = ctx.buf(node.inputs[1]), out = ctx.buf(node.outputs[0]);
  const [, , H, W] = x.shape;
  const mode = (node.attrs.mode as string | undefined) ?? 'bilinear', padding = (node.attrs.padding_mode as string | undefined) ?? 'zeros';
  const align = node.attrs.align_corners === 1;
  const axes = axesOf(out.shape, 'o');
  const [n, ch, oh, ow] = axes.map((a) => v(a.name));
  const denorm = (g: Expr, len: number) => (align ? mul(mul(add(g, f(1)), f(0.5)), f(len - 1)) : mul(sub(mul(add(g, f(1)), f(len)), f(1)), f(0.5)));
  const border = (len: number): [number, number] => (align ? [0, len - 1] : [-0.5, len - 0.5]);
  const place = (p: Expr, len: number) => {
    const [lo, hi] = border(len);
    if (padding === 'border') return min(max(p, f(0)), f(len - 1));
    if (padding === 'reflection') return reflect(p, lo, hi);
    return p;
  };
  let px = place(denorm(load(grid.name, [n, oh, ow, c(0)]), W), W);
  let py = place(denorm(load(grid.name, [n, oh, ow, c(1)]), H), H);
  /** The pixel at integer position (iy, ix) under the padding mode. */
  const pixel = (iy: Expr, ix: Expr): Expr => {
    if (padding === 'zeros') {
      const inside = bin('and', bin('and', bin('ge', ix, c(0)), bin('lt', ix, c(W))), bin('and', bin('ge', iy, c(0)), bin('lt', iy, c(H))));
      return sel(inside, load(x.name, [n, ch, min(max(iy, c(0)), c(H - 1)), min(max(ix, c(0)), c(W - 1))]), f(0));
    }
    if (padding === 'border') return load(x.name, [n, ch, min(max(iy, c(0)), c(H - 1)), min(max(ix, c(0)), c(W - 1))]);
    const ry = toInt(reflect(toFloat(iy), ...border(H))), rx = toInt(reflect(toFloat(ix), ...border(W)));
    return load(x.name, [n, ch, min(max(ry, c(0)), c(H - 1)), min(max(rx, c(0)), c(W - 1))]);
  };
  let body: Expr;
  if (mode === 'nearest') {
    px = { k: 'un', op: 'round', a: px };
    py = { k: 'un', op: 'round', a: py };
    body = pixel(toInt(py), toInt(px));
  } else {
    const x0 = floor(px), y0 = floor(py), tx = sub(px, x0), ty = sub(py, y0);
    const [wx, wy, first] = mode === 'bicubic' ? [cubicCoeffs(tx), cubicCoeffs(ty), -1] : [[sub(f(1), tx), tx], [sub(f(1), ty), ty], 0];
    const ix0 = toInt(x0), iy0 = toInt(y0);
    const terms: Expr[] = [];
    wy.forEach((a, j) => wx.forEach((b, i) => {
      terms.push(mul(mul(a, b), pixel(add(iy0, c(first + j)), add(ix0, c(first + i)))));
    }));
    body = terms.reduce((s, t) => add(s, t));
  }
  return [pointwiseKernel(node.name, { name: node.name, out: out.name, type: 'f32', axes, body }, false)];
};

export const GRID_SAMPLE_LOWERINGS: Record<string, OpLowerer> = { GridSample: lowerGridSample };
