// MaxPool, AveragePool (NCHW, 2-D) over a padded copy, and the global pools as reductions.

import type { Expr } from '../../ir/loop.js';
import { f, load, mul, v } from '../../ir/loop.js';
import { AccelcError } from '../../errors.js';
import { ACC, type ComputeDef } from '../../schedule/compute.js';
import { lowerStage } from '../../schedule/lower-stage.js';
import type { OpLowerer } from '../context.js';
import { geometry2d } from '../conv-geometry.js';
import { windowNest } from '../window-nest.js';
import { averageDivisors } from './conv-nhwc.js';

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
