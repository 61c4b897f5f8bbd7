// Where(condition, X, Y): X where condition else Y, all three broadcast together (opset 9).

import type { OpSchema } from '../op-schema.js';
import { ALL_TYPES, checkArity, checkDtype, need, sameDtype } from './util/check.js';
import { mapBroadcast } from './util/elementwise.js';
import { broadcastShapes } from './util/shape.js';

export { whereSchemas };

const whereSchemas: OpSchema[] = [{
  op: 'Where',
  since: 9,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 3, 3);
    const [c, x, y] = [0, 1, 2].map((i) => need(node, ctx, inputs, i));
    checkDtype(node, ctx, c.dtype, ['bool'], 'condition');
    checkDtype(node, ctx, x.dtype, ALL_TYPES, 'X');
    const dtype = sameDtype(node, ctx, [x, y]);
    return [{ dtype, shape: broadcastShapes(node, ctx, [c.shape, x.shape, y.shape]) }];
  },
  evaluate(node, inputs, ctx) {
    const [c, x, y] = [0, 1, 2].map((i) => need(node, ctx, inputs, i));
    const shape = broadcastShapes(node, ctx, [c.shape, x.shape, y.shape]);
    return [mapBroadcast([c, x, y], shape, x.dtype, (cv, xv, yv) => (cv ? xv : yv))];
  },
}];
