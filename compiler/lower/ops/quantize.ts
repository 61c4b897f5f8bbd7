// Linear quantization: QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, MatMulInteger,
// ConvInteger, QLinearMatMul, QLinearConv. Arithmetic is f32 (exact for the 8-bit products and
// their sums up to 2^24) or i32 (the *Integer ops); quantized results are
// clamp(round_half_even(v) + zero_point) to the output type's range.

import type { Node } from '../../ir/graph.js';
import type { Buf, Expr, RegType } from '../../ir/loop.js';
import { add, bin, c, f, load, max, min, mul, regTypeOf, sub, v } from '../../ir/loop.js';
import { ACC, type Axis, type ComputeDef } from '../../schedule/compute.js';
import { lowerStage } from '../../schedule/lower-stage.js';
import type { LowerCtx, LoweredKernel, OpLowerer } from '../context.js';
import { axesOf, broadcastIndex } from '../index-math.js';
import { castTo, lowerMap } from './pointwise.js';
import { convNdStage } from './conv-nd.js';

const round = (a: Expr): Expr => ({ k: 'un', op: 'round', a });
const stage = (def: ComputeDef): LoweredKernel => ({ name: def.name, body: lowerStage(def, []), flops: [...def.axes, ...(def.reduce?.axes ?? [])].reduce((a, x) => a * x.extent, 1) });

/** The quantized range of a storage type (uint8 or int8). */
function range(b: Buf): [number, number] {
  return b.dtype === 'i8' ? [-128, 127] : [0, 255];
}

/** clamp(round(v) + zp) to the output's range, as f32. */
export function quantizeExpr(value: Expr, zp: Expr | undefined, [lo, hi]: [number, number]): Expr {
  const q = zp ? add(round(value), zp) : round(value);
  return min(max(q, f(lo)), f(hi));
}

/** A scalar parameter (scale or zero point) as f32, or undefined when omitted. */
function scalarParam(ctx: LowerCtx, name: string | undefined): Expr | undefined {
  if (!name) return undefined;
  const b = ctx.buf(name);
  return castTo(load(b.name, b.shape.map(() => c(0))), regTypeOf(b.dtype), 'f32');
}

/** Per-axis parameters are viewed [C, 1, ...] to broadcast along `axis`; per-tensor ones stay scalars. */
function paramViews(node: Node, ctx: LowerCtx): Array<number[] | undefined> {
  const x = ctx.buf(node.inputs[0]), s = ctx.buf(node.inputs[1]);
  const n = s.shape.reduce((a, b) => a * b, 1), r = x.shape.length;
  if (n === 1 || ctx.graph.opset < 13) return [];
  const a = (node.attrs.axis as number | undefined) ?? 1, axis = a < 0 ? a + r : a;
  const view = [x.shape[axis], ...new Array<number>(r - axis - 1).fill(1)];
  return [undefined, view, view];
}

const lowerQuantize: OpLowerer = (node, ctx) => {
  const out = ctx.buf(node.outputs[0]);
  return lowerMap(node, ctx, ([x, s, zp]) => quantizeExpr(bin('div', x, s), zp, range(out)), { compute: 'f32', viewAs: paramViews(node, ctx) });
};

const lowerDequantize: OpLowerer = (node, ctx) =>
  lowerMap(node, ctx, ([x, s, zp]) => mul(zp ? sub(x, zp) : x, s), { compute: 'f32', viewAs: paramViews(node, ctx) });

const lowerDynamicQuantize: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]), [y, ys, yzp] = node.outputs.map((o) => (o ? ctx.buf(o) : undefined));
  const n = x.shape.reduce((a, b) => a * b, 1);
  const flat = ctx.view(x, [n]);
  const mn = ctx.temp(`${node.name}.min`, 'f32', [1]), mx = ctx.temp(`${node.name}.max`, 'f32', [1]);
  const scale = ys ? ctx.view(ys, [1]) : ctx.temp(`${node.name}.scale`, 'f32', [1]);
  const zp = yzp ? ctx.view(yzp, [1]) : ctx.temp(`${node.name}.zp`, 'u8', [1]);
  const one = [{ name: 'z', extent: 1 }], all = { axes: [{ name: 'i', extent: n }] }, at = [c(0)];
  const xi = load(flat.name, [v('i')]);
  const lo = min(load(mn.name, at), f(0)), hi = max(load(mx.name, at), f(0));
  const kernels = [
    stage({ name: `${node.name}.min`, out: mn.name, type: 'f32', axes: one, reduce: { op: 'min', ...all }, body: xi, outIndex: at }),
    stage({ name: `${node.name}.max`, out: mx.name, type: 'f32', axes: one, reduce: { op: 'max', ...all }, body: xi, outIndex: at }),
    stage({ name: `${node.name}.scale`, out: scale.name, type: 'f32', axes: one, body: bin('div', sub(hi, lo), f(255)), outIndex: at }),
    stage({ name: `${node.name}.zp`, out: zp.name, type: 'i32', axes: one, outIndex: at,
      body: { k: 'cast', t: 'i32', a: min(max(round(sub(f(0), bin('div', lo, load(scale.name, at)))), f(0)), f(255)) } }),
  ];
  if (y) {
    const axes = axesOf([n]);
    const yv = ctx.view(y, [n]);
    const q = quantizeExpr(bin('div', load(flat.name, [v('i0')]), load(scale.name, at)), castTo(load(zp.name, at), 'i32', 'f32'), [0, 255]);
    kernels.push(stage({ name: `${node.name}.quantize`, out: yv.name, type: 'i32', axes, body: { k: 'cast', t: 'i32', a: q } }));
  }
  return kernels;
};

