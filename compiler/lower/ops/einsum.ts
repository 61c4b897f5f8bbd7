// Einsum as one stage: an axis per output label, a reduction axis per summed label, the body the
// product of the operands read at their labels (a repeated label is a diagonal; a size-1 dim of a
// broadcast label reads index 0).

import type { Expr } from '../../ir/loop.js';
import { c, load, mul, regTypeOf, v } from '../../ir/loop.js';
import type { Axis, ComputeDef } from '../../schedule/compute.js';
import { lowerStage } from '../../schedule/lower-stage.js';
import type { OpLowerer } from '../context.js';
import { parseEinsum } from '../../frontend/onnx/ops/einsum.js';
import { castTo } from './pointwise.js';

const varName = (l: string) => (l.startsWith('.') ? `e${l.slice(1)}` : `l_${l}`);

const lowerEinsum: OpLowerer = (node, ctx) => {
  const ins = node.inputs.map((n) => ctx.buf(n)), out = ctx.buf(node.outputs[0]);
  const plan = parseEinsum(node, undefined, ins.map((b) => b.shape));
  const t = regTypeOf(out.dtype);
  const body = ins.map((b, i) => {
    const idx: Expr[] = plan.inputs[i].map((l, k) => (b.shape[k] === 1 && plan.extents.get(l)! > 1 ? c(0) : v(varName(l))));
    return castTo(load(b.name, idx), regTypeOf(b.dtype), t);
  }).reduce((a, b) => mul(a, b));
  const axis = (l: string): Axis => ({ name: varName(l), extent: plan.extents.get(l)! });
  const axes = plan.output.length ? plan.output.map(axis) : [{ name: 'z', extent: 1 }];
  const outView = plan.output.length ? out : ctx.view(out, [1]);
  const def: ComputeDef = {
    name: node.name, out: outView.name, type: t, axes, body,
    outIndex: plan.output.length ? axes.map((a) => v(a.name)) : [c(0)],
    ...(plan.reduced.length ? { reduce: { op: 'sum' as const, axes: plan.reduced.map(axis) } } : {}),
  };
  const flops = [...axes, ...(def.reduce?.axes ?? [])].reduce((a, x) => a * x.extent, 1) * ins.length;
  return [{ name: node.name, body: lowerStage(def, def.reduce ? [{ p: 'cache_write', at: axes[axes.length - 1].name }] : []), flops }];
};

export const EINSUM_LOWERINGS: Record<string, OpLowerer> = { Einsum: lowerEinsum };
