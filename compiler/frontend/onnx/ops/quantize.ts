// Quantization (uint8/int8 linear quantization, opset 10/11/13):
//   QuantizeLinear      y = saturate(round_half_even(x / scale) + zero_point), per tensor or per
//                       `axis` (13) with 1-D scale and zero point; y's type is the zero point's (uint8 default)
//   DequantizeLinear    y = (x - zero_point) * scale, float32
//   DynamicQuantizeLinear  uint8 y with scale = (max(0, max x) - min(0, min x)) / 255 and its zero point
//   MatMulInteger, ConvInteger   int32 results of (a - a_zero_point) and (b - b_zero_point)
//   QLinearMatMul, QLinearConv   the same product, rescaled and quantized to y's scale and zero point

import type { DType, Node, Tensor } from '../../../ir/graph.js';
import type { OpCtx, OpSchema, StaticValue } from '../op-schema.js';
import { attrInt } from './util/attrs.js';
import { checkArity, checkDtype, need, normAxis, opFail } from './util/check.js';
import { roundHalfEven } from './rounding.js';
import { matmulShape } from './matmul.js';
import { windowOf } from './util/window.js';
import { fromFn, toNumbers } from './util/tensor-data.js';
import { attrInts } from './util/attrs.js';

export { quantizeSchemas, QUANT_RANGE };

const Q8: readonly DType[] = ['uint8', 'int8'];
const QUANT_RANGE: Record<string, [number, number]> = { uint8: [0, 255], int8: [-128, 127] };

/** Per-axis (1-D scale of the axis' size) or per-tensor (scalar) parameters: the axis, or -1. */
function paramAxis(node: Node, ctx: OpCtx | undefined, x: number[], scale: number[], since: number): number {
  const n = scale.reduce((a, b) => a * b, 1);
  if (scale.length === 0 || (scale.length === 1 && n === 1 && (since < 13 || x.length === 0))) return -1;
  if (since < 13 || scale.length !== 1) opFail(node, ctx, 'E_SHAPE', `scale must be a scalar${since >= 13 ? ' or 1-D' : ''}, got [${scale}]`);
  const axis = normAxis(node, ctx, attrInt(node, 'axis', 1, ctx), x.length);
  if (scale[0] !== x[axis]) {
    if (n === 1) return -1;
    opFail(node, ctx, 'E_SHAPE', `scale [${scale}] does not match axis ${axis} of [${x}]`);
  }
  return axis;
}

function checkParams(node: Node, ctx: OpCtx, x: StaticValue, scale: StaticValue, zp: StaticValue | undefined, since: number): number {
  checkDtype(node, ctx, scale.dtype, ['float32'], 'scale');
  const axis = paramAxis(node, ctx, x.shape, scale.shape, since);
  if (zp && zp.shape.join() !== scale.shape.join() && zp.shape.reduce((a, b) => a * b, 1) !== scale.shape.reduce((a, b) => a * b, 1)) {
    opFail(node, ctx, 'E_SHAPE', `zero point [${zp.shape}] must match scale [${scale.shape}]`);
  }
  return axis;
}

function perElement(x: Tensor, axis: number, params: Float64Array | undefined): (i: number) => number {
  if (!params) return () => 0;
  if (axis < 0) return () => params[0];
  const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1), len = x.shape[axis];
  return (i) => params[Math.floor(i / inner) % len];
}

const quantize = (since: number, until: number | undefined): OpSchema => ({
  op: 'QuantizeLinear', since, until,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 2, 3);
    const x = need(node, ctx, inputs, 0), s = need(node, ctx, inputs, 1), zp = inputs[2];
    checkDtype(node, ctx, x.dtype, ['float32', 'int32'], 'x');
    if (zp) checkDtype(node, ctx, zp.dtype, Q8, 'y_zero_point');
    checkParams(node, ctx, x, s, zp, since);
    return [{ dtype: zp?.dtype ?? 'uint8', shape: x.shape }];
  },
  evaluate(node, inputs, ctx) {
    const x = need(node, ctx, inputs, 0), s = need(node, ctx, inputs, 1), zp = inputs[2];
    const axis = paramAxis(node, ctx, x.shape, s.shape, since);
    const dtype = zp?.dtype ?? 'uint8', [lo, hi] = QUANT_RANGE[dtype];
    const v = toNumbers(x), sc = perElement(x, axis, toNumbers(s)), z = perElement(x, axis, zp && toNumbers(zp));
    return [fromFn(dtype, x.shape, (i) => Math.min(hi, Math.max(lo, roundHalfEven(v[i] / sc(i)) + z(i))))];
  },
});

const dequantize = (since: number, until: number | undefined): OpSchema => ({
  op: 'DequantizeLinear', since, until,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 2, 3);
    const x = need(node, ctx, inputs, 0), s = need(node, ctx, inputs, 1), zp = inputs[2];
    checkDtype(node, ctx, x.dtype, [...Q8, 'int32'], 'x');
    if (zp && zp.dtype !== x.dtype) opFail(node, ctx, 'E_SHAPE', `x_zero_point has type ${zp.dtype}, x has ${x.dtype}`);
    checkParams(node, ctx, x, s, zp, since);
    return [{ dtype: 'float32', shape: x.shape }];
  },
  evaluate(node, inputs, ctx) {
    const x = need(node, ctx, inputs, 0), s = need(node, ctx, inputs, 1), zp = inputs[2];
    const axis = paramAxis(node, ctx, x.shape, s.shape, since);
    const v = toNumbers(x), sc = perElement(x, axis, toNumbers(s)), z = perElement(x, axis, zp && toNumbers(zp));
    return [fromFn('float32', x.shape, (i) => (v[i] - z(i)) * sc(i))];
  },
});

