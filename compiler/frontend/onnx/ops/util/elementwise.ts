// Reference evaluation of elementwise ops, with numpy broadcasting over any number of inputs.

import type { DType, Tensor } from '../../../../ir/graph.js';
import { broadcastMap } from './shape.js';
import { fromFn, reader, type Elem } from './tensor-data.js';

export { mapUnary, mapBroadcast };

function mapUnary(t: Tensor, outDtype: DType, f: (x: Elem) => Elem | boolean): Tensor {
  const r = reader(t);
  return fromFn(outDtype, t.shape, (i) => f(r(i)) as Elem);
}

/** out[i] = f(a[bcast i], b[bcast i], ...) over the broadcast shape outShape. */
function mapBroadcast(inputs: Tensor[], outShape: number[], outDtype: DType, f: (...xs: Elem[]) => Elem | boolean): Tensor {
  const maps = inputs.map((t) => broadcastMap(t.shape, outShape));
  const readers = inputs.map(reader);
  const xs = new Array<Elem>(inputs.length);
  return fromFn(outDtype, outShape, (i) => {
    for (let k = 0; k < xs.length; k++) xs[k] = readers[k](maps[k][i]);
    return f(...xs) as Elem;
  });
}
