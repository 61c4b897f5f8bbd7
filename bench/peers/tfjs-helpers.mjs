// Small helpers shared by the tfjs peer's operator tables (tfjs-ops.mjs, tfjs-ops-shape.mjs).
import { NCHW_OF_NHWC, TfjsPeerError } from './tfjs-plan.mjs';

export { fail, attr, range, prod, normAxis, pickLayout, physAxis };

const fail = (node, msg) => { throw new TfjsPeerError(node, msg); };
const attr = (node, name, dflt) => node.attrs[name] ?? dflt;
const range = (a, b) => Array.from({ length: b - a }, (_, i) => a + i);
const prod = (xs) => xs.reduce((p, d) => p * d, 1);
const normAxis = (a, rank) => (a < 0 ? a + rank : a);

/** NHWC when some input is held NHWC and the others can follow (rank-4 tensors, constants of rank <= 4). */
function pickLayout(b, names) {
  const vars = names.filter((n) => n && !b.isConst(n));
  if (!vars.some((n) => b.held(n) === 'nhwc')) return 'nchw';
  if (!vars.every((n) => b.rank(n) === 4)) return 'nchw';
  return names.every((n) => !n || !b.isConst(n) || b.rank(n) <= 4) ? 'nhwc' : 'nchw';
}

/** Where axis `a` (ONNX) lives in the tensor as held. */
const physAxis = (layout, a) => (layout === 'nhwc' ? NCHW_OF_NHWC[a] : a);