const dynamicQuantize: OpSchema = {
  op: 'DynamicQuantizeLinear', since: 11,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 1, 1);
    const x = need(node, ctx, inputs, 0);
    checkDtype(node, ctx, x.dtype, ['float32'], 'x');
    return [{ dtype: 'uint8', shape: x.shape }, { dtype: 'float32', shape: [] }, { dtype: 'uint8', shape: [] }];
  },
};

function zpCheck(node: Node, ctx: OpCtx, v: StaticValue | undefined, like: StaticValue, what: string): void {
  if (v && v.dtype !== like.dtype) opFail(node, ctx, 'E_SHAPE', `${what} has type ${v.dtype}, expected ${like.dtype}`);
}

const matmulInteger: OpSchema = {
  op: 'MatMulInteger', since: 10,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 2, 4);
    const a = need(node, ctx, inputs, 0), b = need(node, ctx, inputs, 1);
    checkDtype(node, ctx, a.dtype, Q8, 'A');
    checkDtype(node, ctx, b.dtype, Q8, 'B');
    zpCheck(node, ctx, inputs[2], a, 'a_zero_point');
    zpCheck(node, ctx, inputs[3], b, 'b_zero_point');
    for (const z of [inputs[2], inputs[3]]) if (z && z.shape.reduce((p, q) => p * q, 1) !== 1) opFail(node, ctx, 'E_UNSUPPORTED', 'per-row/column zero points are not supported');
    return [{ dtype: 'int32', shape: matmulShape(node, ctx, a.shape, b.shape).shape }];
  },
};

const qlinearMatMul: OpSchema = {
  op: 'QLinearMatMul', since: 10,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 8, 8);
    const [a, , , b, , , ys, yzp] = inputs.map((_, i) => need(node, ctx, inputs, i));
    checkDtype(node, ctx, a.dtype, Q8, 'a');
    checkDtype(node, ctx, b.dtype, Q8, 'b');
    checkDtype(node, ctx, ys.dtype, ['float32'], 'y_scale');
    for (const i of [1, 2, 4, 5, 6, 7]) if (need(node, ctx, inputs, i).shape.reduce((p, q) => p * q, 1) !== 1) opFail(node, ctx, 'E_UNSUPPORTED', 'per-axis scales and zero points are not supported');
    return [{ dtype: yzp.dtype, shape: matmulShape(node, ctx, a.shape, b.shape).shape }];
  },
};

function convShape(node: Node, ctx: OpCtx, x: number[], w: number[]): number[] {
  if (x.length < 3 || w.length !== x.length) opFail(node, ctx, 'E_SHAPE', `X [${x}] and W [${w}] must be [N, C, spatial...]`);
  const group = attrInt(node, 'group', 1, ctx);
  if (group < 1 || x[1] !== w[1] * group || w[0] % group !== 0) opFail(node, ctx, 'E_SHAPE', `W [${w}] does not match X [${x}] with group=${group}`);
  const kernel = attrInts(node, 'kernel_shape', w.slice(2), ctx);
  return [x[0], w[0], ...windowOf(node, ctx, x.slice(2), kernel, false).out];
}

const convInteger: OpSchema = {
  op: 'ConvInteger', since: 10,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 2, 4);
    const x = need(node, ctx, inputs, 0), w = need(node, ctx, inputs, 1);
    checkDtype(node, ctx, x.dtype, Q8, 'x');
    checkDtype(node, ctx, w.dtype, Q8, 'w');
    for (const z of [inputs[2], inputs[3]]) if (z && z.shape.reduce((p, q) => p * q, 1) !== 1) opFail(node, ctx, 'E_UNSUPPORTED', 'per-channel zero points are not supported');
    return [{ dtype: 'int32', shape: convShape(node, ctx, x.shape, w.shape) }];
  },
};

const qlinearConv: OpSchema = {
  op: 'QLinearConv', since: 10,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 8, 9);
    const x = need(node, ctx, inputs, 0), w = need(node, ctx, inputs, 3), yzp = need(node, ctx, inputs, 7);
    checkDtype(node, ctx, x.dtype, Q8, 'x');
    checkDtype(node, ctx, w.dtype, Q8, 'w');
    for (const i of [1, 2, 6, 7]) if (need(node, ctx, inputs, i).shape.reduce((p, q) => p * q, 1) !== 1) opFail(node, ctx, 'E_UNSUPPORTED', 'per-axis x and y scales or zero points are not supported');
    const ws = need(node, ctx, inputs, 4), wzp = need(node, ctx, inputs, 5);
    for (const p of [ws, wzp]) {
      const n = p.shape.reduce((a, b) => a * b, 1);
      if (n !== 1 && n !== w.shape[0]) opFail(node, ctx, 'E_SHAPE', `w_scale and w_zero_point must have 1 or ${w.shape[0]} values`);
    }
    if (inputs[8] && inputs[8].dtype !== 'int32') opFail(node, ctx, 'E_SHAPE', 'B must be int32');
    return [{ dtype: yzp.dtype, shape: convShape(node, ctx, x.shape, w.shape) }];
  },
};

const quantizeSchemas: OpSchema[] = [
  quantize(10, 12), quantize(13, undefined), dequantize(10, 12), dequantize(13, undefined),
  dynamicQuantize, matmulInteger, qlinearMatMul, convInteger, qlinearConv,
];
