// GridSample (opset 16): X [N, C, H, W] sampled at grid [N, Ho, Wo, 2] (x, y in [-1, 1]) to
// [N, C, Ho, Wo]; mode bilinear | nearest | bicubic, padding_mode zeros | border | reflection,
// align_corners. Shapes only; sampling is in the lowering.

import type { OpSchema } from '../op-schema.js';
import { attrString } from './util/attrs.js';
import { FLOAT_TYPES, checkArity, checkDtype, need, opFail } from './util/check.js';

export { gridSampleSchemas, GRID_MODES, GRID_PADDING };

const GRID_MODES = ['bilinear', 'nearest', 'bicubic'];
const GRID_PADDING = ['zeros', 'border', 'reflection'];

const gridSampleSchemas: OpSchema[] = [{
  op: 'GridSample', since: 16,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 2, 2);
    const x = need(node, ctx, inputs, 0), grid = need(node, ctx, inputs, 1);
    checkDtype(node, ctx, x.dtype, FLOAT_TYPES, 'X');
    checkDtype(node, ctx, grid.dtype, FLOAT_TYPES, 'grid');
    if (x.shape.length !== 4 || grid.shape.length !== 4 || grid.shape[3] !== 2 || grid.shape[0] !== x.shape[0]) {
      opFail(node, ctx, 'E_SHAPE', `X [${x.shape}] and grid [${grid.shape}] must be [N, C, H, W] and [N, Ho, Wo, 2]`);
    }
    const mode = attrString(node, 'mode', 'bilinear', ctx), pad = attrString(node, 'padding_mode', 'zeros', ctx);
    if (!GRID_MODES.includes(mode)) opFail(node, ctx, 'E_UNSUPPORTED', `mode '${mode}' is not supported`);
    if (!GRID_PADDING.includes(pad)) opFail(node, ctx, 'E_UNSUPPORTED', `padding_mode '${pad}' is not supported`);
    return [{ dtype: x.dtype, shape: [x.shape[0], x.shape[1], grid.shape[1], grid.shape[2]] }];
  },
}];
