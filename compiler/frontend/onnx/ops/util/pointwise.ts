// Schema builders for pointwise ops: unary (same shape), n-ary with numpy broadcasting (legacy
// broadcast/axis attributes before opset 7 for the binary ones), each with its reference function.

import type { DType, Node, Tensor } from '../../../../ir/graph.js';
import type { OpCtx, OpSchema, StaticValue } from '../../op-schema.js';
import { checkArity, checkDtype, need, opFail, sameDtype } from './check.js';
import { mapBroadcast, mapUnary } from './elementwise.js';
import { legacyBShape } from './legacy-broadcast.js';
import { broadcastShapes } from './shape.js';
import { shareTensor, type Elem } from './tensor-data.js';

export { unaryOp, naryOp };
export type { UnaryDef, NaryDef };

interface UnaryDef {
  op: string;
  since: number;
  until?: number;
  types: readonly DType[];
  /** Output type from the input's (default: the same). */
  out?: (x: DType) => DType;
  /** Attribute checks at inference (throw for values not handled). */
  check?: (node: Node, ctx: OpCtx, x: StaticValue) => void;
  fn: (node: Node, ctx: OpCtx | undefined, dtype: DType) => (x: Elem) => Elem | boolean;
}

interface NaryDef {
  op: string;
  since: number;
  until?: number;
  types: readonly DType[];
  min: number;
  max: number;
  /** Inputs must share one type (default true). */
  sameType?: boolean;
  /** Opset < 7 binary ops: B broadcasts onto A per the broadcast/axis attributes. */
  legacy?: boolean;
  /** Only the second input broadcasts, onto the first's shape (PRelu). */
  unidirectional?: boolean;
  /** A 1-D second input as long as the first's dim 1 applies per channel (legacy PRelu). */
  perChannel?: boolean;
  out?: (a: DType) => DType;
  check?: (node: Node, ctx: OpCtx, xs: StaticValue[]) => void;
  fn: (node: Node, ctx: OpCtx | undefined, dtype: DType) => (...xs: Elem[]) => Elem | boolean;
}

function unaryOp(def: UnaryDef): OpSchema {
  return {
    op: def.op, since: def.since, until: def.until,
    infer(node, inputs, ctx) {
      checkArity(node, ctx, 1, 1);
      const x = need(node, ctx, inputs, 0);
      checkDtype(node, ctx, x.dtype, def.types, 'input');
      def.check?.(node, ctx, x);
      return [{ dtype: def.out?.(x.dtype) ?? x.dtype, shape: x.shape }];
    },
    evaluate(node, inputs, ctx) {
      const x = need(node, ctx, inputs, 0);
      return [mapUnary(x, def.out?.(x.dtype) ?? x.dtype, def.fn(node, ctx, x.dtype))];
    },
  };
}

function shapes(def: NaryDef, node: Node, ctx: OpCtx | undefined, xs: Array<{ shape: number[] }>): { bshapes: number[][]; out: number[] } {
  let bshapes = xs.map((x) => x.shape);
  if (def.legacy && xs.length === 2) bshapes = [xs[0].shape, legacyBShape(node, ctx, xs[0].shape, xs[1].shape)];
  const [a, b] = bshapes;
  if (def.perChannel && b?.length === 1 && a.length > 2 && b[0] === a[1] && b[0] !== 1) bshapes = [a, [b[0], ...a.slice(2).map(() => 1)]];
  const out = broadcastShapes(node, ctx, bshapes);
  if (def.unidirectional && out.join() !== xs[0].shape.join()) {
    opFail(node, ctx, 'E_SHAPE', `input 1 [${xs[1].shape}] does not broadcast to input 0 [${xs[0].shape}]`);
  }
  return { bshapes, out };
}

function naryOp(def: NaryDef): OpSchema {
  return {
    op: def.op, since: def.since, until: def.until,
    infer(node, inputs, ctx) {
      checkArity(node, ctx, def.min, def.max);
      if (node.inputs.includes('')) opFail(node, ctx, 'E_MODEL', 'an input is omitted');
      const xs = inputs.map((_, i) => need(node, ctx, inputs, i));
      for (const x of xs) checkDtype(node, ctx, x.dtype, def.types, 'input');
      if (def.sameType ?? true) sameDtype(node, ctx, xs);
      def.check?.(node, ctx, xs);
      return [{ dtype: def.out?.(xs[0].dtype) ?? xs[0].dtype, shape: shapes(def, node, ctx, xs).out }];
    },
    evaluate(node, inputs, ctx) {
      const xs = inputs.map((_, i) => need(node, ctx, inputs, i));
      const { bshapes, out } = shapes(def, node, ctx, xs);
      const shaped: Tensor[] = xs.map((x, i) => shareTensor(x, bshapes[i]));
      return [mapBroadcast(shaped, out, def.out?.(xs[0].dtype) ?? xs[0].dtype, def.fn(node, ctx, xs[0].dtype))];
    },
  };
}
