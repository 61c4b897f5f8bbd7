// Resize / Upsample as a separable tensor-product interpolation. Per resized axis, compile-time
// tables (computed in double precision, as ONNX's reference does) give each output index its taps:
// input indices (edge-clamped) and weights. nearest has one tap, linear two, cubic four; an axis
// that maps each index to itself has no table. The output element is
//   sum over tap combinations of (product of weights) * x[taps], or extrapolation_value when the
//   tf_crop_and_resize position falls outside the input on any axis.

import type { Node } from '../../ir/graph.js';
import type { Expr } from '../../ir/loop.js';
import { add, bin, f, load, mul, regTypeOf } from '../../ir/loop.js';
import type { LowerCtx, OpLowerer } from '../context.js';
import { axesOf, vars } from '../index-math.js';
import { pointwiseKernel } from './elementwise.js';
import { castTo } from './pointwise.js';

interface Sampling {
  mode: string; transform: string; nearest: string; cubicA: number; excludeOutside: boolean; extrapolation: number;
}

interface AxisTable { taps: number; idx: Int32Array; w: Float32Array; inside?: Float32Array }

function sampling(node: Node, opset: number, upsample: boolean): Sampling {
  const s = (k: string, d: string) => (typeof node.attrs[k] === 'string' ? node.attrs[k] as string : d);
  const n = (k: string, d: number) => (typeof node.attrs[k] === 'number' ? node.attrs[k] as number : d);
  const mode = s('mode', 'nearest');
  if (upsample || opset < 11) {
    // Upsample and Resize-10: asymmetric coordinates; nearest rounds down (up when downsampling, as onnxruntime).
    return { mode: mode === 'bilinear' ? 'linear' : mode, transform: 'asymmetric', nearest: 'floor', cubicA: -0.75, excludeOutside: false, extrapolation: 0 };
  }
  return {
    mode, transform: s('coordinate_transformation_mode', 'half_pixel'), nearest: s('nearest_mode', 'round_prefer_floor'),
    cubicA: n('cubic_coeff_a', -0.75), excludeOutside: n('exclude_outside', 0) === 1, extrapolation: n('extrapolation_value', 0),
  };
}

function coeffs(s: Sampling, ratio: number): number[] {
  if (s.mode === 'linear') return [1 - ratio, ratio];
  if (s.mode === 'cubic') {
    const A = s.cubicA, r1 = ratio + 1, q = 1 - ratio, q1 = q + 1;
    return [
      ((A * r1 - 5 * A) * r1 + 8 * A) * r1 - 4 * A,
      ((A + 2) * ratio - (A + 3)) * ratio * ratio + 1,
      ((A + 2) * q - (A + 3)) * q * q + 1,
      ((A * q1 - 5 * A) * q1 + 8 * A) * q1 - 4 * A,
    ];
  }
  if (ratio === 1) return [0, 1];
  switch (s.nearest) {
    case 'round_prefer_ceil': return [ratio < 0.5 ? 1 : 0, ratio >= 0.5 ? 1 : 0];
    case 'floor': return [1, 0];
    case 'ceil': return [0, 1];
    default: return [ratio <= 0.5 ? 1 : 0, ratio > 0.5 ? 1 : 0];
  }
}

/** The taps of one axis, or undefined when every output index samples exactly its own input index. */
function axisTable(s: Sampling, inLen: number, outLen: number, scale: number, roi: [number, number] | undefined, downsample10: boolean): AxisTable | undefined {
  const outW = scale * inLen;   // the reference uses the unrounded output width
  const rows: Array<{ idx: number[]; w: number[]; inside: boolean }> = [];
  for (let x = 0; x < outLen; x++) {
    let xo: number;
    switch (s.transform) {
      case 'align_corners': xo = outW === 1 ? 0 : (x * (inLen - 1)) / (outW - 1); break;
      case 'asymmetric': xo = x / scale; break;
      case 'pytorch_half_pixel': xo = outW === 1 ? -0.5 : (x + 0.5) / scale - 0.5; break;
      case 'tf_half_pixel_for_nn': xo = (x + 0.5) / scale; break;
      case 'tf_crop_and_resize': {
        const [a, b] = roi ?? [0, 1];
        xo = (outW === 1 ? ((b - a) * (inLen - 1)) / 2 : (x * (b - a) * (inLen - 1)) / (outW - 1)) + a * (inLen - 1);
        break;
      }
      default: xo = (x + 0.5) / scale - 0.5;
    }
    const inside = !(s.transform === 'tf_crop_and_resize' && (xo < 0 || xo > inLen - 1));
    const base = Number.isInteger(xo) ? xo - 1 : Math.floor(xo);
    const ratio = xo - base;
    let c = coeffs(s, ratio);
    if (s.mode === 'nearest' && downsample10) c = [0, 1];   // Resize-10 rounds up when downsampling
    const first = base - (c.length / 2 - 1);
    const taps = c.map((_, j) => first + j);
    if (s.excludeOutside) {
      c = c.map((w, j) => (taps[j] < 0 || taps[j] >= inLen ? 0 : w));
      const sum = c.reduce((a, b) => a + b, 0);
      c = c.map((w) => w / sum);
    }
    const clamped = taps.map((t) => Math.min(Math.max(t, 0), inLen - 1));
    if (s.mode === 'nearest') {
      const j = c.findIndex((w) => w === 1);
      rows.push({ idx: [clamped[j]], w: [1], inside });
    } else {
      rows.push({ idx: clamped, w: c, inside });
    }
  }
  const identity = outLen === inLen && rows.every((r, x) => r.inside && r.idx.every((i, j) => (i === x ? Math.abs(r.w[j] - 1) < 1e-12 : Math.abs(r.w[j]) < 1e-12 || r.idx[j] === x)));
  if (identity) return undefined;
  const taps = rows[0]?.idx.length ?? 1;
  const idx = new Int32Array(outLen * taps), w = new Float32Array(outLen * taps);
  rows.forEach((r, x) => r.idx.forEach((i, j) => { idx[x * taps + j] = i; w[x * taps + j] = r.w[j]; }));
  const inside = s.transform === 'tf_crop_and_resize' ? Float32Array.from(rows, (r) => (r.inside ? 1 : 0)) : undefined;
  return { taps, idx, w, inside };
}

