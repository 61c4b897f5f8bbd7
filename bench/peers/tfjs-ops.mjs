// ONNX operator -> tfjs calls, one entry per operator, as a tfjs user porting the model would
// write them: convolutions as tf.fused.conv2d / depthwiseConv2d in NHWC with their bias and
// activation, dense layers as tf.fused.matMul on [K, N] weights (the layout XNNPACK's fully
// connected path wants) with bias and relu/relu6 fused, pooling in NHWC, the rest op by op.
// Each entry: (node, builder) -> step; the builder (tfjs-plan.mjs) hands out input getters,
// uploads constants once and records output layouts. Anything outside this table, or a case of
// an entry it does not cover, throws a TfjsPeerError naming the node. Shape and data-movement
// entries are in tfjs-ops-shape.mjs.

import { NCHW_OF_NHWC } from './tfjs-plan.mjs';
import { attr, fail, normAxis, physAxis, pickLayout, prod, range } from './tfjs-helpers.mjs';
import { concat, constantOfShape, expand, gather, pad, reshapeTo, slice, split, staticShape, tile, transpose } from './tfjs-ops-shape.mjs';

export { OPS };

// fused activations the wasm backend applies: conv applies all of its FusableActivation enum,
// its matmul only clamps (relu, relu6) and would silently skip the others
const CONV_ACTS = ['relu', 'relu6', 'sigmoid', 'leakyrelu', 'elu'];
const MATMUL_ACTS = ['relu', 'relu6'];

// ---- layout-neutral elementwise ops -------------------------------------------------------

/** Unary: computed in whatever layout the input is held. */
const unary = (fn) => (node, b) => {
  const [x] = node.inputs;
  const layout = b.held(x);
  const get = b.in(x, 'held');
  const out = b.out(node.outputs[0], layout);
  return (env) => env.set(out, fn(b.tf, get(env), node), layout);
};

/** n-ary with numpy broadcasting (tfjs broadcasts the same way). */
const elementwise = (fn) => (node, b) => {
  const layout = pickLayout(b, node.inputs);
  const gets = node.inputs.map((n) => b.in(n, layout));
  const out = b.out(node.outputs[0], layout);
  return (env) => env.set(out, fn(b.tf, ...gets.map((g) => g(env))), layout);
};

/** Sum / Max / Min / Mean over any number of inputs. */
const variadic = (fn, finish) => elementwise((tf, ...xs) => {
  const y = xs.slice(1).reduce((acc, x) => fn(tf, acc, x), xs[0]);
  return finish ? finish(tf, y, xs.length) : y;
});

function pow(node, b) {
  const e = b.constOf(node.inputs[1]);
  const k = e && e.data.length === 1 ? Number(e.data[0]) : undefined;
  if (k === 2) return unary((tf, x) => tf.square(x))({ ...node, inputs: [node.inputs[0]] }, b);
  if (k === 0.5) return unary((tf, x) => tf.sqrt(x))({ ...node, inputs: [node.inputs[0]] }, b);
  if (k === 1) return unary((tf, x) => tf.clone(x))({ ...node, inputs: [node.inputs[0]] }, b);
  return elementwise((tf, x, y) => tf.pow(x, y))(node, b);
}

/** Clip's bounds: attributes before opset 11, constant inputs after (undefined: not constant). */
function clipBounds(node, b) {
  if (b.graph.opset < 11) return [attr(node, 'min', -Infinity), attr(node, 'max', Infinity)];
  const bound = (name, dflt) => (!name ? dflt : b.isConst(name) ? b.numbers(name)[0] : undefined);
  const lo = bound(node.inputs[1], -Infinity), hi = bound(node.inputs[2], Infinity);
  return lo === undefined || hi === undefined ? undefined : [lo, hi];
}

