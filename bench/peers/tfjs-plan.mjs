// Translates an accelc graph (imported, folded, one input shape) into a plan of tfjs calls, and
// runs it. The plan is built once per input shape: every node becomes one step, a closure over
// weights that were prepared and uploaded at build time; a step reads its inputs from the run's
// environment and writes its outputs there.
//
// Layout: a 4-D activation is held either as ONNX has it (NCHW, 'nchw') or as tfjs wants it for
// convolutions and pooling (NHWC, 'nhwc'). Which one is decided per value at build time: Conv and
// pooling produce NHWC, layout-neutral ops (elementwise, Concat, Slice, some reductions) keep
// NHWC by remapping axes, and everything else (Reshape, Flatten, Transpose, MatMul...) reads ONNX
// layout, converting first. Conversions are made at run time, at most once per value and layout.
//
// Each value is disposed after its last reader; the whole run sits in tf.tidy as well.

export { buildPlan, runPlan, TfjsPeerError, NHWC_OF_NCHW, NCHW_OF_NHWC, toNhwcShape };

/** Physical axis i of an NHWC-held 4-D tensor is ONNX (logical) axis NHWC_OF_NCHW[i]. */
const NHWC_OF_NCHW = [0, 2, 3, 1];
/** ONNX axis a of a 4-D tensor sits at physical axis NCHW_OF_NHWC[a] when held NHWC. */
const NCHW_OF_NHWC = [0, 3, 1, 2];

const toNhwcShape = (s) => NHWC_OF_NCHW.map((a) => s[a]);

class TfjsPeerError extends Error {
  constructor(node, message) {
    super(node ? `tfjs peer: node '${node.name}' (${node.op}): ${message}` : `tfjs peer: ${message}`);
    this.name = 'TfjsPeerError';
  }
}

/**
 * graph: an accelc Graph with static shapes. ops: the op table (tfjs-ops.mjs). weights: a shared
 * cache of uploaded constants (see WeightCache in tfjs.mjs). Returns a plan for runPlan.
 */
function buildPlan(tf, graph, ops, weights) {
  const b = new Builder(tf, graph, weights);
  const steps = [];
  for (const node of graph.nodes) {
    if (b.absorbed.has(node)) continue;
    if (node.domain && node.domain !== 'ai.onnx') throw new TfjsPeerError(node, `operator domain '${node.domain}' is not supported`);
    const translate = ops[node.op];
    if (!translate) throw new TfjsPeerError(node, 'no tfjs translation for this operator');
    b.reads = [];
    b.writes = [];
    b.node = node;
    const run = translate(node, b);
    if (run) steps.push({ node, run, reads: b.reads, writes: b.writes, frees: [] });
    else if (b.reads.length) throw new TfjsPeerError(node, 'a deferred node read inputs');
  }
  // Liveness: free each value after its last reader (graph outputs are kept).
  const last = new Map();
  steps.forEach((s, i) => { for (const n of s.reads) last.set(n, i); });
  for (const out of graph.outputs) last.set(out, Infinity);
  const produced = new Map();
  steps.forEach((s, i) => { for (const o of s.writes) produced.set(o, i); });
  for (const [name, i] of produced) {
    const at = last.get(name) ?? i;          // never read: free right after it is made
    if (at !== Infinity) steps[at].frees.push(name);
  }
  for (const name of graph.inputs) {
    const at = last.get(name);               // an input never read is disposed by the caller
    if (at !== undefined && at !== Infinity) steps[at].frees.push(name);
  }
  for (const out of graph.outputs) {
    if (!b.layouts.has(out) && !graph.values.get(out)?.const) throw new TfjsPeerError(null, `graph output '${out}' is not produced`);
  }
  b.reads = [];
  return {
    steps,
    inputs: graph.inputs.map((name) => ({ name, dtype: graph.values.get(name).dtype, dims: graph.values.get(name).shape })),
    outputs: graph.outputs.map((name) => ({ name, dtype: graph.values.get(name).dtype, dims: graph.values.get(name).shape, read: b.in(name, 'nchw') })),
    shapes: new Map([...graph.values].map(([k, v]) => [k, v.shape])),
    layouts: b.layouts,
    isWeight: (t) => weights.has(t),
    verified: false,
  };
}

