// Pooling the 2-D lowering (pool.ts) does not take: any number of spatial dims, MaxPool's Indices
// output, element types other than float32 (MaxPool on uint8, int8...). Max: taps outside the input are skipped (-inf); Indices hold the flat position
// (row-major over the whole input, or column-major spatially with storage_order=1) of the first
// maximum. Average: the sum over the taps inside, divided per output position by the number of
// taps inside the input (or inside the padded input, count_include_pad=1), from per-axis tables.

import type { Expr } from '../../ir/loop.js';
import { add, bin, c, f, load, mul, regTypeOf, v } from '../../ir/loop.js';
import { ACC, type Axis, type ComputeDef } from '../../schedule/compute.js';
import { lowerStage } from '../../schedule/lower-stage.js';
import type { LoweredKernel, OpLowerer } from '../context.js';
import { lowerPool } from './pool.js';
import { tapCoords, windowNd } from './window-nd.js';

const sel = (cond: Expr, a: Expr, b: Expr): Expr => ({ k: 'select', c: cond, a, b });
const names = (p: string, n: number) => Array.from({ length: n }, (_, i) => `${p}${i}`);
const stage = (def: ComputeDef): LoweredKernel => ({ name: def.name, body: lowerStage(def, []), flops: [...def.axes, ...(def.reduce?.axes ?? [])].reduce((a, x) => a * x.extent, 1) });

const lowerPoolNd: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]), out = ctx.buf(node.outputs[0]);
  const ins = x.shape.slice(2), outs = out.shape.slice(2), n = ins.length;
  const kernel = node.attrs.kernel_shape as number[];
  const win = windowNd(node, ins, outs, kernel);
  const o = names('o', n), k = names('k', n);
  const { clamped, inside, at } = tapCoords(win, ins, o.map((s) => v(s)), k.map((s) => v(s)));
  const axes: Axis[] = [{ name: 'n', extent: x.shape[0] }, { name: 'c', extent: x.shape[1] }, ...o.map((name, i) => ({ name, extent: outs[i] }))];
  const red: Axis[] = k.map((name, i) => ({ name, extent: kernel[i] }));
  const xin = load(x.name, [v('n'), v('c'), ...clamped]);
  const isMax = node.op === 'MaxPool';
  if (isMax) {
    // Any element type: taps outside read the type's lowest value.
    const t = regTypeOf(x.dtype);
    const lowest: Expr = t === 'f32' ? f(-Infinity) : t === 'i64' ? { k: 'const', t, v: -(2n ** 63n) } : c(-2147483648);
    const kernels = [stage({ name: node.name, out: out.name, type: t, axes, reduce: { op: 'max', axes: red }, body: sel(inside, xin, lowest) })];
    if (node.outputs[1]) {
      const ind = ctx.buf(node.outputs[1]);
      const colMajor = node.attrs.storage_order === 1;
      const spatial = colMajor
        ? at.reduceRight<Expr>((acc, a, i) => add(mul(acc, c(ins[i])), a), c(0))
        : at.reduce<Expr>((acc, a, i) => add(mul(acc, c(ins[i])), a), c(0));
      const flat = add(mul(add(mul(v('n'), c(x.shape[1])), v('c')), c(ins.reduce((a, b) => a * b, 1))), spatial);
      const hit = bin('and', inside, bin('eq', xin, load(out.name, axes.map((a) => v(a.name)))));
      kernels.push(stage({ name: `${node.name}.indices`, out: ind.name, type: 'i64', axes, reduce: { op: 'min', axes: red },
        body: sel(hit, { k: 'cast', t: 'i64', a: flat }, { k: 'const', t: 'i64', v: 2n ** 62n }) }));
    }
    return kernels;
  }
  // Per-axis counts of the taps that count, multiplied into 1/count per output position.
  const includePad = node.attrs.count_include_pad === 1;
  const padsEnd = ((node.attrs.pads as number[] | undefined) ?? []).slice(n);
  const counts = ins.map((len, i) => Float32Array.from({ length: outs[i] }, (_, oi) => {
    let cnt = 0;
    for (let kk = 0; kk < kernel[i]; kk++) {
      const p = oi * win.strides[i] - win.padsBegin[i] + kk * win.dilations[i];
      const lo = includePad ? -win.padsBegin[i] : 0, hi = includePad ? len + (padsEnd[i] ?? 0) : len;
      if (p >= lo && p < hi) cnt++;
    }
    return cnt;
  }));
  const tables = counts.map((t, i) => ctx.weight(`${node.name}.count${i}`, 'f32', [outs[i]], t));
  const count = tables.map((t, i) => load(t.name, [v(o[i])])).reduce((a, b) => mul(a, b));
  return [stage({ name: node.name, out: out.name, type: 'f32', axes, reduce: { op: 'sum', axes: red }, body: sel(inside, xin, f(0)),
    epilogue: bin('div', { k: 'var', name: ACC }, count) })];
};

/** MaxPool/AveragePool: the 2-D lowering where it applies, the general one otherwise. */
const lowerPoolAny: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]);
  if (x.shape.length === 4 && !node.outputs[1] && x.dtype === 'f32') return lowerPool(node, ctx);
  return lowerPoolNd(node, ctx);
};

export const POOL_ND_LOWERINGS: Record<string, OpLowerer> = { MaxPool: lowerPoolAny, AveragePool: lowerPoolAny };