function clip(node, b) {
  const bounds = clipBounds(node, b);
  const only = { ...node, inputs: [node.inputs[0]] };
  if (!bounds) {
    return elementwise((tf, x, lo, hi) => {
      let y = x;
      if (lo) y = tf.maximum(y, lo);
      if (hi) y = tf.minimum(y, hi);
      return y === x ? tf.clone(x) : y;
    })(node, b);
  }
  const [lo, hi] = bounds;
  if (lo === 0 && hi === 6) return unary((tf, x) => tf.relu6(x))(only, b);
  if (lo === 0 && hi === Infinity) return unary((tf, x) => tf.relu(x))(only, b);
  return unary((tf, x) => tf.clipByValue(x, Math.max(lo, -3.4e38), Math.min(hi, 3.4e38)))(only, b);
}

/** The fusable activation a node computes, if it is one. */
function activationOf(node, b) {
  switch (node.op) {
    case 'Relu': return { name: 'relu' };
    case 'Sigmoid': return { name: 'sigmoid' };
    case 'LeakyRelu': return { name: 'leakyrelu', alpha: attr(node, 'alpha', 0.01) };
    case 'Elu': return attr(node, 'alpha', 1) === 1 ? { name: 'elu' } : undefined;
    case 'Clip': {
      const bounds = clipBounds(node, b);
      if (!bounds || bounds[0] !== 0) return undefined;
      return bounds[1] === 6 ? { name: 'relu6' } : bounds[1] === Infinity ? { name: 'relu' } : undefined;
    }
    default: return undefined;
  }
}

/** Absorbs the activation reading `out` when it is its only reader and `allowed` has it. */
function fuseActivation(out, b, allowed) {
  const next = b.soleConsumer(out);
  const act = next && activationOf(next, b);
  if (!act || !allowed.includes(act.name)) return { name: 'linear', output: out };
  b.absorb(next);
  return { ...act, output: next.outputs[0] };
}

// ---- convolution and pooling (NHWC) ---------------------------------------------------------

/** ONNX padding of a 2-D window op as [top, left, bottom, right]. */
function windowPads(node, b, x, kernel, strides, dilations) {
  const auto = attr(node, 'auto_pad', 'NOTSET');
  if (auto === 'NOTSET') return attr(node, 'pads', [0, 0, 0, 0]);
  if (auto === 'VALID') return [0, 0, 0, 0];
  const spatial = b.shape(x).slice(2);
  const begin = [], end = [];
  spatial.forEach((size, i) => {
    const out = Math.ceil(size / strides[i]);
    const total = Math.max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - size);
    const small = Math.floor(total / 2), big = total - small;
    begin.push(auto === 'SAME_LOWER' ? big : small);
    end.push(auto === 'SAME_LOWER' ? small : big);
  });
  return [...begin, ...end];
}

const tfPad = ([t, l, bo, r]) => (t || l || bo || r ? [[0, 0], [t, bo], [l, r], [0, 0]] : 'valid');

function conv(node, b) {
  const tf = b.tf;
  const [x, w, bias] = node.inputs;
  const wc = b.constOf(w);
  if (!wc) fail(node, 'the weights must be a constant');
  if (wc.shape.length !== 4 || b.rank(x) !== 4) fail(node, `only 2-D convolution is translated (weights rank ${wc.shape.length})`);
  if (bias && !b.isConst(bias)) fail(node, 'the bias must be a constant');
  const [M, Cg, kh, kw] = wc.shape;
  const group = attr(node, 'group', 1);
  const strides = attr(node, 'strides', [1, 1]), dilations = attr(node, 'dilations', [1, 1]);
  const pads = windowPads(node, b, x, [kh, kw], strides, dilations);
  const act = fuseActivation(node.outputs[0], b, CONV_ACTS);
  const xin = b.in(x, 'nhwc');
  const out = b.out(act.output, 'nhwc');
  const opts = { strides, pad: tfPad(pads), dilations, activation: act.name, leakyreluAlpha: act.alpha };
  const biasOf = (g, n) => (bias ? b.upload(bias, `bias${g}`, (tf, t) => tf.slice(tf.reshape(t, [-1]), [g * n], [n])) : undefined);
  if (group === 1) {
    const filter = b.upload(w, 'hwio', (_, t) => tf.transpose(t, [2, 3, 1, 0]));
    const bt = biasOf(0, M);
    return (env) => env.set(out, tf.fused.conv2d({ x: xin(env), filter, bias: bt, ...opts }), 'nhwc');
  }
  if (Cg === 1 && M % group === 0) {
    // depthwise: ONNX [C*m, 1, kh, kw] -> tfjs [kh, kw, C, m]; output channel c*m + j in both
    const filter = b.upload(w, 'hwcm', (_, t) => tf.transpose(tf.reshape(t, [group, M / group, kh, kw]), [2, 3, 0, 1]));
    const bt = biasOf(0, M);
    return (env) => env.set(out, tf.fused.depthwiseConv2d({ x: xin(env), filter, bias: bt, ...opts }), 'nhwc');
  }
  // grouped: tfjs has no groups; one convolution per group, concatenated on channels
  const Mg = M / group;
  const filters = range(0, group).map((g) => b.upload(w, `hwio${g}`, (_, t) => tf.transpose(tf.slice(t, [g * Mg, 0, 0, 0], [Mg, Cg, kh, kw]), [2, 3, 1, 0])));
  const biases = range(0, group).map((g) => biasOf(g, Mg));
  return (env) => {
    const parts = tf.split(xin(env), group, 3).map((xg, g) => tf.fused.conv2d({ x: xg, filter: filters[g], bias: biases[g], ...opts }));
    env.set(out, tf.concat(parts, 3), 'nhwc');
  };
}

