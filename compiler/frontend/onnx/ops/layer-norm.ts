// LayerNormalization (opset 17): normalize over the axes from `axis` (default -1) on, then
// Y = normalized * Scale + B (both broadcast to those trailing dims). The optional Mean and
// InvStdDev outputs have X's leading dims and ones after; stash_type 1 keeps them float32.

import type { DType, Node, Tensor } from '../../../ir/graph.js';
import type { OpCtx, OpSchema } from '../op-schema.js';
import { attrFloat, attrInt } from './util/attrs.js';
import { FLOAT_TYPES, checkArity, checkDtype, need, normAxis, opFail } from './util/check.js';
import { broadcastMap } from './util/shape.js';
import { fromFn, toNumbers } from './util/tensor-data.js';

export { layerNormSchemas };

function geometry(node: Node, ctx: OpCtx | undefined, shape: number[]): { axis: number; rows: number; cols: number; statShape: number[] } {
  if (shape.length === 0) opFail(node, ctx, 'E_SHAPE', 'input must have rank >= 1');
  const axis = normAxis(node, ctx, attrInt(node, 'axis', -1, ctx), shape.length);
  const prod = (a: number[]) => a.reduce((x, y) => x * y, 1);
  return { axis, rows: prod(shape.slice(0, axis)), cols: prod(shape.slice(axis)), statShape: shape.map((d, k) => (k < axis ? d : 1)) };
}

const statType = (node: Node, ctx: OpCtx | undefined, x: DType): DType => (attrInt(node, 'stash_type', 1, ctx) === 1 ? 'float32' : x);

const layerNormSchemas: OpSchema[] = [{
  op: 'LayerNormalization', since: 17,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 2, 3);
    const x = need(node, ctx, inputs, 0), scale = need(node, ctx, inputs, 1);
    checkDtype(node, ctx, x.dtype, FLOAT_TYPES, 'X');
    const { axis, statShape } = geometry(node, ctx, x.shape);
    const tail = x.shape.slice(axis);
    for (const [i, v] of [[1, scale], [2, inputs[2]]] as const) {
      if (!v) continue;
      if (v.dtype !== x.dtype) opFail(node, ctx, 'E_SHAPE', `input ${i} has type ${v.dtype}, X has ${x.dtype}`);
      const pad = [...new Array<number>(Math.max(0, tail.length - v.shape.length)).fill(1), ...v.shape];
      if (pad.length !== tail.length || pad.some((d, k) => d !== 1 && d !== tail[k])) opFail(node, ctx, 'E_SHAPE', `input ${i} [${v.shape}] does not broadcast to [${tail}]`);
    }
    const st = statType(node, ctx, x.dtype);
    return [{ dtype: x.dtype, shape: x.shape }, { dtype: st, shape: statShape }, { dtype: st, shape: statShape }];
  },
  evaluate(node, inputs, ctx) {
    const x: Tensor = need(node, ctx, inputs, 0), scale: Tensor = need(node, ctx, inputs, 1), bias = inputs[2];
    const { axis, rows, cols, statShape } = geometry(node, ctx, x.shape);
    const eps = attrFloat(node, 'epsilon', 1e-5, ctx);
    const xs = toNumbers(x), tail = x.shape.slice(axis);
    const s = toNumbers(scale), sm = broadcastMap(scale.shape, tail);
    const b = bias ? toNumbers(bias) : undefined, bm = bias ? broadcastMap(bias.shape, tail) : undefined;
    const mean = new Float64Array(rows), inv = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      let m = 0, v = 0;
      for (let k = 0; k < cols; k++) m += xs[r * cols + k];
      m /= cols;
      for (let k = 0; k < cols; k++) v += (xs[r * cols + k] - m) ** 2;
      mean[r] = m;
      inv[r] = 1 / Math.sqrt(v / cols + eps);
    }
    const st = statType(node, ctx, x.dtype);
    return [
      fromFn(x.dtype, x.shape, (i) => {
        const r = Math.floor(i / cols), k = i % cols;
        return (xs[i] - mean[r]) * inv[r] * s[sm[k]] + (b ? b[bm![k]] : 0);
      }),
      fromFn(st, statShape, (r) => mean[r]),
      fromFn(st, statShape, (r) => inv[r]),
    ];
  },
}];
