// Pow with any mix of float and integer operands (ONNX Pow >= 12): computed in f32 with the
// backend's pow, then converted to the base's type (integers truncate toward zero).

import type { OpLowerer } from '../context.js';
import { lowerMap } from './pointwise.js';

export const lowerPow: OpLowerer = (node, ctx) =>
  lowerMap(node, ctx, ([a, b]) => ({ k: 'call', fn: 'pow', args: [a, b] }), { compute: 'f32' });