const pool = (kind) => (node, b) => {
  const tf = b.tf;
  const [x] = node.inputs;
  if (b.rank(x) !== 4) fail(node, 'only 2-D pooling is translated');
  if (node.outputs.length > 1 && node.outputs[1]) fail(node, 'the Indices output has no tfjs equivalent');
  const k = attr(node, 'kernel_shape');
  const strides = attr(node, 'strides', [1, 1]);
  if (attr(node, 'dilations', [1, 1]).some((d) => d !== 1)) fail(node, 'dilated pooling is not translated');
  const pads = windowPads(node, b, x, k, strides, [1, 1]);
  const [H, W] = b.shape(x).slice(2);
  const [oh, ow] = b.shape(node.outputs[0]).slice(2);
  // ceil_mode: extra bottom/right padding so that tfjs's floor rounding gives the ONNX size;
  // tfjs leaves padding out of both the max and the average, as ONNX does for that region
  const extra = [Math.max(0, (oh - 1) * strides[0] + k[0] - (H + pads[0] + pads[2])), Math.max(0, (ow - 1) * strides[1] + k[1] - (W + pads[1] + pads[3]))];
  let p = [pads[0], pads[1], pads[2] + extra[0], pads[3] + extra[1]];
  let prepad;
  if (kind === 'avg' && attr(node, 'count_include_pad', 0) === 1 && pads.some((v) => v)) {
    if (extra.some((v) => v)) fail(node, 'count_include_pad with ceil_mode is not translated');
    prepad = [[0, 0], [pads[0], pads[2]], [pads[1], pads[3]], [0, 0]];
    p = [0, 0, 0, 0];
  }
  const sizes = [H + p[0] + p[2] + (prepad ? pads[0] + pads[2] : 0), W + p[1] + p[3] + (prepad ? pads[1] + pads[3] : 0)];
  if (Math.floor((sizes[0] - k[0]) / strides[0]) + 1 !== oh || Math.floor((sizes[1] - k[1]) / strides[1]) + 1 !== ow) {
    fail(node, `cannot reproduce the output size [${oh}, ${ow}] with tfjs padding`);
  }
  const xin = b.in(x, 'nhwc');
  const out = b.out(node.outputs[0], 'nhwc');
  const op = kind === 'max' ? tf.maxPool : tf.avgPool;
  return (env) => {
    const xv = prepad ? tf.pad(xin(env), prepad) : xin(env);
    env.set(out, op(xv, k, strides, tfPad(p)), 'nhwc');
  };
};

const globalPool = (fn) => (node, b) => {
  const [x] = node.inputs;
  const layout = b.rank(x) === 4 ? b.held(x) : 'nchw';
  const axes = layout === 'nhwc' ? [1, 2] : range(2, b.rank(x));
  const get = b.in(x, layout);
  const out = b.out(node.outputs[0], layout);
  return (env) => env.set(out, fn(b.tf, get(env), axes), layout);
};

