// A `Constant` node's payload as a Tensor: attribute value (tensor), value_float(s) -> float32,
// value_int(s) -> int64 (exact). String and sparse constants are unsupported.

import { fail } from '../../errors.js';
import type { Tensor } from '../../ir/graph.js';
import { longToBigInt } from './long.js';
import type { LongLike, onnx } from './proto.js';
import { tensorFromProto } from './tensor.js';

export { constantTensor };

interface Where { model: string; modelDir?: string; node: string }

function constantTensor(node: onnx.INodeProto, ctx: Where): Tensor {
  const where = { model: ctx.model, node: ctx.node, op: 'Constant' };
  const attrs = node.attribute ?? [];
  if (attrs.length !== 1) fail('E_MODEL', `needs exactly one value attribute, has ${attrs.length}`, where);
  const a = attrs[0];
  const floats = a.floats ?? [];
  const ints = (a.ints ?? []) as LongLike[];
  switch (a.name) {
    case 'value':
      if (!a.t) return fail('E_MODEL', "attribute 'value' holds no tensor", where);
      return tensorFromProto(a.t, ctx, ctx.node);
    case 'value_float': return { dtype: 'float32', shape: [], data: Float32Array.of(a.f ?? 0) };
    case 'value_floats': return { dtype: 'float32', shape: [floats.length], data: Float32Array.from(floats) };
    case 'value_int': return { dtype: 'int64', shape: [], data: BigInt64Array.of(longToBigInt((a.i ?? 0) as LongLike)) };
    case 'value_ints': return { dtype: 'int64', shape: [ints.length], data: BigInt64Array.from(ints, (v) => longToBigInt(v)) };
    case 'value_string': case 'value_strings': case 'sparse_value':
      return fail('E_UNSUPPORTED', `${a.name} constants are not supported`, where);
    default:
      return fail('E_MODEL', `unknown attribute '${a.name}'`, where);
  }
}
