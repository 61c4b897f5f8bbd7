// RNN, GRU and LSTM (opset 7 and 14; layout from 14): X [T, B, I] (layout 1: [B, T, I]),
// W [D, G*H, I], R [D, G*H, H], optional B [D, 2*G*H], sequence_lens [B], initial_h (and initial_c,
// P [D, 3H] for LSTM); G gates = 1 / 3 / 4. Outputs Y [T, D, B, H] ([B, T, D, H]), Y_h [D, B, H]
// ([B, D, H]), and LSTM's Y_c. D is 2 for direction=bidirectional. Shapes only: the lowering
// unrolls the time steps.

import type { Node } from '../../../ir/graph.js';
import type { OpCtx, OpSchema } from '../op-schema.js';
import { attrInt, attrString } from './util/attrs.js';
import { FLOAT_TYPES, checkArity, checkDtype, need, opFail } from './util/check.js';

export { rnnSchemas, RNN_GATES, rnnDims };

const RNN_GATES: Record<string, number> = { RNN: 1, GRU: 3, LSTM: 4 };

interface RnnDims { T: number; B: number; I: number; H: number; D: number; layout: number }

function rnnDims(node: Node, ctx: OpCtx | undefined, x: number[], w: number[], since: number): RnnDims {
  const layout = since >= 14 ? attrInt(node, 'layout', 0, ctx) : 0;
  if (x.length !== 3 || w.length !== 3) opFail(node, ctx, 'E_SHAPE', `X [${x}] and W [${w}] must be 3-D`);
  const [T, B] = layout === 1 ? [x[1], x[0]] : [x[0], x[1]];
  const dir = attrString(node, 'direction', 'forward', ctx);
  if (!['forward', 'reverse', 'bidirectional'].includes(dir)) opFail(node, ctx, 'E_MODEL', `unknown direction '${dir}'`);
  const D = dir === 'bidirectional' ? 2 : 1;
  const G = RNN_GATES[node.op];
  const H = attrInt(node, 'hidden_size', w[1] / G, ctx);
  if (w[0] !== D || w[1] !== G * H || w[2] !== x[2]) opFail(node, ctx, 'E_SHAPE', `W must be [${D}, ${G * H}, ${x[2]}], got [${w}]`);
  return { T, B, I: x[2], H, D, layout };
}

const schema = (op: string, since: number, until: number | undefined): OpSchema => ({
  op, since, until,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 3, op === 'LSTM' ? 8 : 6);
    const x = need(node, ctx, inputs, 0), w = need(node, ctx, inputs, 1), r = need(node, ctx, inputs, 2);
    checkDtype(node, ctx, x.dtype, FLOAT_TYPES, 'X');
    const { T, B, H, D, layout } = rnnDims(node, ctx, x.shape, w.shape, since);
    const G = RNN_GATES[op];
    if (r.shape.join() !== [D, G * H, H].join()) opFail(node, ctx, 'E_SHAPE', `R must be [${D}, ${G * H}, ${H}], got [${r.shape}]`);
    if (inputs[3] && inputs[3].shape.join() !== [D, 2 * G * H].join()) opFail(node, ctx, 'E_SHAPE', `B must be [${D}, ${2 * G * H}]`);
    if (inputs[4]) checkDtype(node, ctx, inputs[4].dtype, ['int32'], 'sequence_lens');
    const state = layout === 1 ? [B, D, H] : [D, B, H];
    for (const i of op === 'LSTM' ? [5, 6] : [5]) {
      if (inputs[i] && inputs[i]!.shape.join() !== state.join()) opFail(node, ctx, 'E_SHAPE', `input ${i} must be [${state}]`);
    }
    if (op === 'LSTM' && inputs[7] && inputs[7].shape.join() !== [D, 3 * H].join()) opFail(node, ctx, 'E_SHAPE', `P must be [${D}, ${3 * H}]`);
    const y = layout === 1 ? [B, T, D, H] : [T, D, B, H];
    return [{ dtype: x.dtype, shape: y }, { dtype: x.dtype, shape: state }, ...(op === 'LSTM' ? [{ dtype: x.dtype, shape: state }] : [])];
  },
});

const rnnSchemas: OpSchema[] = ['RNN', 'GRU', 'LSTM'].flatMap((op) => [schema(op, 7, 13), schema(op, 14, undefined)]);
