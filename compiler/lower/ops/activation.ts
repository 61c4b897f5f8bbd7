// Activations and other float-pointwise ops computed in f32 (integer inputs converted, results
// converted back): Elu, Selu, Celu, ThresholdedRelu, Softplus, Softsign, Shrink, PRelu, Mean,
// Sign, Round, IsNaN, IsInf, CastLike, Clip (bounds as attributes, constants or run-time inputs).

import type { Node } from '../../ir/graph.js';
import type { Expr, RegType } from '../../ir/loop.js';
import { add, bin, f, max, min, mul, regTypeOf, sub } from '../../ir/loop.js';
import type { OpLowerer } from '../context.js';
import { konst, lowerMap } from './pointwise.js';

const num = (node: Node, name: string, d: number): number => (typeof node.attrs[name] === 'number' ? node.attrs[name] as number : d);
const call = (fn: 'exp' | 'log', x: Expr): Expr => ({ k: 'call', fn, args: [x] });
const sel = (c: Expr, a: Expr, b: Expr): Expr => ({ k: 'select', c, a, b });
const expm1 = (x: Expr): Expr => sub(call('exp', x), f(1));

type Body = (xs: Expr[], node: Node, t: RegType) => Expr;

const F32: Record<string, Body> = {
  Elu: ([x], n) => sel(bin('lt', x, f(0)), mul(f(num(n, 'alpha', 1)), expm1(x)), x),
  Selu: ([x], n) => mul(f(num(n, 'gamma', 1.05070102214813232421875)),
    sel(bin('le', x, f(0)), mul(f(num(n, 'alpha', 1.67326319217681884765625)), expm1(x)), x)),
  Celu: ([x], n) => {
    const a = num(n, 'alpha', 1);
    return add(max(x, f(0)), min(f(0), mul(f(a), expm1(mul(x, f(1 / a))))));
  },
  ThresholdedRelu: ([x], n) => sel(bin('gt', x, f(num(n, 'alpha', 1))), x, f(0)),
  Softplus: ([x]) => add(max(x, f(0)), call('log', add(f(1), call('exp', { k: 'un', op: 'neg', a: { k: 'un', op: 'abs', a: x } })))),
  Softsign: ([x]) => bin('div', x, add(f(1), { k: 'un', op: 'abs', a: x })),
  Shrink: ([x], n) => {
    const b = num(n, 'bias', 0), l = num(n, 'lambd', 0.5);
    return sel(bin('lt', x, f(-l)), add(x, f(b)), sel(bin('gt', x, f(l)), sub(x, f(b)), f(0)));
  },
  PRelu: ([x, s]) => sel(bin('lt', x, f(0)), mul(s, x), x),
  Mean: (xs) => mul(xs.reduce((a, b) => add(a, b)), f(1 / xs.length)),
  Round: ([x]) => ({ k: 'un', op: 'round', a: x }),
};

const floatOp = (body: Body): OpLowerer => (node, ctx) => lowerMap(node, ctx, (xs, t) => body(xs, node, t), { compute: 'f32' });

export const ACTIVATION_LOWERINGS: Record<string, OpLowerer> = {
  ...Object.fromEntries(Object.entries(F32).map(([op, body]) => [op, floatOp(body)])),
  // Integer PRelu and Sign keep their type.
  PRelu: (node, ctx) => {
    // Before opset 7 a 1-D slope of C values is per channel (axis 1).
    const x = ctx.buf(node.inputs[0]), slope = ctx.buf(node.inputs[1]);
    const perChannel = ctx.graph.opset < 7 && slope.shape.length === 1 && x.shape.length > 2 && slope.shape[0] === x.shape[1] && slope.shape[0] !== 1;
    const viewAs = perChannel ? [undefined, [x.shape[1], ...x.shape.slice(2).map(() => 1)]] : undefined;
    return lowerMap(node, ctx, ([a, s], t) => sel(bin('lt', a, konst(0, t)), mul(s, a), a), { viewAs });
  },
  Sign: (node, ctx) => lowerMap(node, ctx, ([x], t) => sel(bin('gt', x, konst(0, t)), konst(1, t), sel(bin('lt', x, konst(0, t)), konst(-1, t), konst(0, t)))),
  IsNaN: (node, ctx) => lowerMap(node, ctx, ([x]) => sel(bin('ne', x, x), { k: 'const', t: 'i32', v: 1 }, { k: 'const', t: 'i32', v: 0 }), { compute: 'f32', result: 'i32' }),
  IsInf: (node, ctx) => {
    const pos = num(node, 'detect_positive', 1) !== 0, neg = num(node, 'detect_negative', 1) !== 0;
    return lowerMap(node, ctx, ([x]) => {
      const hit = (v: number) => bin('eq', x, f(v));
      const c = pos && neg ? bin('or', hit(Infinity), hit(-Infinity)) : pos ? hit(Infinity) : neg ? hit(-Infinity) : { k: 'const' as const, t: 'i32' as const, v: 0 };
      return sel(c, { k: 'const', t: 'i32', v: 1 }, { k: 'const', t: 'i32', v: 0 });
    }, { compute: 'f32', result: 'i32' });
  },
  // Clip with min/max inputs computed at run time (scalars, broadcast); attributes before opset 11.
  Clip: (node, ctx) => {
    const t = regTypeOf(ctx.buf(node.inputs[0]).dtype);
    if (ctx.graph.opset < 11) {
      const lo = node.attrs.min as number | undefined, hi = node.attrs.max as number | undefined;
      return lowerMap(node, ctx, ([x]) => {
        const e = lo === undefined ? x : max(x, konst(lo, t));
        return hi === undefined ? e : min(e, konst(hi, t));
      }, { inputs: [node.inputs[0]], compute: t });
    }
    const present = node.inputs.map((n, i) => (i > 0 && n !== '' ? i : -1)).filter((i) => i > 0);
    return lowerMap(node, ctx, ([x, ...bounds]) => present.reduce((e, i, k) => (i === 1 ? max(e, bounds[k]) : min(e, bounds[k])), x),
      { inputs: [node.inputs[0], ...present.map((i) => node.inputs[i])], compute: t });
  },
  CastLike: (node, ctx) => {
    const from = regTypeOf(ctx.buf(node.inputs[0]).dtype), outBuf = ctx.buf(node.outputs[0]);
    // To bool: x != 0 (a plain conversion would truncate 0.5 to false).
    if (outBuf.dtype === 'u8' && ctx.graph.values.get(node.outputs[0])?.dtype === 'bool') {
      return lowerMap(node, ctx, ([x]) => sel(bin('ne', x, konst(0, from)), { k: 'const', t: 'i32', v: 1 }, { k: 'const', t: 'i32', v: 0 }),
        { inputs: [node.inputs[0]], compute: from, result: 'i32' });
    }
    return lowerMap(node, ctx, ([x]) => x, { inputs: [node.inputs[0]], compute: from });
  },
};
