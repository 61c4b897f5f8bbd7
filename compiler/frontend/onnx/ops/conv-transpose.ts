// ConvTranspose: X [N, C, D1..Dn], W [C, M/group, k1..kn], optional B [M] -> Y [N, M, O1..On].
// Output dims: output_shape if given, else s*(d-1) + output_padding + (k-1)*dil + 1 - pads; with
// auto_pad SAME_* the output is d*s and the padding is split (SAME_UPPER: the smaller half first).
// `transposePads` gives the begin pads the lowering needs.

import type { Node } from '../../../ir/graph.js';
import type { OpCtx, OpSchema } from '../op-schema.js';
import { attrInt, attrInts, attrString } from './util/attrs.js';
import { FLOAT_TYPES, checkArity, checkDtype, need, opFail, sameDtype } from './util/check.js';

export { convTransposeSchemas, transposeGeometry };

interface Geometry { group: number; strides: number[]; dilations: number[]; kernel: number[]; padsBegin: number[]; out: number[] }

function transposeGeometry(node: Node, ctx: OpCtx | undefined, x: number[], w: number[]): Geometry {
  const n = x.length - 2;
  if (n < 1 || w.length !== x.length) opFail(node, ctx, 'E_SHAPE', `X [${x}] and W [${w}] must be [N, C, spatial...] and [C, M/group, kernel...]`);
  const group = attrInt(node, 'group', 1, ctx);
  if (group < 1 || w[0] !== x[1] || x[1] % group !== 0) opFail(node, ctx, 'E_SHAPE', `W [${w}] does not match X's ${x[1]} channels with group=${group}`);
  const list = (name: string, def: number) => {
    const v = attrInts(node, name, new Array<number>(n).fill(def), ctx);
    if (v.length !== n) opFail(node, ctx, 'E_MODEL', `${name} has ${v.length} values for ${n} spatial dims`);
    return v;
  };
  const kernel = attrInts(node, 'kernel_shape', w.slice(2), ctx);
  if (kernel.join() !== w.slice(2).join()) opFail(node, ctx, 'E_SHAPE', `kernel_shape [${kernel}] disagrees with W [${w}]`);
  const strides = list('strides', 1), dilations = list('dilations', 1), outPad = list('output_padding', 0);
  if ([...strides, ...dilations].some((v) => v < 1)) opFail(node, ctx, 'E_MODEL', 'strides and dilations must be positive');
  const autoPad = attrString(node, 'auto_pad', 'NOTSET', ctx);
  const span = kernel.map((k, i) => (k - 1) * dilations[i] + 1);
  const spatial = x.slice(2);
  const given = node.attrs.output_shape !== undefined ? attrInts(node, 'output_shape', undefined, ctx) : undefined;
  if (given && given.length !== n) opFail(node, ctx, 'E_MODEL', `output_shape has ${given.length} values for ${n} spatial dims`);
  let padsBegin: number[], out: number[];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    out = given ?? spatial.map((d, i) => d * strides[i]);
    const total = out.map((o, i) => strides[i] * (spatial[i] - 1) + outPad[i] + span[i] - o);
    padsBegin = total.map((t) => (autoPad === 'SAME_UPPER' ? Math.floor(t / 2) : t - Math.floor(t / 2)));
  } else if (autoPad === 'NOTSET' || autoPad === 'VALID') {
    const pads = autoPad === 'VALID' ? new Array<number>(2 * n).fill(0) : attrInts(node, 'pads', new Array<number>(2 * n).fill(0), ctx);
    if (pads.length !== 2 * n || pads.some((p) => p < 0)) opFail(node, ctx, 'E_MODEL', `pads [${pads}] must be ${2 * n} non-negative values`);
    padsBegin = pads.slice(0, n);
    out = given ?? spatial.map((d, i) => strides[i] * (d - 1) + outPad[i] + span[i] - pads[i] - pads[i + n]);
  } else {
    return opFail(node, ctx, 'E_MODEL', `unknown auto_pad '${autoPad}'`);
  }
  if (out.some((o) => !(o >= 1))) opFail(node, ctx, 'E_SHAPE', `output spatial dims [${out}] are empty`);
  return { group, strides, dilations, kernel, padsBegin, out: [x[0], w[1] * group, ...out] };
}

const convTransposeSchemas: OpSchema[] = [{
  op: 'ConvTranspose', since: 1,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 2, 3);
    const x = need(node, ctx, inputs, 0), w = need(node, ctx, inputs, 1);
    checkDtype(node, ctx, x.dtype, FLOAT_TYPES, 'X');
    const dtype = sameDtype(node, ctx, inputs.filter((v) => v !== undefined));
    const g = transposeGeometry(node, ctx, x.shape, w.shape);
    if (inputs[2] && inputs[2].shape.join() !== `${g.out[1]}`) opFail(node, ctx, 'E_SHAPE', `B must be [${g.out[1]}]`);
    return [{ dtype, shape: g.out }];
  },
}];
