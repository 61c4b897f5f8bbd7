// ValueInfoProto -> (dtype, dims). Dims: numbers for dim_value, the dim_param name for symbolic dims,
// '?' for dims with neither. `undefined` shape means the rank itself is unknown.

import type { DType, Dim } from '../../ir/graph.js';
import { dtypeFromOnnx, onnxTypeName } from './dtype.js';
import { longToNumber } from './long.js';
import type { LongLike, onnx } from './proto.js';

export { readValueInfo };

interface Declared { dtype?: DType; elemName: string; shape?: Dim[]; isTensor: boolean }

function readValueInfo(vi: onnx.IValueInfoProto): Declared {
  const tt = vi.type?.tensorType;
  if (!tt) return { isTensor: false, elemName: 'non-tensor' };
  const code = tt.elemType ?? 0;
  const shape = tt.shape ? (tt.shape.dim ?? []).map(dimOf) : undefined;
  return { dtype: dtypeFromOnnx(code), elemName: onnxTypeName(code), shape, isTensor: true };
}

function dimOf(d: onnx.TensorShapeProto.IDimension): Dim {
  if (d.dimValue !== undefined && d.dimValue !== null && Object.prototype.hasOwnProperty.call(d, 'dimValue')) {
    return longToNumber(d.dimValue as LongLike);
  }
  return d.dimParam || '?';
}
