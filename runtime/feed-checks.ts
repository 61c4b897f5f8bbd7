// The checks a run's feeds pass before they reach the module: names, dtypes, dims, the typed
// array, and the values of index inputs against the axes they index (the kernels do not check them).

import { fail } from '../compiler/errors.js';
import type { IndexRange, ModuleMeta, TensorMeta } from './meta.js';
import { dtypeInfo, formatDims, shapeSize, type Tensor } from './tensor.js';

export { checkFeeds, checkFeed };

function checkFeeds(meta: ModuleMeta, feeds: Record<string, Tensor>): void {
  const ctx = { model: meta.name };
  if (typeof feeds !== 'object' || feeds === null) fail('E_INPUT', 'feeds must be an object mapping input names to tensors', ctx);
  const names = meta.inputs.map((t) => t.name);
  for (const name of Object.keys(feeds)) {
    if (!names.includes(name)) fail('E_INPUT', `unknown input '${name}'; the model's inputs are: ${names.join(', ')}`, ctx);
  }
  for (const t of meta.inputs) checkFeed(t, feeds[t.name], ctx);
}

/** One feed against its input: a Tensor of the dtype and dims, in the dtype's array, indices in range. `where` prefixes the messages. */
function checkFeed(t: TensorMeta, given: Tensor | undefined, ctx: { model: string }, where = ''): void {
  const want = `${t.dtype} ${formatDims(t.shape)}`;
  if (given === undefined || given === null) fail('E_INPUT', `${where}missing input '${t.name}' (expected ${want})`, ctx);
  if (typeof given !== 'object' || !Array.isArray(given.dims) || !ArrayBuffer.isView(given.data)) {
    fail('E_INPUT', `${where}input '${t.name}': expected a Tensor (${want}), got ${typeof given}`, ctx);
  }
  if (given.type !== t.dtype) {
    fail('E_INPUT', `${where}input '${t.name}': expected dtype ${t.dtype}, got ${String(given.type)}`, ctx);
  }
  const dimsMatch = given.dims.length === t.shape.length && given.dims.every((d, i) => d === t.shape[i]);
  if (!dimsMatch) fail('E_INPUT', `${where}input '${t.name}': expected dims ${formatDims(t.shape)}, got ${formatDims(given.dims)}`, ctx);
  const info = dtypeInfo(t.dtype);
  if (!(given.data instanceof info.array)) {
    fail('E_INPUT', `${where}input '${t.name}': expected ${t.dtype} data in a ${info.array.name}, got a ${given.data.constructor.name}`, ctx);
  }
  const size = shapeSize(t.shape);
  if (given.data.length !== size) {
    fail('E_INPUT', `${where}input '${t.name}': expected ${size} elements, got ${given.data.length}`, ctx);
  }
  for (const r of t.ranges ?? []) checkRange(t, r, given.data as ArrayLike<number | bigint>, ctx, where);
}

/** An index input's values against the axes they index (the kernels do not check them). */
function checkRange(t: TensorMeta, r: IndexRange, data: ArrayLike<number | bigint>, ctx: { model: string }, where: string): void {
  const big = typeof data[0] === 'bigint', n = r.dims.length;
  const his = r.dims.map((d) => (big ? BigInt(d) : d)), los = r.dims.map((d) => (big ? BigInt(-d) : -d));
  for (let i = 0; i < data.length; i++) {
    const v = data[i], k = i % n;
    if (v < los[k] || v >= his[k]) {
      const d = r.dims[k];
      fail('E_INPUT', `${where}input '${t.name}': element ${i} is ${v}, outside [${-d}, ${d - 1}]: it indexes an axis of ${d}`, { ...ctx, node: r.node, op: r.op });
    }
  }
}
