// NonMaxSuppression (opset 10/11) and Unique (11): how many outputs they give depends on the
// values, so their inputs must be constants and they are evaluated at compile time (a runtime
// Specializer binds them; see runtime/dynamic.ts). The algorithms follow ONNX's reference.

import type { Node, Tensor } from '../../../ir/graph.js';
import type { OpCtx, OpSchema, StaticValue } from '../op-schema.js';
import { attrInt } from './util/attrs.js';
import { ALL_TYPES, checkArity, checkDtype, need, needConst, normAxis, opFail } from './util/check.js';
import { fromFn, reader, toNumbers } from './util/tensor-data.js';

export { dataDependentSchemas };

type Box = [number, number, number, number];

/** Whether box a suppresses box b: IoU above the threshold (corners or centers format). */
function suppresses(a: Box, b: Box, center: boolean, threshold: number): boolean {
  const span = (p: Box): [number, number, number, number] => center
    ? [p[0] - p[2] / 2, p[0] + p[2] / 2, p[1] - p[3] / 2, p[1] + p[3] / 2]
    : [Math.min(p[1], p[3]), Math.max(p[1], p[3]), Math.min(p[0], p[2]), Math.max(p[0], p[2])];
  const [ax0, ax1, ay0, ay1] = span(a), [bx0, bx1, by0, by1] = span(b);
  const ix = Math.min(ax1, bx1) - Math.max(ax0, bx0), iy = Math.min(ay1, by1) - Math.max(ay0, by0);
  if (ix <= 0 || iy <= 0) return false;
  const inter = ix * iy, areaA = (ax1 - ax0) * (ay1 - ay0), areaB = (bx1 - bx0) * (by1 - by0);
  const union = areaA + areaB - inter;
  if (areaA <= 0 || areaB <= 0 || union <= 0) return false;
  return inter / union > threshold;
}

function nms(node: Node, ctx: OpCtx | undefined, [boxes, scores, maxOut, iou, scoreMin]: Array<Tensor | undefined>): Tensor {
  const [B, N] = boxes!.shape, C = scores!.shape[1];
  const bx = toNumbers(boxes!), sc = toNumbers(scores!);
  const first = (t: Tensor | undefined, d: number) => (t && t.data.length ? Number(toNumbers(t)[0]) : d);
  const limit = Math.max(first(maxOut, 0), 0), threshold = first(iou, 0);
  const minScore = scoreMin && scoreMin.data.length ? Number(toNumbers(scoreMin)[0]) : undefined;
  const center = attrInt(node, 'center_point_box', 0, ctx) === 1;
  const selected: number[][] = [];
  for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) {
    const cands = Array.from({ length: N }, (_, i) => i).filter((i) => minScore === undefined || sc[(b * C + c) * N + i] > minScore);
    cands.sort((i, j) => sc[(b * C + c) * N + j] - sc[(b * C + c) * N + i] || i - j);
    const kept: number[] = [];
    const box = (i: number): Box => [0, 1, 2, 3].map((k) => bx[(b * N + i) * 4 + k]) as Box;
    for (const i of cands) {
      if (kept.length >= limit) break;
      if (kept.every((j) => !suppresses(box(i), box(j), center, threshold))) {
        kept.push(i);
        selected.push([b, c, i]);
      }
    }
  }
  return fromFn('int64', [selected.length, 3], (i) => BigInt(selected[Math.floor(i / 3)][i % 3]));
}

const nmsSchema = (since: number, until: number | undefined): OpSchema => ({
  op: 'NonMaxSuppression', since, until,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 2, 5);
    const boxes = need(node, ctx, inputs, 0), scores = need(node, ctx, inputs, 1);
    checkDtype(node, ctx, boxes.dtype, ['float32'], 'boxes');
    checkDtype(node, ctx, scores.dtype, ['float32'], 'scores');
    if (boxes.shape.length !== 3 || boxes.shape[2] !== 4 || scores.shape.length !== 3 || scores.shape[0] !== boxes.shape[0] || scores.shape[2] !== boxes.shape[1]) {
      opFail(node, ctx, 'E_SHAPE', `boxes [${boxes.shape}] and scores [${scores.shape}] must be [B, N, 4] and [B, C, N]`);
    }
    const consts = inputs.map((v, i) => v && needConst(node, ctx, v, ['boxes', 'scores', 'max_output_boxes_per_class', 'iou_threshold', 'score_threshold'][i] + ' input (the number of boxes kept depends on it)'));
    const value = nms(node, ctx, consts);
    return [{ dtype: 'int64', shape: value.shape, value }];
  },
  evaluate: (node, inputs, ctx) => [nms(node, ctx, inputs)],
});

/** Unique slices along `axis` (or elements of the flattened tensor): Y, indices, inverse_indices, counts. */
function unique(node: Node, ctx: OpCtx | undefined, x: Tensor): Tensor[] {
  const hasAxis = node.attrs.axis !== undefined;
  const shape = hasAxis ? x.shape : [x.data.length];
  const axis = hasAxis ? normAxis(node, ctx, attrInt(node, 'axis', 0, ctx), x.shape.length) : 0;
  const len = shape[axis], inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1), outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const r = reader(x);
  const slice = (j: number) => {
    const out: Array<number | bigint> = [];
    for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) out.push(r((o * len + j) * inner + i));
    return out;
  };
  const slices = Array.from({ length: len }, (_, j) => slice(j));
  const key = (s: Array<number | bigint>) => s.map(String).join(',');
  const firstOf = new Map<string, number>(), order: number[] = [], counts = new Map<string, number>();
  slices.forEach((s, j) => {
    const k = key(s);
    if (!firstOf.has(k)) { firstOf.set(k, j); order.push(j); }
    counts.set(k, (counts.get(k) ?? 0) + 1);
  });
  if (attrInt(node, 'sorted', 1, ctx) === 1) {
    order.sort((a, b) => {
      const sa = slices[a], sb = slices[b];
      for (let i = 0; i < sa.length; i++) if (sa[i] !== sb[i]) return sa[i] < sb[i] ? -1 : 1;
      return 0;
    });
  }
  const position = new Map(order.map((j, p) => [key(slices[j]), p]));
  const yShape = shape.map((d, k) => (k === axis ? order.length : d));
  const y = fromFn(x.dtype, hasAxis ? yShape : [order.length], (i) => {
    const n = i % inner, p = Math.floor(i / inner) % order.length, o = Math.floor(i / (inner * order.length));
    return r((o * len + order[p]) * inner + n);
  });
  return [
    y,
    fromFn('int64', [order.length], (p) => BigInt(order[p])),
    fromFn('int64', [len], (j) => BigInt(position.get(key(slices[j]))!)),
    fromFn('int64', [order.length], (p) => BigInt(counts.get(key(slices[order[p]]))!)),
  ];
}

const uniqueSchema: OpSchema = {
  op: 'Unique', since: 11,
  infer(node, inputs, ctx) {
    checkArity(node, ctx, 1, 1);
    const x: StaticValue = need(node, ctx, inputs, 0);
    checkDtype(node, ctx, x.dtype, ALL_TYPES, 'X');
    const values = unique(node, ctx, needConst(node, ctx, x, 'input (Unique\'s output shape depends on its values)'));
    return values.map((v) => ({ dtype: v.dtype, shape: v.shape, value: v }));
  },
  evaluate: (node, inputs, ctx) => unique(node, ctx, need(node, ctx, inputs, 0)),
};

const dataDependentSchemas: OpSchema[] = [nmsSchema(10, 10), nmsSchema(11, undefined), uniqueSchema];
