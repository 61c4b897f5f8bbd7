// Unary, binary (numpy broadcasting), comparison, select and cast ops: one stage each,
// out[i...] = f(in0[bcast(i)], in1[bcast(i)], ...).

import type { Node } from '../../ir/graph.js';
import type { Expr, RegType } from '../../ir/loop.js';
import { bin, c, f, load, max, min, mul, add, regTypeOf } from '../../ir/loop.js';
import { AccelcError } from '../../errors.js';
import type { ComputeDef } from '../../schedule/compute.js';
import { lowerStage } from '../../schedule/lower-stage.js';
import type { LowerCtx, LoweredKernel, OpLowerer } from '../context.js';
import { pointwiseSchedule } from '../default-schedules.js';
import { axesOf, broadcastIndex, vars } from '../index-math.js';

type Fn = (x: Expr[], node: Node, ctx: LowerCtx, t: RegType) => Expr;

const zero = (t: RegType): Expr => ({ k: 'const', t, v: t === 'i64' ? 0n : 0 });
const num = (a: unknown, d: number) => (typeof a === 'number' ? a : d);

function scalarConst(node: Node, ctx: LowerCtx, i: number): number | undefined {
  const name = node.inputs[i];
  if (!name) return undefined;
  const data = ctx.constOf(name);
  if (!data) throw new AccelcError({ code: 'E_UNSUPPORTED', message: `input ${i} must be a compile-time constant`, node: node.name, op: node.op, model: ctx.modelName });
  return Number(data[0]);
}

const FNS: Record<string, Fn> = {
  Add: ([a, b]) => add(a, b),
  Sub: ([a, b]) => bin('sub', a, b),
  Mul: ([a, b]) => mul(a, b),
  Div: ([a, b]) => bin('div', a, b),
  Pow: ([a, b]) => ({ k: 'call', fn: 'pow', args: [a, b] }),
  Max: (xs) => xs.reduce((a, b) => max(a, b)),
  Min: (xs) => xs.reduce((a, b) => min(a, b)),
  Sum: (xs) => xs.reduce((a, b) => add(a, b)),
  Relu: ([x], _n, _c, t) => max(x, zero(t)),
  Neg: ([x]) => ({ k: 'un', op: 'neg', a: x }),
  Abs: ([x]) => ({ k: 'un', op: 'abs', a: x }),
  Sqrt: ([x]) => ({ k: 'un', op: 'sqrt', a: x }),
  Floor: ([x]) => ({ k: 'un', op: 'floor', a: x }),
  Ceil: ([x]) => ({ k: 'un', op: 'ceil', a: x }),
  Reciprocal: ([x]) => bin('div', f(1), x),
  Exp: ([x]) => ({ k: 'call', fn: 'exp', args: [x] }),
  Log: ([x]) => ({ k: 'call', fn: 'log', args: [x] }),
  Tanh: ([x]) => ({ k: 'call', fn: 'tanh', args: [x] }),
  Erf: ([x]) => ({ k: 'call', fn: 'erf', args: [x] }),
  Sigmoid: ([x]) => ({ k: 'call', fn: 'sigmoid', args: [x] }),
  HardSigmoid: ([x], n) => max(f(0), min(f(1), add(mul(f(num(n.attrs.alpha, 0.2)), x), f(num(n.attrs.beta, 0.5))))),
  HardSwish: ([x]) => mul(x, max(f(0), min(f(1), add(mul(f(1 / 6), x), f(0.5))))),
  LeakyRelu: ([x], n) => ({ k: 'select', c: bin('lt', x, f(0)), a: mul(x, f(num(n.attrs.alpha, 0.01))), b: x }),
  Clip: ([x], n, ctx, t) => {
    const lo = n.inputs.length > 1 ? scalarConst(n, ctx, 1) : (n.attrs.min as number | undefined);
    const hi = n.inputs.length > 2 ? scalarConst(n, ctx, 2) : (n.attrs.max as number | undefined);
    let e = x;
    if (lo !== undefined) e = max(e, { k: 'const', t, v: t === 'i64' ? BigInt(lo) : lo });
    if (hi !== undefined) e = min(e, { k: 'const', t, v: t === 'i64' ? BigInt(hi) : hi });
    return e;
  },
  Equal: ([a, b]) => sel01(bin('eq', a, b)),
  Less: ([a, b]) => sel01(bin('lt', a, b)),
  LessOrEqual: ([a, b]) => sel01(bin('le', a, b)),
  Greater: ([a, b]) => sel01(bin('gt', a, b)),
  GreaterOrEqual: ([a, b]) => sel01(bin('ge', a, b)),
  Not: ([a]) => sel01(bin('eq', a, c(0))),
  And: ([a, b]) => bin('and', a, b),
  Or: ([a, b]) => bin('or', a, b),
  Xor: ([a, b]) => bin('xor', a, b),
  Where: ([cond, a, b]) => ({ k: 'select', c: bin('ne', cond, c(0)), a, b }),
};