function batchNorm(node, b) {
  const [x, ...params] = node.inputs;
  if (attr(node, 'training_mode', 0) === 1) fail(node, 'training mode is not translated');
  if (node.outputs.slice(1).some(Boolean)) fail(node, 'running statistics outputs are not translated');
  const [scale, shift, mean, variance] = params.map((n) => b.numbers(n));
  const eps = attr(node, 'epsilon', 1e-5);
  const C = scale.length;
  const layout = b.rank(x) === 4 ? b.held(x) : 'nchw';
  const shape = layout === 'nhwc' ? [C] : [C, ...Array(b.rank(x) - 2).fill(1)];
  const a = Float32Array.from(scale, (s, c) => s / Math.sqrt(variance[c] + eps));
  const s = Float32Array.from(shift, (v, c) => v - mean[c] * a[c]);
  const at = b.uploadArray(`${node.name}.a`, a, shape), st = b.uploadArray(`${node.name}.s`, s, shape);
  const get = b.in(x, layout);
  const out = b.out(node.outputs[0], layout);
  return (env) => env.set(out, b.tf.add(b.tf.mul(get(env), at), st), layout);
}

// ---- dense layers -------------------------------------------------------------------------------

/**
 * A constant Add after a matmul whose other operand is a vector over the N output columns
 * becomes fused.matMul's bias; a relu/relu6 after that is fused too.
 */
function fuseBias(out, N, b) {
  const next = b.soleConsumer(out);
  if (next?.op !== 'Add') return { output: out };
  const other = next.inputs[0] === out ? next.inputs[1] : next.inputs[0];
  const c = b.constOf(other);
  if (!c || c.dtype !== 'float32' || c.shape.length > b.rank(out) || prod(c.shape) !== N || c.shape[c.shape.length - 1] !== N) return { output: out };
  b.absorb(next);
  return { bias: b.upload(other, 'bias', (tf, t) => tf.reshape(t, [N])), output: next.outputs[0] };
}

function gemm(node, b) {
  const tf = b.tf;
  const [A, B, C] = node.inputs;
  const transA = attr(node, 'transA', 0) === 1, transB = attr(node, 'transB', 0) === 1;
  const alpha = attr(node, 'alpha', 1), beta = attr(node, 'beta', 1);
  const N = b.shape(B)[transB ? 0 : 1];
  const ain = b.in(A, 'nchw');
  let bin, bT = false;
  if (b.isConst(B)) {
    // weights as [K, N]: the layout tfjs's XNNPACK fully-connected path takes
    const w = b.upload(B, `kn${alpha}`, (_, t) => { const m = transB ? tf.transpose(t) : t; return alpha === 1 ? m : tf.mul(m, alpha); });
    bin = () => w;
  } else {
    if (alpha !== 1) fail(node, 'alpha != 1 with non-constant B is not translated');
    bin = b.in(B, 'nchw');
    bT = transB;
  }
  let bias, add, act = { name: 'linear' }, output = node.outputs[0];
  const c = C ? b.constOf(C) : undefined;
  if (C && beta !== 0) {
    if (c && c.dtype === 'float32' && prod(c.shape) === N && c.shape[c.shape.length - 1] === N) {
      bias = b.upload(C, `bias${beta}`, (_, t) => (beta === 1 ? tf.reshape(t, [N]) : tf.mul(tf.reshape(t, [N]), beta)));
    } else {
      const cin = b.in(C, 'nchw');
      add = beta === 1 ? cin : (env) => tf.mul(cin(env), beta);
    }
  }
  if (!add) {
    if (!bias) ({ bias, output } = fuseBias(output, N, b));
    act = fuseActivation(output, b, MATMUL_ACTS);
    output = act.output;
  }
  const out = b.out(output);
  return (env) => {
    let y = tf.fused.matMul({ a: ain(env), b: bin(env), transposeA: transA, transposeB: bT, bias, activation: act.name });
    if (add) y = tf.add(y, add(env));
    env.set(out, y, 'nchw');
  };
}