/** What an op translation sees at build time. */
class Builder {
  constructor(tf, graph, weights) {
    this.tf = tf;
    this.graph = graph;
    this.weights = weights;
    this.absorbed = new Set();
    this.deferred = new Map();
    this.layouts = new Map(graph.inputs.map((n) => [n, 'nchw']));
    this.consumers = new Map();
    for (const n of graph.nodes) for (const i of n.inputs) if (i) (this.consumers.get(i) ?? this.consumers.set(i, []).get(i)).push(n);
    this.outputs = new Set(graph.outputs);
    this.reads = [];
    this.writes = [];
    this.node = undefined;
  }

  value(name) {
    const v = this.graph.values.get(name);
    if (!v) throw new TfjsPeerError(this.node, `no value '${name}'`);
    return v;
  }
  shape(name) {
    const s = this.value(name).shape;
    if (!s.every((d) => typeof d === 'number')) throw new TfjsPeerError(this.node, `value '${name}' has no static shape`);
    return s;
  }
  rank(name) { return this.shape(name).length; }
  dtype(name) { return this.value(name).dtype; }
  constOf(name) { return name ? this.graph.values.get(name)?.const : undefined; }
  isConst(name) { return !!this.constOf(name); }
  /** A constant's values as plain numbers (small tensors: shapes, axes, scalars). */
  numbers(name) {
    const c = this.constOf(name);
    if (!c) throw new TfjsPeerError(this.node, `input '${name}' must be a constant`);
    return Array.from(c.data, Number);
  }
  /** The layout a non-constant value is held in. */
  held(name) {
    if (this.isConst(name)) return 'nchw';
    const l = this.layouts.get(name);
    if (!l) throw new TfjsPeerError(this.node, `input '${name}' is read before it is produced`);
    return l;
  }
  /** Declares an output and the layout the step will write it in. */
  out(name, layout = 'nchw') {
    if (layout === 'nhwc' && this.rank(name) !== 4) throw new TfjsPeerError(this.node, `output '${name}' cannot be NHWC (rank ${this.rank(name)})`);
    this.layouts.set(name, layout);
    this.writes.push(name);
    return name;
  }
  /** The one node reading `name` (not a graph output), if there is exactly one and it is not absorbed yet. */
  soleConsumer(name) {
    const c = this.consumers.get(name) ?? [];
    if (c.length !== 1 || this.outputs.has(name) || this.absorbed.has(c[0])) return undefined;
    if (c[0].inputs.filter((i) => i === name).length !== 1) return undefined;
    return c[0];
  }
  absorb(node) { this.absorbed.add(node); }
  /** A value not computed by its own step: its one reader computes it (see Transpose before MatMul). */
  defer(name, how) { this.deferred.set(name, how); }

  /**
   * A getter for input `name` in `layout` ('nchw' | 'nhwc' | 'held'): called at run time with the
   * run's environment. Constants are uploaded now (an NHWC request of a constant of rank <= 4
   * pads its shape with leading 1s first, for broadcasting against an NHWC tensor).
   */
  in(name, layout = 'nchw') {
    const c = this.constOf(name);
    if (c) {
      const t = layout === 'nhwc'
        ? this.upload(name, 'nhwc', (tf, x) => (x.rank === 0 ? x : tf.transpose(tf.reshape(x, [...Array(4 - x.rank).fill(1), ...x.shape]), NHWC_OF_NCHW)))
        : this.upload(name, 'nchw');
      return () => t;
    }
    const held = this.held(name);
    if (layout === 'nhwc' && this.rank(name) !== 4) throw new TfjsPeerError(this.node, `input '${name}' (rank ${this.rank(name)}) cannot be read NHWC`);
    this.reads.push(name);
    const want = layout === 'held' ? held : layout;
    return (env) => env.get(name, want);
  }
  /**
   * Uploads constant `name` once (per transform `tag`), optionally transformed by tfjs ops at
   * build time (prepare(tf, tensor) -> tensor). Shared across plans through the weight cache.
   */
  upload(name, tag, prepare) {
    const c = this.constOf(name);
    if (!c) throw new TfjsPeerError(this.node, `input '${name}' must be a constant`);
    return this.weights.get(name, tag, c, (tensor) => {
      const tf = this.tf;
      return tf.tidy(() => {
        const x = tf.tensor(hostData(tensor, this.node), tensor.shape, tfDtype(tensor.dtype, this.node));
        return prepare ? prepare(tf, x) : x;
      });
    });
  }
  /** A tensor made at build time from numbers (bias vectors folded from several constants...). */
  uploadArray(key, data, shape, dtype = 'float32') {
    return this.weights.get(`#${key}`, 'array', { dtype, shape, data }, () => this.tf.tensor(data, shape, dtype));
  }
}