function constNumbers(ctx: LowerCtx, name: string | undefined): number[] | undefined {
  if (!name) return undefined;
  const d = ctx.constOf(name);
  return d && d.length ? Array.from(d, Number) : undefined;
}

const lowerResize: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]), out = ctx.buf(node.outputs[0]);
  const r = x.shape.length, upsample = node.op === 'Upsample';
  const s = sampling(node, ctx.graph.opset, upsample);
  const modern = !upsample && ctx.graph.opset >= 11;
  const roi = modern ? constNumbers(ctx, node.inputs[1]) : undefined;
  const scalesIn = upsample && ctx.graph.opset < 9 ? node.attrs.scales as number[] : constNumbers(ctx, modern ? node.inputs[2] : node.inputs[1]);
  const scales = scalesIn && scalesIn.length === r ? scalesIn : x.shape.map((d, k) => out.shape[k] / d);
  const tables = x.shape.map((d, k) => axisTable(s, d, out.shape[k], scales[k], roi && [roi[k], roi[k + r]],
    !modern && !upsample && out.shape[k] < d));
  const axes = axesOf(out.shape), o = vars(axes);
  const bufs = tables.map((t, k) => t && {
    idx: ctx.weight(`${node.name}.idx${k}`, 'i32', [out.shape[k], t.taps], t.idx),
    w: ctx.weight(`${node.name}.w${k}`, 'f32', [out.shape[k], t.taps], t.w),
    inside: t.inside && ctx.weight(`${node.name}.in${k}`, 'f32', [out.shape[k]], t.inside),
  });
  // Sum over every combination of taps.
  const xt = regTypeOf(x.dtype);
  let terms: Array<{ idx: Expr[]; w?: Expr }> = [{ idx: [] }];
  tables.forEach((t, k) => {
    const b = bufs[k];
    if (!t || !b) { terms = terms.map((term) => ({ idx: [...term.idx, o[k]], w: term.w })); return; }
    terms = terms.flatMap((term) => Array.from({ length: t.taps }, (_, j) => {
      const w = load(b.w.name, [o[k], { k: 'const', t: 'i32', v: j }]);
      return { idx: [...term.idx, load(b.idx.name, [o[k], { k: 'const', t: 'i32', v: j }])], w: s.mode === 'nearest' ? term.w : term.w ? mul(term.w, w) : w };
    }));
  });
  let body = terms.map((term) => {
    const v = castTo(load(x.name, term.idx), xt, 'f32');
    return term.w ? mul(term.w, v) : v;
  }).reduce((a, b) => add(a, b));
  const insides = bufs.map((b, k) => b?.inside && load(b.inside.name, [o[k]])).filter((e): e is Expr => !!e);
  if (insides.length) {
    const all = insides.reduce((a, b) => mul(a, b));
    body = { k: 'select', c: bin('ne', all, f(0)), a: body, b: f(s.extrapolation) };
  }
  const ot = regTypeOf(out.dtype);
  const value = ot === 'f32' ? body : castTo({ k: 'un', op: 'round', a: body }, 'f32', ot);
  return [pointwiseKernel(node.name, { name: node.name, out: out.name, type: ot, axes, body: value }, false)];
};

export const RESIZE_LOWERINGS: Record<string, OpLowerer> = { Resize: lowerResize, Upsample: lowerResize };