function matmul(node, b) {
  const tf = b.tf;
  const [A, B] = node.inputs;
  const ra = b.rank(A), rb = b.rank(B);
  if (ra < 2 || rb < 2) fail(node, '1-D MatMul operands are not translated');
  const ain = b.in(A, 'nchw');
  if (b.isConst(B) && rb === 2) {
    // x @ W (+ bias, + relu): batch dims of x fold into its rows
    const [K, N] = b.shape(B);
    const w = b.upload(B, 'kn');
    const { bias, output } = fuseBias(node.outputs[0], N, b);
    const act = fuseActivation(output, b, MATMUL_ACTS);
    const outShape = b.shape(act.output);
    const out = b.out(act.output);
    return (env) => {
      const a = ain(env);
      const y = tf.fused.matMul({ a: ra === 2 ? a : tf.reshape(a, [-1, K]), b: w, bias, activation: act.name });
      env.set(out, ra === 2 ? y : tf.reshape(y, outShape), 'nchw');
    };
  }
  // activations x activations: tfjs's wasm kernel needs equal batch dims, so broadcast them
  const tB = b.deferred.get(B);
  let bin = tB ? b.in(tB.input, 'held') : b.in(B, 'nchw');
  if (tB && !tB.perm.every((a, i) => a === i)) {
    const get = bin;
    bin = (env) => tf.transpose(get(env), tB.perm);
  }
  const outShape = b.shape(node.outputs[0]);
  const batch = outShape.slice(0, -2);
  const full = (t) => (t.rank === outShape.length && t.shape.slice(0, -2).every((d, i) => d === batch[i]) ? t : tf.broadcastTo(t, [...batch, ...t.shape.slice(-2)]));
  const out = b.out(node.outputs[0]);
  return (env) => env.set(out, tf.matMul(full(ain(env)), full(bin(env)), false, !!tB), 'nchw');
}

// ---- reductions, normalization, softmax -----------------------------------------------------------

const reduce = (fn) => (node, b) => {
  const [x] = node.inputs;
  const rank = b.rank(x);
  const keep = attr(node, 'keepdims', 1) === 1;
  let axes = node.inputs[1] ? b.numbers(node.inputs[1]) : attr(node, 'axes');
  if (!axes || axes.length === 0) {
    if (attr(node, 'noop_with_empty_axes', 0) === 1) return unary((tf, v) => tf.clone(v))({ ...node, inputs: [x] }, b);
    axes = range(0, rank);
  }
  axes = axes.map((a) => normAxis(a, rank));
  // NHWC input: reduce the mapped axes when what remains is in ONNX order (always with keepdims)
  let layout = b.held(x);
  if (layout === 'nhwc' && !keep) {
    const left = range(0, 4).filter((a) => !axes.includes(a)).map((a) => NCHW_OF_NHWC[a]);
    if (!left.every((p, i) => i === 0 || p > left[i - 1])) layout = 'nchw';
  }
  const outLayout = layout === 'nhwc' && keep ? 'nhwc' : 'nchw';
  const pax = axes.map((a) => physAxis(layout, a));
  const get = b.in(x, layout);
  const out = b.out(node.outputs[0], outLayout);
  return (env) => env.set(out, fn(b.tf, get(env), pax, keep), outLayout);
};

const softmaxLike = (fn) => (node, b) => {
  const tf = b.tf;
  const [x] = node.inputs;
  const rank = b.rank(x);
  const axis = normAxis(attr(node, 'axis', b.graph.opset < 13 ? 1 : -1), rank);
  const shape = b.shape(x);
  if (b.graph.opset < 13) {
    // the input is flattened to 2-D at axis
    const get = b.in(x, 'nchw');
    const out = b.out(node.outputs[0]);
    const rows = prod(shape.slice(0, axis)), cols = prod(shape.slice(axis));
    return (env) => env.set(out, tf.reshape(fn(tf, tf.reshape(get(env), [rows, cols])), shape), 'nchw');
  }
  const layout = b.held(x);
  if (physAxis(layout, axis) === rank - 1) {
    const get = b.in(x, layout);
    const out = b.out(node.outputs[0], layout);
    return (env) => env.set(out, fn(tf, get(env)), layout);
  }
  // tfjs only normalizes the last axis: move the axis there and back
  const perm = range(0, rank).filter((a) => a !== axis).concat([axis]);
  const inv = perm.map((_, i) => perm.indexOf(i));
  const get = b.in(x, 'nchw');
  const out = b.out(node.outputs[0]);
  return (env) => env.set(out, tf.transpose(fn(tf, tf.transpose(get(env), perm)), inv), 'nchw');
};