/** out[batch..., i, j] = finish(sum over k of a(A[..., i, k]) * b(B[..., k, j])), numpy batch broadcasting. */
function matmulStage(node: Node, ctx: LowerCtx, t: RegType, aOf: (e: Expr) => Expr, bOf: (e: Expr) => Expr, finish?: (acc: Expr) => Expr): LoweredKernel {
  const A = ctx.buf(node.inputs[0]), B = ctx.buf(node.inputs[node.op === 'QLinearMatMul' ? 3 : 1]), out = ctx.buf(node.outputs[0]);
  const K = A.shape[A.shape.length - 1];
  const axes: Axis[] = axesOf(out.shape);
  const r = axes.length, batch = axes.slice(0, r - 2);
  const [i, j] = [v(axes[r - 2].name), v(axes[r - 1].name)];
  const idx = (b: Buf, last: Expr[]) => [...broadcastIndex(b.shape.slice(0, -2), batch), ...last];
  const body = mul(aOf(castTo(load(A.name, idx(A, [i, v('k')])), regTypeOf(A.dtype), t)), bOf(castTo(load(B.name, idx(B, [v('k'), j])), regTypeOf(B.dtype), t)));
  // Accumulate in a register (cache_write): the output may be of another type than the sum.
  const def: ComputeDef = { name: node.name, out: out.name, type: t, axes, reduce: { op: 'sum', axes: [{ name: 'k', extent: K }] }, body,
    epilogue: finish?.({ k: 'var', name: ACC }) };
  return { name: node.name, body: lowerStage(def, [{ p: 'cache_write', at: axes[r - 1].name }]), flops: 2 * K * axes.reduce((a, x) => a * x.extent, 1) };
}

/** A zero point as a value of type t (0 when omitted). */
function zeroPoint(ctx: LowerCtx, name: string | undefined, t: RegType): Expr {
  const z = scalarParam(ctx, name);
  return z ? castTo(z, 'f32', t) : { k: 'const', t, v: 0 };
}

const lowerMatMulInteger: OpLowerer = (node, ctx) => {
  const az = zeroPoint(ctx, node.inputs[2], 'i32'), bz = zeroPoint(ctx, node.inputs[3], 'i32');
  return [matmulStage(node, ctx, 'i32', (e) => sub(e, az), (e) => sub(e, bz))];
};

const lowerQLinearMatMul: OpLowerer = (node, ctx) => {
  const [as, az, , bs, bz, ys, yz] = [1, 2, 3, 4, 5, 6, 7].map((i) => scalarParam(ctx, node.inputs[i]));
  const out = ctx.buf(node.outputs[0]);
  const rescale = bin('div', mul(as!, bs!), ys!);
  return [matmulStage(node, ctx, 'f32', (e) => sub(e, az!), (e) => sub(e, bz!),
    (acc) => { return { k: 'cast', t: 'i32', a: quantizeExpr(mul(acc, rescale), yz, range(out)) } as Expr; })];
};

const lowerConvInteger: OpLowerer = (node, ctx) => {
  const xz = zeroPoint(ctx, node.inputs[2], 'i32'), wz = zeroPoint(ctx, node.inputs[3], 'i32');
  return convNdStage(node, ctx, node.inputs[0], node.inputs[1], {
    type: 'i32', xOf: (e) => sub(castTo(e, 'i32', 'i32'), xz), wOf: (e) => sub(e, wz),
  });
};

/** w_scale / w_zero_point: one value, or one per output channel m. */
function perChannel(ctx: LowerCtx, name: string, m: Expr): Expr {
  const b = ctx.buf(name), n = b.shape.reduce((a, x) => a * x, 1);
  const flat = ctx.view(b, [n]);
  return castTo(load(flat.name, [n === 1 ? c(0) : m]), regTypeOf(b.dtype), 'f32');
}

const lowerQLinearConv: OpLowerer = (node, ctx) => {
  const [xs, xz, , , , ys, yz] = [1, 2, 3, 4, 5, 6, 7].map((i) => (i === 3 || i === 4 || i === 5 ? undefined : scalarParam(ctx, node.inputs[i])));
  const out = ctx.buf(node.outputs[0]);
  const bias = node.inputs[8] ? ctx.buf(node.inputs[8]) : undefined;
  return convNdStage(node, ctx, node.inputs[0], node.inputs[3], {
    type: 'f32',
    xOf: (e) => sub(castTo(e, 'i32', 'f32'), xz!),
    wOf: (e) => sub(castTo(e, 'i32', 'f32'), perChannel(ctx, node.inputs[5], v('m'))),
    finish: (acc, m) => {
      const sum = bias ? add(acc, castTo(load(bias.name, [m]), 'i32', 'f32')) : acc;
      const rescale = bin('div', mul(xs!, perChannel(ctx, node.inputs[4], m)), ys!);
      return { k: 'cast', t: 'i32', a: quantizeExpr(mul(sum, rescale), yz, range(out)) };
    },
  });
};

export const QUANTIZE_LOWERINGS: Record<string, OpLowerer> = {
  QuantizeLinear: lowerQuantize,
  DequantizeLinear: lowerDequantize,
  DynamicQuantizeLinear: lowerDynamicQuantize,
  MatMulInteger: lowerMatMulInteger,
  QLinearMatMul: lowerQLinearMatMul,
  ConvInteger: lowerConvInteger,
  QLinearConv: lowerQLinearConv,
};
