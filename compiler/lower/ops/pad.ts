// Pad (constant, reflect, edge) in any rank: out[i] = in[map(i - pad_begin)] or the constant.

import type { Expr } from '../../ir/loop.js';
import { bin, c, load, regTypeOf, sub, v } from '../../ir/loop.js';
import { AccelcError } from '../../errors.js';
import type { OpLowerer } from '../context.js';
import { axesOf } from '../index-math.js';
import { pointwiseKernel } from './elementwise.js';

export const lowerPad: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]), out = ctx.buf(node.outputs[0]);
  const rank = x.shape.length;
  const mode = (node.attrs.mode as string | undefined) ?? 'constant';
  let pads: number[];
  let value = 0;
  if (ctx.graph.opset < 11) {
    pads = node.attrs.pads as number[];
    value = (node.attrs.value as number | undefined) ?? 0;
  } else {
    const p = ctx.constOf(node.inputs[1]);
    if (!p) throw new AccelcError({ code: 'E_UNSUPPORTED', message: 'Pad pads must be constant', node: node.name, op: node.op, model: ctx.modelName });
    pads = Array.from(p, Number);
    const cv = node.inputs[2] ? ctx.constOf(node.inputs[2]) : undefined;
    if (cv && cv.length) value = Number(cv[0]);
    const ax = node.inputs[3] ? ctx.constOf(node.inputs[3]) : undefined;
    if (ax) {
      const full = new Array(2 * rank).fill(0), list = Array.from(ax, Number).map((a) => (a < 0 ? a + rank : a));
      list.forEach((a, k) => { full[a] = pads[k]; full[a + rank] = pads[k + list.length]; });
      pads = full;
    }
  }
  const t = regTypeOf(out.dtype);
  const axes = axesOf(out.shape);
  let inb: Expr | undefined;
  const idx = axes.map((a, d) => {
    const n = x.shape[d];
    const i = sub(v(a.name), c(pads[d]));
    if (mode === 'edge') return bin('min', bin('max', i, c(0)), c(n - 1));
    if (mode === 'reflect') {
      const lo: Expr = { k: 'select', c: bin('lt', i, c(0)), a: sub(c(0), i), b: i };
      return { k: 'select', c: bin('ge', lo, c(n)), a: sub(c(2 * n - 2), lo), b: lo } as Expr;
    }
    const ok = bin('and', bin('ge', i, c(0)), bin('lt', i, c(n)));
    inb = inb ? bin('and', inb, ok) : ok;
    return bin('min', bin('max', i, c(0)), c(n - 1));
  });
  let body = load(x.name, idx);
  // A constant_value computed at run time is read from its buffer.
  const runtimeValue = ctx.graph.opset >= 11 && node.inputs[2] && !ctx.constOf(node.inputs[2]) ? load(ctx.buf(node.inputs[2]).name, ctx.buf(node.inputs[2]).shape.map(() => c(0))) : undefined;
  if (inb) body = { k: 'select', c: inb, a: body, b: runtimeValue ?? { k: 'const', t, v: t === 'i64' ? BigInt(value) : value } };
  return [pointwiseKernel(node.name, { name: node.name, out: out.name, type: t, axes, body }, false)];
};
