// Pad: opset 1 attribute `paddings`, 2-10 attribute `pads`, from 11 a constant int64 input
// (plus optional constant_value input, and from 18 an optional axes input). Layout:
// [begin_0, begin_1, ..., end_0, end_1, ...]; negative pads crop. Modes constant, reflect, edge
// (and wrap from 19).

import { numel, type Node, type Tensor } from '../../../ir/graph.js';
import type { OpCtx, OpSchema, StaticValue } from '../op-schema.js';
import { attrFloat, attrInts, attrString } from './util/attrs.js';
import { ALL_TYPES, checkArity, checkDtype, need, normAxes, opFail } from './util/check.js';
import { checkElementCount, constInts, gatherElems, strides } from './util/shape.js';
import { reader, tensorInts, type Elem } from './util/tensor-data.js';

export { padSchemas, padPlan };

type Mode = 'constant' | 'reflect' | 'edge' | 'wrap';

interface PadPlan { mode: Mode; begin: number[]; end: number[]; shape: number[] }

function padPlan(node: Node, ctx: OpCtx | undefined, inShape: number[], pads: number[], axes: number[] | undefined, mode: string, maxOpsetWrap: boolean): PadPlan {
  const r = inShape.length;
  if (!['constant', 'reflect', 'edge', ...(maxOpsetWrap ? ['wrap'] : [])].includes(mode)) {
    opFail(node, ctx, 'E_MODEL', `unknown pad mode '${mode}'`);
  }
  const ax = axes ? normAxes(node, ctx, axes, r) : Array.from({ length: r }, (_, k) => k);
  if (pads.length !== 2 * ax.length) opFail(node, ctx, 'E_MODEL', `pads has ${pads.length} values, expected ${2 * ax.length}`);
  const begin = new Array<number>(r).fill(0);
  const end = new Array<number>(r).fill(0);
  ax.forEach((a, k) => {
    begin[a] = pads[k];
    end[a] = pads[k + ax.length];
  });
  const shape = inShape.map((d, k) => d + begin[k] + end[k]);
  if (shape.some((d) => d < 0)) opFail(node, ctx, 'E_SHAPE', `pads [${pads}] crop [${inShape}] below zero`);
  inShape.forEach((d, k) => {
    const over = Math.max(begin[k], end[k]);
    if (over <= 0 || mode === 'constant') return;
    if (d === 0) opFail(node, ctx, 'E_SHAPE', `${mode} padding of an empty axis ${k}`);
    if (mode === 'reflect' && over >= d) opFail(node, ctx, 'E_SHAPE', `reflect pad ${over} on axis ${k} needs a dim > ${over}, got ${d}`);
  });
  checkElementCount(node, ctx, shape);
  return { mode: mode as Mode, begin, end, shape };
}

/** Input coordinate for output coordinate o along a dim of size d, or -1 for the constant fill. */
function source(mode: Mode, o: number, begin: number, d: number): number {
  let i = o - begin;
  if (i >= 0 && i < d) return i;
  switch (mode) {
    case 'constant': return -1;
    case 'edge': return i < 0 ? 0 : d - 1;
    case 'wrap': return ((i % d) + d) % d;
    case 'reflect':
      if (d === 1) return 0;
      while (i < 0 || i >= d) i = i < 0 ? -i : 2 * (d - 1) - i;
      return i;
  }
}

function applyPad(x: Tensor, plan: PadPlan, fill: Elem): Tensor {
  const st = strides(x.shape);
  const tables = plan.shape.map((n, k) => Int32Array.from({ length: n }, (_, o) => source(plan.mode, o, plan.begin[k], x.shape[k])));
  const map = new Int32Array(numel(plan.shape));
  const idx = new Array<number>(plan.shape.length).fill(0);
  for (let i = 0; i < map.length; i++) {
    let off = 0;
    for (let k = 0; k < idx.length; k++) {
      const s = tables[k][idx[k]];
      if (s < 0) { off = -1; break; }
      off += s * st[k];
    }
    map[i] = off;
    for (let k = idx.length - 1; k >= 0; k--) {
      if (++idx[k] < plan.shape[k]) break;
      idx[k] = 0;
    }
  }
  return gatherElems(x, map, plan.shape, fill);
}

function padAttrs(since: number): OpSchema {
  const padsName = since < 2 ? 'paddings' : 'pads';
  const plan = (node: Node, ctx: OpCtx | undefined, shape: number[]) =>
    padPlan(node, ctx, shape, attrInts(node, padsName, undefined, ctx), undefined, attrString(node, 'mode', 'constant', ctx), false);
  return {
    op: 'Pad', since, until: since < 2 ? 1 : 10,
    infer(node, inputs, ctx) {
      checkArity(node, ctx, 1, 1);
      const x = need(node, ctx, inputs, 0);
      checkDtype(node, ctx, x.dtype, ['float32', 'float64', 'float16'], 'data');
      return [{ dtype: x.dtype, shape: plan(node, ctx, x.shape).shape }];
    },
    evaluate(node, inputs, ctx) {
      const x = need(node, ctx, inputs, 0);
      return [applyPad(x, plan(node, ctx, x.shape), attrFloat(node, 'value', 0, ctx))];
    },
  };
}

function padInputs(since: number, until: number | undefined): OpSchema {
  const plan = (node: Node, ctx: OpCtx | undefined, shape: number[], read: (i: number) => number[] | undefined) =>
    padPlan(node, ctx, shape, read(1)!, since >= 18 ? read(3) : undefined, attrString(node, 'mode', 'constant', ctx), since >= 19);
  return {
    op: 'Pad', since, until,
    infer(node, inputs, ctx) {
      checkArity(node, ctx, 2, since >= 18 ? 4 : 3);
      const x = need(node, ctx, inputs, 0);
      checkDtype(node, ctx, x.dtype, ALL_TYPES, 'data');
      checkDtype(node, ctx, need(node, ctx, inputs, 1).dtype, ['int64'], 'pads');
      const v: StaticValue | undefined = inputs[2];
      if (v && (v.dtype !== x.dtype || numel(v.shape) !== 1)) {
        opFail(node, ctx, 'E_SHAPE', `constant_value must be one ${x.dtype}, got ${v.dtype} [${v.shape}]`);
      }
      const names = ['', 'pads input', '', 'axes input'];
      const read = (i: number) => (inputs[i] ? constInts(node, ctx, inputs[i]!, names[i]) : undefined);
      return [{ dtype: x.dtype, shape: plan(node, ctx, x.shape, read).shape }];
    },
    evaluate(node, inputs, ctx) {
      const x = need(node, ctx, inputs, 0);
      const read = (i: number) => (inputs[i] ? tensorInts(inputs[i]!) : undefined);
      const fill = inputs[2] ? reader(inputs[2])(0) : 0;
      return [applyPad(x, plan(node, ctx, x.shape, read), fill)];
    },
  };
}

const padSchemas: OpSchema[] = [padAttrs(1), padAttrs(2), padInputs(11, 17), padInputs(18, 18), padInputs(19, undefined)];
