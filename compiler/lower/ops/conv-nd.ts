// Convolutions the blocked 2-D lowering (conv.ts) does not take: any number of spatial dims, and
// weights computed at run time; and ConvTranspose. Direct loops: one reduction stage over input
// channels and kernel taps, taps outside the input contributing 0, bias and any fused epilogue
// applied to the sum. ConvTranspose gathers: output o takes input i where i*s - p + k*d = o.

import type { Expr } from '../../ir/loop.js';
import { add, bin, c, f, load, mul, sub, v } from '../../ir/loop.js';
import { ACC, type Axis, type ComputeDef } from '../../schedule/compute.js';
import { lowerStage } from '../../schedule/lower-stage.js';
import type { OpLowerer } from '../context.js';
import { epilogueOf } from '../epilogue.js';
import { lowerConv } from './conv.js';
import { tapCoords, windowNd } from './window-nd.js';
import { transposeGeometry } from '../../frontend/onnx/ops/conv-transpose.js';

const sel = (cond: Expr, a: Expr, b: Expr): Expr => ({ k: 'select', c: cond, a, b });
const names = (p: string, n: number) => Array.from({ length: n }, (_, i) => `${p}${i}`);

/** How a direct convolution reads and finishes: element transforms and the epilogue of the sum. */
interface ConvNdSpec {
  type: 'f32' | 'i32';
  /** Input and weight elements as they enter the product (zero points subtracted, say). */
  xOf?: (e: Expr) => Expr;
  wOf?: (e: Expr) => Expr;
  /** The output from the sum; m is the output channel. Default: sum + bias, then the fused epilogue. */
  finish?: (acc: Expr, m: Expr, outIdx: Expr[]) => Expr;
}

/** out[n, m, o...] = finish(sum over ci, k... of x[n, g*Cg + ci, o*s - p + k*d] * w[m, ci, k...]); taps outside add 0. */
function convNdStage(node: Parameters<OpLowerer>[0], ctx: Parameters<OpLowerer>[1], xName: string, wName: string, spec: ConvNdSpec) {
  const x = ctx.buf(xName), w = ctx.buf(wName), out = ctx.buf(node.outputs[0]);
  const ins = x.shape.slice(2), outs = out.shape.slice(2), kernel = w.shape.slice(2), n = ins.length;
  const group = (node.attrs.group as number | undefined) ?? 1;
  const [M, Cg] = w.shape, Mg = M / group;
  const win = windowNd(node, ins, outs, kernel);
  const o = names('o', n), k = names('k', n);
  const { clamped, inside } = tapCoords(win, ins, o.map((s) => v(s)), k.map((s) => v(s)));
  const ch = add(mul(bin('div', v('m'), c(Mg)), c(Cg)), v('ci'));
  const xe = (spec.xOf ?? ((e: Expr) => e))(load(x.name, [v('n'), ch, ...clamped]));
  const we = (spec.wOf ?? ((e: Expr) => e))(load(w.name, [v('m'), v('ci'), ...k.map((s) => v(s))]));
  const zero: Expr = { k: 'const', t: spec.type, v: 0 };
  const axes: Axis[] = [{ name: 'n', extent: x.shape[0] }, { name: 'm', extent: M }, ...o.map((name, i) => ({ name, extent: outs[i] }))];
  const red: Axis[] = [{ name: 'ci', extent: Cg }, ...k.map((name, i) => ({ name, extent: kernel[i] }))];
  const outIdx = axes.map((a) => v(a.name));
  const acc: Expr = { k: 'var', name: ACC };
  const def: ComputeDef = {
    name: node.name, out: out.name, type: spec.type, axes, reduce: { op: 'sum', axes: red }, body: sel(inside, mul(xe, we), zero),
    epilogue: spec.finish ? spec.finish(acc, v('m'), outIdx) : undefined,
  };
  const par = axes.find((a) => a.extent > 1);
  const flops = 2 * [...axes, ...red].reduce((a, x2) => a * x2.extent, 1);
  return [{ name: node.name, body: lowerStage(def, [{ p: 'cache_write', at: axes[axes.length - 1].name }, ...(par ? [{ p: 'parallel' as const, axis: par.name }] : [])]), flops }];
}

