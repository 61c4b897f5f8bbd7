// MaxPool, AveragePool (NCHW, 2-D) over a padded copy, and the global pools (NCHW or channels-last)
// as reductions.

import type { Expr } from '../../ir/loop.js';
import { f, load, mul, v } from '../../ir/loop.js';
import { AccelcError } from '../../errors.js';
import { ACC, type ComputeDef } from '../../schedule/compute.js';
import { lowerStage } from '../../schedule/lower-stage.js';
import type { OpLowerer } from '../context.js';
import { geometry2d, type Geometry2d } from '../conv-geometry.js';
import { windowNest } from '../window-nest.js';
import type { Schedule } from '../../schedule/schedule.js';
import { LANES } from '../default-schedules.js';
import { NHWC_GLOBAL_POOL, POOL_OP } from '../../passes/layout-nhwc.js';

export const lowerPool: OpLowerer = (node, ctx) => {
  const x = ctx.buf(node.inputs[0]);
  if (x.shape.length !== 4) throw new AccelcError({ code: 'E_UNSUPPORTED', message: `only 2-D pooling is supported (input rank ${x.shape.length})`, node: node.name, op: node.op, model: ctx.modelName });
  if (node.outputs[1]) throw new AccelcError({ code: 'E_UNSUPPORTED', message: 'the Indices output of MaxPool is not supported', node: node.name, op: node.op, model: ctx.modelName });
  const [N, C, H, W] = x.shape;
  const isMax = node.op === 'MaxPool';
  const g = geometry2d(node, H, W, node.attrs.kernel_shape as number[], node.attrs.ceil_mode === 1);
  const out = ctx.buf(node.outputs[0]);
  let epilogue: ((acc: Expr, idx: Expr[]) => Expr) | undefined;
  if (!isMax) {
    const inv = averageDivisors(g, H, W, node.attrs.count_include_pad === 1);
    const invBuf = ctx.weight(`${node.name}.inv`, 'f32', [g.oh, g.ow], inv);
    epilogue = (acc, idx) => mul(acc, load(invBuf.name, [idx[2], idx[3]]));
  }
  const body = windowNest({
    name: node.name, out, x, g, reduce: isMax ? 'max' : 'sum', pad: isMax ? -Infinity : 0,
    channel: (co) => co, term: (value) => value, epilogue,
  });
  const flops = N * C * g.oh * g.ow * g.kh * g.kw;
  return [{ name: node.name, body, flops }];
};

/** 1 / (taps counted) per output pixel of an AveragePool. */
export function averageDivisors(g: Geometry2d, H: number, W: number, includePad: boolean): Float32Array {
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
  return inv;
}

/**
 * GlobalAveragePool / GlobalMaxPool as a reduction over the pixels: NCHW planes, or channels-last
 * ([N, H, W, C], NhwcGlobalPool of passes/layout-nhwc.ts: vectors over blocks of 16 channels, the
 * pixels walked inside). Either way the output is [N, C, 1, 1].
 */
export const lowerGlobalPool: OpLowerer = (node, ctx) => {
  const nhwc = node.op === NHWC_GLOBAL_POOL;
  const x = ctx.buf(node.inputs[0]);
  const [N, ...rest] = x.shape;
  const C = nhwc ? rest[rest.length - 1] : rest[0];
  const S = rest.reduce((a, b) => a * b, 1) / C;
  const xv = ctx.view(x, nhwc ? [N, S, C] : [N, C, S]);
  const out = ctx.view(ctx.buf(node.outputs[0]), [N, C]);
  const isMax = (nhwc ? node.attrs[POOL_OP] : node.op) === 'GlobalMaxPool';
  const def: ComputeDef = {
    name: node.name, out: out.name, type: 'f32',
    axes: [{ name: 'n', extent: N }, { name: 'c', extent: C }],
    reduce: { op: isMax ? 'max' : 'sum', axes: [{ name: 's', extent: S }] },
    body: load(xv.name, nhwc ? [v('n'), v('s'), v('c')] : [v('n'), v('c'), v('s')]),
    epilogue: isMax ? undefined : mul({ k: 'var', name: ACC }, f(1 / S)),
  };
  const s: Schedule = !nhwc ? [{ p: 'cache_write', at: 'c' }, { p: 'parallel', axis: 'c' }]
    : C % (4 * LANES) === 0
      ? [{ p: 'split', axis: 'c', factor: 4 * LANES, outer: 'co', inner: 'ci' }, { p: 'split', axis: 'ci', factor: LANES, outer: 'cu', inner: 'cv' },
        { p: 'reorder', order: ['n', 'co', 's', 'cu', 'cv'] }, { p: 'fuse', outer: 'n', inner: 'co', fused: 'nc' }, { p: 'cache_write', at: 'nc' },
        { p: 'unroll', axis: 'cu' }, { p: 'vectorize', axis: 'cv' }, { p: 'parallel', axis: 'nc' }]
      : [{ p: 'fuse', outer: 'n', inner: 'c', fused: 'nc' }, { p: 'cache_write', at: 'nc' }, { p: 'parallel', axis: 'nc' }];
  return [{ name: node.name, body: lowerStage(def, s), flops: N * C * S }];
};
