// MaxPool, AveragePool (NCHW, 2-D) over a padded copy, and the global pools as reductions.

import type { Expr } from '../../ir/loop.js';
import { add, c, f, load, mul, v } from '../../ir/loop.js';
import { AccelcError } from '../../errors.js';
import { ACC, type ComputeDef } from '../../schedule/compute.js';
import type { Schedule } from '../../schedule/schedule.js';
import { lowerStage } from '../../schedule/lower-stage.js';
import type { OpLowerer } from '../context.js';
import { geometry2d } from '../conv-geometry.js';
import { padKernels } from '../pad-stage.js';
import { LANES } from '../default-schedules.js';

export const lowerPool: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]);
  if (x.shape.length !== 4) throw new AccelcError({ code: 'E_UNSUPPORTED', message: `only 2-D pooling is supported (input rank ${x.shape.length})`, node: node.name, op: node.op, model: ctx.modelName });
  if (node.outputs[1]) throw new AccelcError({ code: 'E_UNSUPPORTED', message: 'the Indices output of MaxPool is not supported', node: node.name, op: node.op, model: ctx.modelName });
  const [N, C, H, W] = x.shape;
  const isMax = node.op === 'MaxPool';
  const g = geometry2d(node, H, W, node.attrs.kernel_shape as number[], node.attrs.ceil_mode === 1);
  // Extend the trailing pads so every window of a ceil-mode output stays inside the padded copy.
  const pb = Math.max(g.pb, (g.oh - 1) * g.sh + (g.kh - 1) * g.dh + 1 - H - g.pt);
  const pr = Math.max(g.pr, (g.ow - 1) * g.sw + (g.kw - 1) * g.dw + 1 - W - g.pl);
  const padded = padKernels(node.name, ctx, x, g.pt, g.pl, pb, pr, isMax ? -Infinity : 0);
  const out = ctx.buf(node.outputs[0]);
  let epilogue: Expr | undefined;
  if (!isMax) {
    const includePad = node.attrs.count_include_pad === 1;
    const inv = new Float32Array(g.oh * g.ow);
    for (let oh = 0; oh < g.oh; oh++) for (let ow = 0; ow < g.ow; ow++) {
      let n = 0;
      for (let kh = 0; kh < g.kh; kh++) for (let kw = 0; kw < g.kw; kw++) {
        const y = oh * g.sh + kh * g.dh - g.pt, xx = ow * g.sw + kw * g.dw - g.pl;
        const inPadded = y >= -g.pt && y < H + g.pb && xx >= -g.pl && xx < W + g.pr;
        if (includePad ? inPadded : (y >= 0 && y < H && xx >= 0 && xx < W)) n++;
      }
      inv[oh * g.ow + ow] = n ? 1 / n : 0;
    }
    const invBuf = ctx.weight(`${node.name}.inv`, 'f32', [g.oh, g.ow], inv);
    epilogue = mul({ k: 'var', name: ACC }, load(invBuf.name, [v('oh'), v('ow')]));
  }
  const def: ComputeDef = {
    name: node.name, out: out.name, type: 'f32',
    axes: [{ name: 'n', extent: N }, { name: 'c', extent: C }, { name: 'oh', extent: g.oh }, { name: 'ow', extent: g.ow }],
    reduce: { op: isMax ? 'max' : 'sum', axes: [{ name: 'kh', extent: g.kh }, { name: 'kw', extent: g.kw }] },
    body: load(padded.buf.name, [v('n'), v('c'), add(mul(v('oh'), c(g.sh)), mul(v('kh'), c(g.dh))), add(mul(v('ow'), c(g.sw)), mul(v('kw'), c(g.dw)))]),
    epilogue,
  };
  const s: Schedule = [];
  if (g.ow >= LANES) {
    s.push({ p: 'split', axis: 'ow', factor: LANES, outer: 'owo', inner: 'owv', tail: g.ow % LANES ? 'shift' : 'exact' });
    s.push({ p: 'reorder', order: ['owo', 'kh', 'kw', 'owv'] }, { p: 'cache_write', at: 'owo' }, { p: 'vectorize', axis: 'owv' });
  } else s.push({ p: 'cache_write', at: 'ow' });
  if (g.kh * g.kw <= 25) s.push({ p: 'unroll', axis: 'kh' }, { p: 'unroll', axis: 'kw' });
  s.push({ p: 'parallel', axis: 'c' });
  return [...padded.kernels, { name: node.name, body: lowerStage(def, s), flops: N * C * g.oh * g.ow * g.kh * g.kw }];
};

export const lowerGlobalPool: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]);
  const [N, C, ...sp] = x.shape;
  const S = sp.reduce((a, b) => a * b, 1);
  const xv = ctx.view(x, [N, C, S]);
  const out = ctx.view(ctx.buf(node.outputs[0]), [N, C]);
  const isMax = node.op === 'GlobalMaxPool';
  const def: ComputeDef = {
    name: node.name, out: out.name, type: 'f32',
    axes: [{ name: 'n', extent: N }, { name: 'c', extent: C }],
    reduce: { op: isMax ? 'max' : 'sum', axes: [{ name: 's', extent: S }] },
    body: load(xv.name, [v('n'), v('c'), v('s')]),
    epilogue: isMax ? undefined : mul({ k: 'var', name: ACC }, f(1 / S)),
  };
  return [{ name: node.name, body: lowerStage(def, [{ p: 'cache_write', at: 'c' }, { p: 'parallel', axis: 'c' }]), flops: N * C * S }];
};
