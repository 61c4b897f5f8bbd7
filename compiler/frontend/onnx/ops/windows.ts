// Signal windows (opset 17: HannWindow, HammingWindow, BlackmanWindow) and MelWeightMatrix. Their
// outputs depend only on scalar inputs that also decide the output shape, so they must be constants
// and are computed here (folded); none has a kernel.

import type { DType, Node } from '../../../ir/graph.js';
import type { OpCtx, OpSchema, StaticValue } from '../op-schema.js';
import { dtypeFromOnnx } from '../dtype.js';
import { attrInt } from './util/attrs.js';
import { NUMERIC_TYPES, checkArity, checkDtype, need, needConst, opFail } from './util/check.js';
import { fromFn, toNumbers } from './util/tensor-data.js';

export { windowSchemas };

function outType(node: Node, ctx: OpCtx | undefined): DType {
  const d = dtypeFromOnnx(attrInt(node, 'output_datatype', 1, ctx));
  if (!d || d === 'string') return opFail(node, ctx, 'E_UNSUPPORTED', `output_datatype ${String(node.attrs.output_datatype)} is not supported`);
  return d;
}

function scalarOf(node: Node, ctx: OpCtx, v: StaticValue, what: string): number {
  const data = toNumbers(needConst(node, ctx, v, what));
  if (data.length !== 1) opFail(node, ctx, 'E_SHAPE', `${what} must be a scalar`);
  return data[0];
}

const WINDOWS: Record<string, (n: number, d: number) => number> = {
  HannWindow: (n, d) => 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / d),
  HammingWindow: (n, d) => 25 / 46 - (21 / 46) * Math.cos((2 * Math.PI * n) / d),
  BlackmanWindow: (n, d) => 0.42 - 0.5 * Math.cos((2 * Math.PI * n) / d) + 0.08 * Math.cos((4 * Math.PI * n) / d),
};

const windowSchema = (op: string): OpSchema => {
  const compute = (node: Node, ctx: OpCtx | undefined, size: number) => {
    if (!Number.isInteger(size) || size < 0 || size > 1 << 24) opFail(node, ctx, 'E_SHAPE', `size must be a non-negative integer, got ${size}`);
    const periodic = attrInt(node, 'periodic', 1, ctx) === 1;
    const d = periodic ? size : size - 1;
    return fromFn(outType(node, ctx), [size], (n) => WINDOWS[op](n, d));
  };
  return {
    op, since: 17,
    infer(node, inputs, ctx) {
      checkArity(node, ctx, 1, 1);
      const s = need(node, ctx, inputs, 0);
      checkDtype(node, ctx, s.dtype, ['int32', 'int64'], 'size');
      const value = compute(node, ctx, scalarOf(node, ctx, s, 'size input'));
      return [{ dtype: value.dtype, shape: value.shape, value }];
    },
    evaluate(node, inputs, ctx) {
      return [compute(node, ctx, toNumbers(need(node, ctx, inputs, 0))[0])];
    },
  };
};

function melMatrix(node: Node, ctx: OpCtx | undefined, [bins, dft, rate, lo, hi]: number[]) {
  if (![bins, dft].every((x) => Number.isInteger(x) && x > 0 && x <= 1 << 16) || !(rate > 0)) opFail(node, ctx, 'E_SHAPE', 'num_mel_bins, dft_length and sample_rate must be positive');
  const spec = Math.floor(dft / 2) + 1;
  const lowMel = 2595 * Math.log10(1 + lo / 700), highMel = 2595 * Math.log10(1 + hi / 700);
  const step = (highMel - lowMel) / (bins + 2);
  const f = Array.from({ length: bins + 2 }, (_, i) => Math.trunc(Math.floor(((dft + 1) * 700 * (10 ** ((i * step + lowMel) / 2595) - 1)) / rate)));
  const out = new Float64Array(spec * bins);
  const set = (j: number, i: number, v: number) => { if (j >= 0 && j < spec) out[j * bins + i] = v; };
  for (let i = 0; i < bins; i++) {
    const [l, c, h] = [f[i], f[i + 1], f[i + 2]];
    if (c - l === 0) set(c, i, 1);
    else for (let j = l; j <= c; j++) set(j, i, (j - l) / (c - l));
    if (h - c > 0) for (let j = c; j < h; j++) set(j, i, (h - j) / (h - c));
  }
  return fromFn(outType(node, ctx), [spec, bins], (k) => out[k]);
}

const melSchema: OpSchema = {
  op: 'MelWeightMatrix', since: 17,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 5, 5);
    const xs = [0, 1, 2, 3, 4].map((i) => need(node, ctx, inputs, i));
    xs.forEach((x, i) => checkDtype(node, ctx, x.dtype, NUMERIC_TYPES, `input ${i}`));
    const value = melMatrix(node, ctx, xs.map((x, i) => scalarOf(node, ctx, x, `input ${i}`)));
    return [{ dtype: value.dtype, shape: value.shape, value }];
  },
  evaluate(node, inputs, ctx) {
    return [melMatrix(node, ctx, [0, 1, 2, 3, 4].map((i) => toNumbers(need(node, ctx, inputs, i))[0]))];
  },
};

const windowSchemas: OpSchema[] = [...Object.keys(WINDOWS).map(windowSchema), melSchema];