function sel01(cond: Expr): Expr {
  return { k: 'select', c: cond, a: c(1), b: c(0) };
}

export const ELEMENTWISE_OPS = Object.keys(FNS).concat(['Cast']);

/** The input values (by graph name) an elementwise op reads; Clip's bounds are folded. */
function dataInputs(node: Node): string[] {
  if (node.op === 'Clip') return [node.inputs[0]];
  return node.inputs.filter((n) => n !== '');
}

export const lowerElementwise: OpLowerer = (node, ctx) => {
  const out = ctx.buf(node.outputs[0]);
  const ins = dataInputs(node).map((n) => ctx.buf(n));
  const axes = axesOf(out.shape);
  const inType = regTypeOf(ins[node.op === 'Where' ? 1 : 0]?.dtype ?? out.dtype);
  const xs = ins.map((b) => load(b.name, broadcastIndex(b.shape, axes)));
  let body: Expr;
  if (node.op === 'Cast') body = { k: 'cast', t: regTypeOf(out.dtype), a: xs[0] };
  else body = FNS[node.op](xs, node, ctx, inType);
  return [pointwiseKernel(node.name, { name: node.name, out: out.name, type: regTypeOf(out.dtype), axes, body, outIndex: vars(axes) },
    [out.dtype, ...ins.map((b) => b.dtype)].every((d) => d === 'f32' || d === 'i32'))];
};

export function pointwiseKernel(name: string, def: ComputeDef, vectorizable: boolean): LoweredKernel {
  const n = def.axes.reduce((a, x) => a * x.extent, 1);
  return { name, body: lowerStage(def, pointwiseSchedule(def, vectorizable)), flops: n };
}

export const lowerBatchNorm: OpLowerer = (node, ctx) => {
  const [scale, bias, mean, variance] = node.inputs.slice(1).map((n) => ctx.constOf(n));
  const xb = ctx.buf(node.inputs[0]);
  if (!scale || !bias || !mean || !variance) throw new AccelcError({ code: 'E_UNSUPPORTED', message: 'BatchNormalization needs constant scale, bias, mean and variance', node: node.name, op: node.op, model: ctx.modelName });
  const eps = num(node.attrs.epsilon, 1e-5);
  const C = xb.shape[1];
  const a = new Float32Array(C), b = new Float32Array(C);
  for (let i = 0; i < C; i++) {
    a[i] = Number(scale[i]) / Math.sqrt(Number(variance[i]) + eps);
    b[i] = Number(bias[i]) - Number(mean[i]) * a[i];
  }
  const ab = ctx.weight(`${node.name}.a`, 'f32', [C], a), bb = ctx.weight(`${node.name}.b`, 'f32', [C], b);
  const out = ctx.buf(node.outputs[0]);
  const axes = axesOf(out.shape);
  const ci = [vars(axes)[1]];
  const body = add(mul(load(xb.name, vars(axes)), load(ab.name, ci)), load(bb.name, ci));
  return [pointwiseKernel(node.name, { name: node.name, out: out.name, type: 'f32', axes, body }, true)];
};

/** The scalar expression of one elementwise op applied to `args` (for fused expression trees). */
export function elementwiseExpr(node: Node, args: Expr[], ctx: LowerCtx, t: RegType): Expr {
  return FNS[node.op](node.op === 'Clip' ? args.slice(0, 1) : args, node, ctx, t);
}
