// The tfjs peer's shape and data-movement operators (ONNX layout unless noted), in the form of
// tfjs-ops.mjs's table entries: (node, builder) -> step.
import { NCHW_OF_NHWC } from './tfjs-plan.mjs';
import { attr, fail, normAxis, physAxis, pickLayout, prod, range } from './tfjs-helpers.mjs';

export { reshapeTo, transpose, concat, slice, split, gather, expand, tile, pad, staticShape, constantOfShape };

/** Reshape / Flatten / Squeeze / Unsqueeze: the graph knows the output shape. */
function reshapeTo(node, b) {
  if (node.op === 'Reshape') {
    const shuffle = channelShuffle(node, b);
    if (shuffle) return shuffle;
  }
  const get = b.in(node.inputs[0], 'nchw');
  const shape = b.shape(node.outputs[0]);
  const out = b.out(node.outputs[0]);
  return (env) => env.set(out, b.tf.reshape(get(env), shape), 'nchw');
}

/**
 * ShuffleNet's channel shuffle, Reshape [N, g, C/g, H, W] -> Transpose [0, 2, 1, 3, 4] ->
 * Reshape [N, C, H, W], on an NHWC tensor: done in NHWC, as a tfjs ShuffleNet does it.
 */
function channelShuffle(node, b) {
  const [x] = node.inputs;
  if (b.isConst(x) || b.held(x) !== 'nhwc') return undefined;
  const [N, C, H, W] = b.shape(x);
  const split = b.shape(node.outputs[0]);
  if (split.length !== 5 || split[0] !== N || split[1] * split[2] !== C || split[3] !== H || split[4] !== W) return undefined;
  const t = b.soleConsumer(node.outputs[0]);
  if (t?.op !== 'Transpose' || String(attr(t, 'perm')) !== '0,2,1,3,4') return undefined;
  const r = b.soleConsumer(t.outputs[0]);
  if (r?.op !== 'Reshape' || String(b.shape(r.outputs[0])) !== String([N, C, H, W])) return undefined;
  b.absorb(t);
  b.absorb(r);
  const tf = b.tf;
  const get = b.in(x, 'nhwc');
  const out = b.out(r.outputs[0], 'nhwc');
  return (env) => env.set(out, tf.reshape(tf.transpose(tf.reshape(get(env), [N, H, W, split[1], split[2]]), [0, 1, 2, 4, 3]), [N, H, W, C]), 'nhwc');
}

const swapLastTwo = (p) => [...p.slice(0, -2), p[p.length - 1], p[p.length - 2]];

function transpose(node, b) {
  const [x] = node.inputs;
  const rank = b.rank(x);
  const perm = attr(node, 'perm', range(0, rank).reverse());
  const layout = b.held(x);
  // an NHWC-held input: one transpose straight from the physical order
  const p = layout === 'nhwc' ? perm.map((a) => NCHW_OF_NHWC[a]) : perm;
  // the right operand of an activation MatMul (attention's K^T): tf.matMul(q, k, false, true)
  const next = b.soleConsumer(node.outputs[0]);
  if (rank >= 2 && next?.op === 'MatMul' && next.inputs[1] === node.outputs[0] && next.inputs[0] !== node.outputs[0]) {
    b.defer(node.outputs[0], { input: x, layout, perm: swapLastTwo(p) });
    return undefined;
  }
  const get = b.in(x, 'held');
  const out = b.out(node.outputs[0]);
  const identity = p.every((a, i) => a === i);
  return (env) => env.set(out, identity ? b.tf.clone(get(env)) : b.tf.transpose(get(env), p), 'nchw');
}


function concat(node, b) {
  const ins = node.inputs.filter(Boolean);
  const rank = b.rank(node.outputs[0]);
  const axis = normAxis(attr(node, 'axis'), rank);
  const layout = pickLayout(b, ins);
  const gets = ins.map((n) => b.in(n, layout));
  const out = b.out(node.outputs[0], layout);
  const ax = physAxis(layout, axis);
  return (env) => env.set(out, b.tf.concat(gets.map((g) => g(env)), ax), layout);
}

function slice(node, b) {
  const tf = b.tf;
  const [x] = node.inputs;
  const shape = b.shape(x), rank = shape.length;
  let starts, ends, axes, steps;
  if (b.graph.opset < 10) {
    [starts, ends, axes] = [attr(node, 'starts'), attr(node, 'ends'), attr(node, 'axes')];
  } else {
    [starts, ends] = [b.numbers(node.inputs[1]), b.numbers(node.inputs[2])];
    axes = node.inputs[3] ? b.numbers(node.inputs[3]) : undefined;
    steps = node.inputs[4] ? b.numbers(node.inputs[4]) : undefined;
  }
  axes = (axes ?? range(0, starts.length)).map((a) => normAxis(a, rank));
  steps = steps ?? starts.map(() => 1);
  const layout = b.held(x);
  const begin = Array(rank).fill(0), end = [...shape], stride = Array(rank).fill(1), reverse = [];
  axes.forEach((a, i) => {
    const dim = shape[a], st = steps[i];
    if (st === 0) fail(node, 'a step of 0');
    let s = starts[i], e = ends[i];
    if (s < 0) s += dim;
    if (e < 0) e += dim;
    if (st > 0) {
      begin[a] = Math.min(Math.max(s, 0), dim);
      end[a] = Math.max(Math.min(Math.max(e, 0), dim), begin[a]);
    } else {
      // reversed: slice the flipped axis forward
      s = Math.min(Math.max(s, -1), dim - 1);
      e = Math.min(Math.max(e, -1), dim - 1);
      begin[a] = dim - 1 - s;
      end[a] = Math.max(dim - 1 - e, begin[a]);
      reverse.push(a);
    }
    stride[a] = Math.abs(st);
  });
  const pa = (a) => physAxis(layout, a);
  const order = layout === 'nhwc' ? [0, 2, 3, 1] : range(0, rank);   // physical axis i <- ONNX axis order[i]
  const pBegin = order.map((a) => begin[a]), pEnd = order.map((a) => end[a]), pStride = order.map((a) => stride[a]);
  const flips = reverse.map(pa);
  const simple = pStride.every((s) => s === 1);
  const get = b.in(x, 'held');
  const out = b.out(node.outputs[0], layout);
  return (env) => {
    const xv = flips.length ? tf.reverse(get(env), flips) : get(env);
    const y = simple ? tf.slice(xv, pBegin, pEnd.map((e, i) => e - pBegin[i])) : tf.stridedSlice(xv, pBegin, pEnd, pStride);
    env.set(out, y, layout);
  };
}

