// GlobalAveragePool / GlobalMaxPool: [N, C, D1..Dn] -> [N, C, 1..1].

import { numel } from '../../../ir/graph.js';
import type { OpSchema } from '../op-schema.js';
import { FLOAT_TYPES, checkArity, checkDtype, need, opFail } from './util/check.js';
import { fromFn, toNumbers } from './util/tensor-data.js';

export { globalPoolSchemas };

function schema(op: string, max: boolean): OpSchema {
  const outShape = (x: number[]) => [x[0], x[1], ...x.slice(2).map(() => 1)];
  return {
    op, since: 1,
    infer(node, inputs, ctx) {
      checkArity(node, ctx, 1, 1);
      const x = need(node, ctx, inputs, 0);
      checkDtype(node, ctx, x.dtype, FLOAT_TYPES, 'X');
      if (x.shape.length < 3) opFail(node, ctx, 'E_SHAPE', `X must be [N, C, spatial...], got [${x.shape}]`);
      return [{ dtype: x.dtype, shape: outShape(x.shape) }];
    },
    evaluate(node, inputs, ctx) {
      const x = need(node, ctx, inputs, 0);
      const xs = toNumbers(x);
      const S = numel(x.shape.slice(2));
      return [fromFn(x.dtype, outShape(x.shape), (pl) => {
        let acc = max ? -Infinity : 0;
        for (let i = pl * S; i < (pl + 1) * S; i++) acc = max ? Math.max(acc, xs[i]) : acc + xs[i];
        return max ? acc : acc / S;
      })];
    },
  };
}

const globalPoolSchemas: OpSchema[] = [schema('GlobalAveragePool', false), schema('GlobalMaxPool', true)];