/** ONNX dtype -> tfjs dtype (int64 values are held as int32, checked to fit). */
function tfDtype(dtype, node) {
  switch (dtype) {
    case 'float32': case 'float16': case 'float64': return 'float32';
    case 'int8': case 'uint8': case 'int16': case 'uint16': case 'int32': case 'int64': case 'uint32': case 'uint64': return 'int32';
    case 'bool': return 'bool';
    default: throw new TfjsPeerError(node, `dtype ${dtype} has no tfjs equivalent`);
  }
}

/** A typed array tfjs accepts for this tensor. */
function hostData(t, node) {
  const d = t.data;
  if (t.dtype === 'float16') throw new TfjsPeerError(node, 'float16 constants are not supported');
  if (d instanceof Float32Array || d instanceof Int32Array || d instanceof Uint8Array) return t.dtype === 'uint8' ? Int32Array.from(d) : d;
  if (d instanceof Float64Array) return Float32Array.from(d);
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) {
    const out = new Int32Array(d.length);
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      if (v > 2147483647n || v < -2147483648n) throw new TfjsPeerError(node, `int64 value ${v} does not fit tfjs's int32`);
      out[i] = Number(v);
    }
    return out;
  }
  return Int32Array.from(d);
}

/** Runs a plan on feeds already converted to tfjs tensors (ONNX layout); resolves to the outputs. */
function runPlan(tf, plan, feeds) {
  const outs = tf.tidy(() => {
    const env = new Env(tf, plan);
    for (const [name, t] of Object.entries(feeds)) env.set(name, t, 'nchw');
    for (const step of plan.steps) {
      try {
        step.run(env);
      } catch (e) {
        if (e instanceof TfjsPeerError) throw e;
        throw new TfjsPeerError(step.node, `tfjs failed: ${e?.message ?? e}`);
      }
      for (const name of step.frees) env.free(name);
    }
    return plan.outputs.map((o) => o.read(env));
  });
  plan.verified = true;
  return outs;
}

/** The values of one run: tensor and layout per name, plus conversions made on demand. */
class Env {
  constructor(tf, plan) {
    this.tf = tf;
    this.plan = plan;
    this.vals = new Map();
    this.converted = new Map();
    this.live = new Set();
  }
  set(name, t, layout) {
    if (!this.plan.verified) this.verify(name, t, layout);
    if (this.live.has(t.id) || this.plan.isWeight(t)) t = this.tf.clone(t);   // an op handed back one of its inputs
    this.live.add(t.id);
    this.vals.set(name, { t, layout });
  }
  get(name, layout) {
    const v = this.vals.get(name);
    if (!v) throw new TfjsPeerError(null, `value '${name}' is not available (freed or never produced)`);
    if (v.layout === layout) return v.t;
    const key = `${name}\0${layout}`;
    let t = this.converted.get(key);
    if (!t) {
      t = convert(this.tf, v.t, layout);
      this.live.add(t.id);
      this.converted.set(key, t);
    }
    return t;
  }
  free(name) {
    const v = this.vals.get(name);
    if (!v) return;
    this.vals.delete(name);
    this.live.delete(v.t.id);
    v.t.dispose();
    for (const layout of ['nchw', 'nhwc']) {
      const key = `${name}\0${layout}`;
      const t = this.converted.get(key);
      if (t) { this.converted.delete(key); this.live.delete(t.id); t.dispose(); }
    }
  }
  /** First run of a plan: every value must have the shape the graph says (catches translation bugs). */
  verify(name, t, layout) {
    const want = this.plan.shapes.get(name);
    if (!want) return;
    const expect = layout === 'nhwc' ? toNhwcShape(want) : want;
    if (expect.length !== t.shape.length || expect.some((d, i) => d !== t.shape[i])) {
      throw new TfjsPeerError(null, `value '${name}' came out [${t.shape}] (${layout}), the graph says [${want}]`);
    }
  }
}

/** NCHW <-> NHWC. When H*W == 1 (or C == 1) the two orders are the same bytes: a reshape. */
function convert(tf, t, to) {
  if (t.rank !== 4) throw new TfjsPeerError(null, `cannot convert a rank-${t.rank} tensor to ${to}`);
  const [n, a, b, c] = t.shape;
  if (to === 'nhwc') return (b * c === 1 || a === 1) ? tf.reshape(t, [n, b, c, a]) : tf.transpose(t, NHWC_OF_NCHW);
  return (a * b === 1 || c === 1) ? tf.reshape(t, [n, c, a, b]) : tf.transpose(t, NCHW_OF_NHWC);
}