function layerNorm(node, b) {
  const tf = b.tf;
  const [x, scale, bias] = node.inputs;
  const rank = b.rank(x);
  const axis = normAxis(attr(node, 'axis', -1), rank);
  const eps = attr(node, 'epsilon', 1e-5);
  if (node.outputs.slice(1).some(Boolean)) fail(node, 'Mean / InvStdDev outputs are not translated');
  const axes = range(axis, rank);
  const [get, sget] = [b.in(x, 'nchw'), b.in(scale, 'nchw')];
  const bget = bias ? b.in(bias, 'nchw') : undefined;
  const out = b.out(node.outputs[0]);
  return (env) => {
    const xv = get(env);
    const { mean, variance } = tf.moments(xv, axes, true);
    let y = tf.mul(tf.mul(tf.sub(xv, mean), tf.rsqrt(tf.add(variance, eps))), sget(env));
    if (bget) y = tf.add(y, bget(env));
    env.set(out, y, 'nchw');
  };
}

function argExtreme(fn) {
  return (node, b) => {
    const [x] = node.inputs;
    if (attr(node, 'select_last_index', 0) === 1) fail(node, 'select_last_index is not translated');
    const axis = normAxis(attr(node, 'axis', 0), b.rank(x));
    const shape = b.shape(node.outputs[0]);
    const get = b.in(x, 'nchw');
    const out = b.out(node.outputs[0]);
    return (env) => env.set(out, b.tf.reshape(fn(b.tf, get(env), axis), shape), 'nchw');
  };
}

function cast(node, b) {
  const to = b.dtype(node.outputs[0]);
  const dtype = to === 'bool' ? 'bool' : /^float/.test(to) ? 'float32' : 'int32';
  return unary((tf, x) => (x.dtype === dtype ? tf.clone(x) : tf.cast(x, dtype)))(node, b);
}

function identity(node, b) {
  return unary((tf, x) => tf.clone(x))({ ...node, inputs: [node.inputs[0]], outputs: [node.outputs[0]] }, b);
}

const gelu = (tf, x, node) => (attr(node, 'approximate', 'none') === 'tanh'
  ? tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3)))))))
  : tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))));

const hardSigmoid = (tf, x, alpha, beta) => tf.clipByValue(tf.add(tf.mul(x, alpha), beta), 0, 1);