/** out = epilogue(sum + bias), the reduction over `red`, parallel over the batch or channels. */
function contraction(node: Parameters<OpLowerer>[0], ctx: Parameters<OpLowerer>[1], out: string, axes: Axis[], red: Axis[], body: Expr, bias: Expr | undefined, outIdx: Expr[]) {
  const def: ComputeDef = {
    name: node.name, out, type: 'f32', axes, reduce: { op: 'sum', axes: red }, body,
    epilogue: epilogueOf(node, ctx, bias ? add({ k: 'var', name: ACC }, bias) : { k: 'var', name: ACC }, outIdx),
  };
  const par = axes.find((a) => a.extent > 1);
  const flops = 2 * [...axes, ...red].reduce((a, x) => a * x.extent, 1);
  return [{ name: node.name, body: lowerStage(def, [{ p: 'cache_write', at: axes[axes.length - 1].name }, ...(par ? [{ p: 'parallel' as const, axis: par.name }] : [])]), flops }];
}

const lowerConvNd: OpLowerer = (node, ctx) => {
  const b = node.inputs[2] ? ctx.buf(node.inputs[2]) : undefined;
  return convNdStage(node, ctx, node.inputs[0], node.inputs[1], {
    type: 'f32',
    finish: (acc, m, outIdx) => epilogueOf(node, ctx, b ? add(acc, load(b.name, [m])) : acc, outIdx),
  });
};

/** Conv: the blocked 2-D lowering where it applies, the direct one otherwise. */
const lowerConvAny: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]);
  if (x.shape.length === 4 && ctx.constOf(node.inputs[1])) return lowerConv(node, ctx);
  return lowerConvNd(node, ctx);
};

const lowerConvTranspose: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]), w = ctx.buf(node.inputs[1]), out = ctx.buf(node.outputs[0]);
  const b = node.inputs[2] ? ctx.buf(node.inputs[2]) : undefined;
  const g = transposeGeometry(node, undefined, x.shape, w.shape);
  const ins = x.shape.slice(2), outs = out.shape.slice(2), kernel = w.shape.slice(2), n = ins.length;
  const [C, Mg] = w.shape, Cg = C / g.group;
  const o = names('o', n), k = names('k', n);
  // o + p - k*d = i*s: valid when non-negative, divisible by s, and i < in.
  const num = o.map((s, i) => sub(add(v(s), c(g.padsBegin[i])), mul(v(k[i]), c(g.dilations[i]))));
  const conds = num.map((e, i) => {
    const ok = bin('and', bin('ge', e, c(0)), bin('lt', e, c(ins[i] * g.strides[i])));
    return g.strides[i] === 1 ? ok : bin('and', ok, bin('eq', bin('rem', e, c(g.strides[i])), c(0)));
  });
  const idx = num.map((e, i) => bin('min', bin('max', g.strides[i] === 1 ? e : bin('div', e, c(g.strides[i])), c(0)), c(ins[i] - 1)));
  const inside = conds.reduce((a2, b2) => bin('and', a2, b2));
  const ch = add(mul(bin('div', v('m'), c(Mg)), c(Cg)), v('ci'));
  const body = sel(inside, mul(load(x.name, [v('n'), ch, ...idx]), load(w.name, [ch, bin('rem', v('m'), c(Mg)), ...k.map((s) => v(s))])), f(0));
  const axes: Axis[] = [{ name: 'n', extent: x.shape[0] }, { name: 'm', extent: out.shape[1] }, ...o.map((name, i) => ({ name, extent: outs[i] }))];
  const red: Axis[] = [{ name: 'ci', extent: Cg }, ...k.map((name, i) => ({ name, extent: kernel[i] }))];
  return contraction(node, ctx, out.name, axes, red, body, b && load(b.name, [v('m')]), axes.map((a) => v(a.name)));
};

export { convNdStage };
export type { ConvNdSpec };

export const CONV_ND_LOWERINGS: Record<string, OpLowerer> = {
  Conv: lowerConvAny,
  ConvTranspose: lowerConvTranspose,
};
