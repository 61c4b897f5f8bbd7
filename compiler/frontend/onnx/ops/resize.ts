// Resize (opset 10: scales input; 11/13: roi, scales, sizes) and Upsample (7: scales attribute; 9:
// scales input). The output shape comes from sizes, or floor(input * scale) (times the roi's extent
// for tf_crop_and_resize); scales, sizes and the roi must be constants. Sampling (modes,
// coordinate transformations) is in the lowering (lower/ops/resize.ts).

import type { Node } from '../../../ir/graph.js';
import { DynamicShapeError } from '../../../errors.js';
import type { OpCtx, OpSchema, StaticValue } from '../op-schema.js';
import { attrFloats, attrString } from './util/attrs.js';
import { NUMERIC_TYPES, checkArity, checkDtype, need, needConst, opFail } from './util/check.js';
import { checkElementCount } from './util/shape.js';
import { toNumbers } from './util/tensor-data.js';

export { resizeSchemas, RESIZE_MODES, TRANSFORMS, NEAREST_MODES };

const RESIZE_MODES = ['nearest', 'linear', 'cubic'];
const TRANSFORMS = ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn', 'tf_crop_and_resize'];
const NEAREST_MODES = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'];

function present(v: StaticValue | undefined): v is StaticValue {
  return !!v && v.shape.reduce((a, b) => a * b, 1) > 0;
}

function outShape(node: Node, ctx: OpCtx, x: StaticValue, scalesV: StaticValue | undefined, sizesV: StaticValue | undefined, roiV: StaticValue | undefined, since: number): number[] {
  const r = x.shape.length;
  if (since >= 11) {
    const mode = attrString(node, 'mode', 'nearest', ctx), ct = attrString(node, 'coordinate_transformation_mode', 'half_pixel', ctx);
    if (!RESIZE_MODES.includes(mode)) opFail(node, ctx, 'E_UNSUPPORTED', `mode '${mode}' is not supported`);
    if (!TRANSFORMS.includes(ct)) opFail(node, ctx, 'E_UNSUPPORTED', `coordinate_transformation_mode '${ct}' is not supported`);
    const nm = attrString(node, 'nearest_mode', 'round_prefer_floor', ctx);
    if (!NEAREST_MODES.includes(nm)) opFail(node, ctx, 'E_UNSUPPORTED', `nearest_mode '${nm}' is not supported`);
    if (ct === 'tf_crop_and_resize' && present(roiV) && !roiV.const) {
      throw new DynamicShapeError({ message: `roi '${roiV.name}' decides the sampling positions and must be a constant`, model: ctx.model, node: node.name, op: node.op, value: roiV.name });
    }
  }
  if (present(sizesV)) {
    if (present(scalesV)) opFail(node, ctx, 'E_MODEL', 'give scales or sizes, not both');
    const sizes = toNumbers(needConst(node, ctx, sizesV, 'sizes input'));
    if (sizes.length !== r || sizes.some((s) => !Number.isInteger(s) || s < 0)) opFail(node, ctx, 'E_SHAPE', `sizes [${Array.from(sizes)}] must be ${r} non-negative integers`);
    return Array.from(sizes);
  }
  let scales: number[];
  if (since === 7) scales = attrFloats(node, 'scales', undefined, ctx);
  else if (present(scalesV)) scales = Array.from(toNumbers(needConst(node, ctx, scalesV, 'scales input')));
  else return opFail(node, ctx, 'E_MODEL', 'needs scales or sizes');
  if (scales.length !== r || scales.some((s) => !(s > 0))) opFail(node, ctx, 'E_SHAPE', `scales [${scales}] must be ${r} positive numbers`);
  const roi = roiV?.const && present(roiV) && attrString(node, 'coordinate_transformation_mode', 'half_pixel', ctx) === 'tf_crop_and_resize' ? toNumbers(roiV.const) : undefined;
  return x.shape.map((d, k) => Math.floor(d * scales[k] * (roi ? roi[k + r] - roi[k] : 1) + 1e-9));
}

function schema(op: string, since: number, until: number | undefined): OpSchema {
  return {
    op, since, until,
    infer(node, inputs, ctx) {
      const max = since >= 11 ? 4 : since === 7 ? 1 : 2;
      checkArity(node, ctx, 1, max);
      const x = need(node, ctx, inputs, 0);
      checkDtype(node, ctx, x.dtype, NUMERIC_TYPES, 'X');
      const [roi, scales, sizes] = since >= 11 ? [inputs[1], inputs[2], inputs[3]] : [undefined, inputs[1], undefined];
      const shape = outShape(node, ctx, x, scales, sizes, roi, since);
      checkElementCount(node, ctx, shape);
      return [{ dtype: x.dtype, shape }];
    },
  };
}

const resizeSchemas: OpSchema[] = [
  schema('Upsample', 7, 8), schema('Upsample', 9, 9),
  schema('Resize', 10, 10), schema('Resize', 11, 12), schema('Resize', 13, undefined),
];
