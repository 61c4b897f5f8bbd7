// Copies an NCHW tensor into a zero-bordered temporary, so the im2col of a convolution reads
// without bounds checks. Two stages: fill with the pad value, then copy the interior (vectorized).

import type { Buf } from '../ir/loop.js';
import { add, c, load } from '../ir/loop.js';
import type { LowerCtx, LoweredKernel } from './context.js';
import { pointwiseKernel } from './ops/elementwise.js';
import { axesOf, vars } from './index-math.js';

export function padKernels(name: string, ctx: LowerCtx, x: Buf, pt: number, pl: number, pb: number, pr: number, value: number): { buf: Buf; kernels: LoweredKernel[] } {
  if (pt === 0 && pl === 0 && pb === 0 && pr === 0) return { buf: x, kernels: [] };
  const [n, ch, h, w] = x.shape;
  const xp = ctx.temp(`${name}.pad`, 'f32', [n, ch, h + pt + pb, w + pl + pr]);
  const all = axesOf(xp.shape);
  const fill = pointwiseKernel(`${name}.fill`, { name: `${name}.fill`, out: xp.name, type: 'f32', axes: all, body: { k: 'const', t: 'f32', v: value } }, true);
  const axes = axesOf(x.shape);
  const [i0, i1, i2, i3] = vars(axes);
  const copy = pointwiseKernel(`${name}.copy`, {
    name: `${name}.copy`, out: xp.name, type: 'f32', axes, body: load(x.name, vars(axes)),
    outIndex: [i0, i1, add(i2, c(pt)), add(i3, c(pl))],
  }, true);
  return { buf: xp, kernels: [fill, copy] };
}
