// Conv: X [N, C, D1..Dn], W [M, C/group, k1..kn], optional B [M] -> Y [N, M, O1..On].
// Attributes: auto_pad, dilations, group, kernel_shape (must agree with W), pads, strides.

import { numel, type Node } from '../../../ir/graph.js';
import type { OpCtx, OpSchema } from '../op-schema.js';
import { attrInt, attrInts } from './util/attrs.js';
import { FLOAT_TYPES, checkArity, checkDtype, need, opFail, sameDtype } from './util/check.js';
import { fromFn, toNumbers } from './util/tensor-data.js';
import { windowOf, windowOffsets, type Window } from './util/window.js';

export { convSchemas };

interface ConvPlan { group: number; win: Window; shape: number[] }

function plan(node: Node, ctx: OpCtx | undefined, x: number[], w: number[], b: number[] | undefined): ConvPlan {
  if (x.length < 3) opFail(node, ctx, 'E_SHAPE', `X must be [N, C, spatial...], got [${x}]`);
  if (w.length !== x.length) opFail(node, ctx, 'E_SHAPE', `W [${w}] must have the rank of X [${x}]`);
  const group = attrInt(node, 'group', 1, ctx);
  const [, c] = x;
  const [m, cg] = w;
  if (group < 1 || c !== cg * group) opFail(node, ctx, 'E_SHAPE', `X has ${c} channels but W [${w}] with group=${group} expects ${cg * group}`);
  if (m % group !== 0) opFail(node, ctx, 'E_SHAPE', `${m} output channels do not divide into group=${group}`);
  if (b && (b.length !== 1 || b[0] !== m)) opFail(node, ctx, 'E_SHAPE', `B must be [${m}], got [${b}]`);
  const kernel = attrInts(node, 'kernel_shape', w.slice(2), ctx);
  if (kernel.length !== w.length - 2 || kernel.some((k, i) => k !== w[i + 2])) {
    opFail(node, ctx, 'E_SHAPE', `kernel_shape [${kernel}] disagrees with W [${w}]`);
  }
  const win = windowOf(node, ctx, x.slice(2), kernel, false);
  return { group, win, shape: [x[0], m, ...win.out] };
}

const convSchemas: OpSchema[] = [{
  op: 'Conv',
  since: 1,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 2, 3);
    const x = need(node, ctx, inputs, 0);
    const w = need(node, ctx, inputs, 1);
    checkDtype(node, ctx, x.dtype, FLOAT_TYPES, 'X');
    const dtype = sameDtype(node, ctx, inputs.filter((v) => v !== undefined));
    return [{ dtype, shape: plan(node, ctx, x.shape, w.shape, inputs[2]?.shape).shape }];
  },
  evaluate(node, inputs, ctx) {
    const xT = need(node, ctx, inputs, 0);
    const wT = need(node, ctx, inputs, 1);
    const { group, win, shape } = plan(node, ctx, xT.shape, wT.shape, inputs[2]?.shape);
    const x = toNumbers(xT);
    const w = toNumbers(wT);
    const b = inputs[2] ? toNumbers(inputs[2]) : undefined;
    const [n, c] = xT.shape;
    const [m, cg] = wT.shape;
    const spatial = xT.shape.slice(2);
    const S = numel(spatial);
    const P = numel(win.out);
    const Q = numel(win.kernel);
    const taps = windowOffsets(spatial, win);
    const mg = m / group;
    const out = new Float64Array(numel(shape));
    for (let in_ = 0; in_ < n; in_++) {
      for (let om = 0; om < m; om++) {
        const g = Math.floor(om / mg);
        for (let p = 0; p < P; p++) {
          let acc = b ? b[om] : 0;
          for (let ic = 0; ic < cg; ic++) {
            const xBase = (in_ * c + g * cg + ic) * S;
            const wBase = (om * cg + ic) * Q;
            for (let q = 0; q < Q; q++) {
              const off = taps[p * Q + q];
              if (off >= 0) acc += x[xBase + off] * w[wBase + q];
            }
          }
          out[(in_ * m + om) * P + p] = acc;
        }
      }
    }
    return [fromFn(xT.dtype, shape, (i) => out[i])];
  },
}];