function split(node, b) {
  const [x] = node.inputs;
  const rank = b.rank(x);
  const axis = normAxis(attr(node, 'axis', 0), rank);
  const outs = node.outputs;
  const sizes = outs.map((o) => b.shape(o)[axis]);
  const layout = b.held(x);
  const get = b.in(x, 'held');
  outs.forEach((o) => o && b.out(o, layout));
  const ax = physAxis(layout, axis);
  return (env) => {
    const parts = b.tf.split(get(env), sizes, ax);
    outs.forEach((o, i) => (o ? env.set(o, parts[i], layout) : parts[i].dispose()));
  };
}

function gather(node, b) {
  const tf = b.tf;
  const [data, idx] = node.inputs;
  const axis = normAxis(attr(node, 'axis', 0), b.rank(data));
  const dim = b.shape(data)[axis];
  const shape = b.shape(node.outputs[0]);
  const din = b.in(data, 'nchw');
  let iin;
  if (b.isConst(idx)) {
    const vals = Int32Array.from(b.numbers(idx), (v) => (v < 0 ? v + dim : v));
    const t = b.uploadArray(`${node.name}.indices`, vals, b.shape(idx), 'int32');
    iin = () => t;
  } else {
    const raw = b.in(idx, 'nchw');
    // ONNX allows negative indices, tfjs does not
    const zero = b.uploadArray('0:int32', Int32Array.of(0), [], 'int32'), size = b.uploadArray(`${dim}:int32`, Int32Array.of(dim), [], 'int32');
    iin = (env) => { const i = raw(env); return tf.where(tf.less(i, zero), tf.add(i, size), i); };
  }
  const out = b.out(node.outputs[0]);
  return (env) => env.set(out, tf.reshape(tf.gather(din(env), iin(env), axis), shape), 'nchw');
}

function expand(node, b) {
  const get = b.in(node.inputs[0], 'nchw');
  const shape = b.shape(node.outputs[0]);
  const out = b.out(node.outputs[0]);
  return (env) => env.set(out, b.tf.broadcastTo(get(env), shape), 'nchw');
}

function tile(node, b) {
  const get = b.in(node.inputs[0], 'nchw');
  const reps = b.numbers(node.inputs[1]);
  const out = b.out(node.outputs[0]);
  return (env) => env.set(out, b.tf.tile(get(env), reps), 'nchw');
}

function pad(node, b) {
  const tf = b.tf;
  const [x] = node.inputs;
  const rank = b.rank(x);
  const mode = attr(node, 'mode', 'constant');
  let pads = b.graph.opset < 11 ? attr(node, 'pads') : b.numbers(node.inputs[1]);
  const value = b.graph.opset < 11 ? attr(node, 'value', 0) : node.inputs[2] ? b.numbers(node.inputs[2])[0] ?? 0 : 0;
  const axes = node.inputs[3] ? b.numbers(node.inputs[3]).map((a) => normAxis(a, rank)) : range(0, rank);
  if (pads.some((p) => p < 0)) fail(node, 'negative pads are not translated');
  const full = Array.from({ length: rank }, () => [0, 0]);
  axes.forEach((a, i) => { full[a] = [pads[i], pads[i + axes.length]]; });
  const layout = b.held(x);
  const phys = layout === 'nhwc' ? [0, 2, 3, 1].map((a) => full[a]) : full;
  const get = b.in(x, 'held');
  const out = b.out(node.outputs[0], layout);
  if (mode === 'constant') return (env) => env.set(out, tf.pad(get(env), phys, value), layout);
  if (mode === 'reflect') return (env) => env.set(out, tf.mirrorPad(get(env), phys, 'reflect'), layout);
  return fail(node, `pad mode '${mode}' is not translated`);
}

/** Shape-computing ops accelc did not fold: the plan's shapes are static, so they are constants. */
function staticShape(node, b) {
  const shape = b.shape(node.inputs[0]);
  const start = normAxis(attr(node, 'start', 0), shape.length), endAttr = attr(node, 'end', shape.length);
  const dims = node.op === 'Size' ? [prod(shape)] : shape.slice(Math.max(0, start), Math.min(shape.length, normAxis(endAttr, shape.length)));
  const t = b.uploadArray(`${node.name}.shape`, Int32Array.from(dims), node.op === 'Size' ? [] : [dims.length], 'int32');
  const out = b.out(node.outputs[0]);
  return (env) => env.set(out, b.tf.clone(t), 'nchw');
}

function constantOfShape(node, b) {
  const shape = b.shape(node.outputs[0]);
  const v = node.attrs.value;
  const value = v ? Number(v.data[0]) : 0;
  const dtype = b.dtype(node.outputs[0]) === 'bool' ? 'bool' : /^float/.test(b.dtype(node.outputs[0])) ? 'float32' : 'int32';
  const out = b.out(node.outputs[0]);
  return (env) => env.set(out, b.tf.fill(shape, value, dtype), 'nchw');
}