const OPS = {
  // elementwise, layout-neutral
  Add: elementwise((tf, x, y) => tf.add(x, y)),
  Sub: elementwise((tf, x, y) => tf.sub(x, y)),
  Mul: elementwise((tf, x, y) => tf.mul(x, y)),
  Div: elementwise((tf, x, y) => tf.div(x, y)),
  Pow: pow,
  Max: variadic((tf, x, y) => tf.maximum(x, y)),
  Min: variadic((tf, x, y) => tf.minimum(x, y)),
  Sum: variadic((tf, x, y) => tf.add(x, y)),
  Mean: variadic((tf, x, y) => tf.add(x, y), (tf, y, n) => tf.div(y, n)),
  Equal: elementwise((tf, x, y) => tf.equal(x, y)),
  Less: elementwise((tf, x, y) => tf.less(x, y)),
  LessOrEqual: elementwise((tf, x, y) => tf.lessEqual(x, y)),
  Greater: elementwise((tf, x, y) => tf.greater(x, y)),
  GreaterOrEqual: elementwise((tf, x, y) => tf.greaterEqual(x, y)),
  And: elementwise((tf, x, y) => tf.logicalAnd(x, y)),
  Or: elementwise((tf, x, y) => tf.logicalOr(x, y)),
  Xor: elementwise((tf, x, y) => tf.logicalXor(x, y)),
  Where: elementwise((tf, c, x, y) => tf.where(c, x, y)),
  PRelu: elementwise((tf, x, slope) => tf.where(tf.less(x, 0), tf.mul(x, slope), x)),
  Relu: unary((tf, x) => tf.relu(x)),
  Clip: clip,
  Sigmoid: unary((tf, x) => tf.sigmoid(x)),
  Tanh: unary((tf, x) => tf.tanh(x)),
  Exp: unary((tf, x) => tf.exp(x)),
  Log: unary((tf, x) => tf.log(x)),
  Neg: unary((tf, x) => tf.neg(x)),
  Abs: unary((tf, x) => tf.abs(x)),
  Sqrt: unary((tf, x) => tf.sqrt(x)),
  Reciprocal: unary((tf, x) => tf.reciprocal(x)),
  Floor: unary((tf, x) => tf.floor(x)),
  Ceil: unary((tf, x) => tf.ceil(x)),
  Round: unary((tf, x) => tf.round(x)),
  Sign: unary((tf, x) => tf.sign(x)),
  Erf: unary((tf, x) => tf.erf(x)),
  Sin: unary((tf, x) => tf.sin(x)),
  Cos: unary((tf, x) => tf.cos(x)),
  Not: unary((tf, x) => tf.logicalNot(x)),
  Softplus: unary((tf, x) => tf.softplus(x)),
  LeakyRelu: unary((tf, x, n) => tf.leakyRelu(x, attr(n, 'alpha', 0.01))),
  Elu: unary((tf, x, n) => { const a = attr(n, 'alpha', 1); return a === 1 ? tf.elu(x) : tf.where(tf.greater(x, 0), x, tf.mul(tf.sub(tf.exp(x), 1), a)); }),
  Selu: unary((tf, x, n) => { const a = attr(n, 'alpha', 1.67326319217681884765625), g = attr(n, 'gamma', 1.05070102214813232421875); return tf.mul(tf.where(tf.greater(x, 0), x, tf.mul(tf.sub(tf.exp(x), 1), a)), g); }),
  HardSigmoid: unary((tf, x, n) => hardSigmoid(tf, x, attr(n, 'alpha', 0.2), attr(n, 'beta', 0.5))),
  HardSwish: unary((tf, x) => tf.mul(x, hardSigmoid(tf, x, 1 / 6, 0.5))),
  Gelu: unary(gelu),
  Cast: cast,
  Identity: identity,
  Dropout: identity,
  // NHWC compute
  Conv: conv,
  MaxPool: pool('max'),
  AveragePool: pool('avg'),
  GlobalAveragePool: globalPool((tf, x, axes) => tf.mean(x, axes, true)),
  GlobalMaxPool: globalPool((tf, x, axes) => tf.max(x, axes, true)),
  BatchNormalization: batchNorm,
  // dense
  Gemm: gemm,
  MatMul: matmul,
  // shape and data movement
  Reshape: reshapeTo,
  Flatten: reshapeTo,
  Squeeze: reshapeTo,
  Unsqueeze: reshapeTo,
  Transpose: transpose,
  Concat: concat,
  Slice: slice,
  Split: split,
  Gather: gather,
  Expand: expand,
  Tile: tile,
  Pad: pad,
  Shape: staticShape,
  Size: staticShape,
  ConstantOfShape: constantOfShape,
  // reductions and normalization
  ReduceMean: reduce((tf, x, axes, keep) => tf.mean(x, axes, keep)),
  ReduceSum: reduce((tf, x, axes, keep) => tf.sum(x, axes, keep)),
  ReduceMax: reduce((tf, x, axes, keep) => tf.max(x, axes, keep)),
  ReduceMin: reduce((tf, x, axes, keep) => tf.min(x, axes, keep)),
  ReduceProd: reduce((tf, x, axes, keep) => tf.prod(x, axes, keep)),
  Softmax: softmaxLike((tf, x) => tf.softmax(x)),
  LogSoftmax: softmaxLike((tf, x) => tf.logSoftmax(x)),
  LayerNormalization: layerNorm,
  ArgMax: argExtreme((tf, x, axis) => tf.argMax(x, axis)),
  ArgMin: argExtreme((tf, x, axis) => tf.argMin(x, axis)),
};

