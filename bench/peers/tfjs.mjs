// TF.js WASM (@tensorflow/tfjs-backend-wasm, XNNPACK, SIMD build, one thread) as a benchmark peer:
// runs an ONNX model the way a tfjs user who ported it would, through tfjs's fused ops in NHWC.
//
//   const s = await createTfjsSession('model.onnx');
//   const { logits } = await s.run({ input: { type: 'float32', data, dims: [1, 3, 224, 224] } });
//   s.release();
//
// The model is read with accelc's own frontend (dist/, so `npm run build` first) and cleaned up by
// the graph passes a converter would run (constant and shape folding, identity removal, CSE,
// BatchNorm into Conv, dead nodes; none of accelc's kernel fusions), then translated node by node
// into tfjs calls
// (tfjs-plan.mjs, tfjs-ops.mjs). Weights are prepared and uploaded at create. Inputs and outputs
// are in ONNX layout, as onnxruntime takes and returns them. A model with symbolic input dims is
// translated again for each new input shape (weights are shared). The backend's .wasm files are
// read from node_modules: nothing is downloaded.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { OPS } from './tfjs-ops.mjs';
import { buildPlan, runPlan, TfjsPeerError } from './tfjs-plan.mjs';

export { createTfjsSession, initTfjs, TfjsPeerError };

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
const importDist = (p) => import(pathToFileURL(path.join(repo, 'dist', p)).href);

/** accelc's passes a model converter also does; the kernel-fusion passes are accelc's own and left out. */
const PASSES = ['fold-constants', 'remove-identity', 'cse', 'dead-nodes', 'fold-batchnorm', 'prune'];

let ready;

/** Loads tfjs-core with the wasm backend (SIMD, single thread) once per process; resolves to tf. */
function initTfjs() {
  ready ??= (async () => {
    const tf = await import('@tensorflow/tfjs-core');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep);
    // In Node the backend reads its .wasm with fs; make sure nothing goes to the network instead.
    const fetch = globalThis.fetch;
    globalThis.fetch = () => Promise.reject(new Error('tfjs peer: tfjs tried to fetch at run time'));
    try {
      if (!(await tf.setBackend('wasm'))) throw new Error('tfjs peer: the wasm backend did not initialize');
      await tf.ready();
    } finally {
      globalThis.fetch = fetch;
    }
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    if (!simd || threads) throw new Error(`tfjs peer: expected tfjs-backend-wasm-simd.wasm (SIMD ${simd}, threads ${threads})`);
    return tf;
  })();
  ready.catch(() => { ready = undefined; });
  return ready;
}

async function createTfjsSession(onnxPath) {
  const tf = await initTfjs();
  const [{ loadOnnx }, pipeline, { decodeModel }, { readValueInfo }] = await Promise.all([
    importDist('compiler/frontend/onnx/index.js'), importDist('compiler/passes/pipeline.js'),
    importDist('compiler/frontend/onnx/decode.js'), importDist('compiler/frontend/onnx/value-info.js'),
  ]);
  const passes = PASSES.map((name) => pipeline.PASSES.find((p) => p.name === name));
  const bytes = readFileSync(onnxPath);
  const modelName = path.basename(onnxPath).replace(/\.onnx$/i, '');
  const modelDir = path.dirname(path.resolve(onnxPath));
  const proto = decodeModel(bytes, modelName).graph;
  const initializers = new Set((proto.initializer ?? []).map((t) => t.name));
  const declared = new Map((proto.input ?? []).filter((vi) => !initializers.has(vi.name)).map((vi) => [vi.name, readValueInfo(vi).shape]));
  const dynamic = [...declared.values()].some((s) => !s || s.some((d) => typeof d !== 'number'));
  const weights = new WeightCache(tf, dynamic);

  const specialize = (shapes) => {
    let { graph } = loadOnnx(bytes, { modelName, modelDir, shapes });
    for (const p of passes) graph = p.run(graph);
    return buildPlan(tf, graph, OPS, weights);
  };
  const first = specialize(undefined);
  const plans = new Map([[shapeKey(first.inputs.map((i) => i.dims)), first]]);
  const inputNames = first.inputs.map((i) => i.name);
  const outputNames = first.outputs.map((o) => o.name);
  let released = false;

  const planFor = (feeds) => {
    const given = Object.keys(feeds);
    const missing = inputNames.filter((n) => !given.includes(n)), extra = given.filter((n) => !inputNames.includes(n));
    if (missing.length || extra.length) throw new TfjsPeerError(null, `${modelName}: feeds must be exactly ${inputNames.join(', ')} (missing: ${missing.join(', ') || '-'}; unknown: ${extra.join(', ') || '-'})`);
    for (const i of first.inputs) {
      const f = feeds[i.name];
      if (f.type !== i.dtype) throw new TfjsPeerError(null, `${modelName}: input '${i.name}' must be ${i.dtype}, got ${f.type}`);
      const want = declared.get(i.name);
      const ok = f.dims.length === i.dims.length && (!want || f.dims.every((d, k) => typeof want[k] !== 'number' || want[k] === d));
      if (!ok) throw new TfjsPeerError(null, `${modelName}: input '${i.name}' has dims [${f.dims}], the model takes [${want ?? i.dims}]`);
    }
    const key = shapeKey(inputNames.map((n) => feeds[n].dims));
    let plan = plans.get(key);
    if (!plan) {
      plan = specialize(Object.fromEntries(inputNames.map((n) => [n, [...feeds[n].dims]])));
      plans.set(key, plan);
    }
    return plan;
  };

  return {
    inputNames,
    outputNames,
    async run(feeds) {
      if (released) throw new TfjsPeerError(null, `${modelName}: the session was released`);
      const plan = planFor(feeds);
      const inputs = {};
      let outs = [];
      try {
        for (const i of plan.inputs) inputs[i.name] = toTfjs(tf, feeds[i.name], i.name);
        outs = runPlan(tf, plan, inputs);
        const data = await Promise.all(outs.map((t) => t.data()));
        return Object.fromEntries(plan.outputs.map((o, k) => [o.name, fromTfjs(data[k], o.dtype, outs[k].shape)]));
      } finally {
        for (const t of [...Object.values(inputs), ...outs]) if (!weights.has(t)) t.dispose();
      }
    },
    release() {
      if (released) return;
      released = true;
      plans.clear();
      weights.dispose();
    },
  };
}

const shapeKey = (dims) => JSON.stringify(dims);

/** An accelc / onnxruntime-shaped tensor -> a tfjs tensor (int64 as int32, checked to fit). */
function toTfjs(tf, t, name) {
  const d = t.data;
  switch (t.type) {
    case 'float32': return tf.tensor(d, t.dims, 'float32');
    case 'float64': return tf.tensor(Float32Array.from(d), t.dims, 'float32');
    case 'bool': return tf.tensor(d, t.dims, 'bool');
    case 'int64': case 'uint64': {
      const out = new Int32Array(d.length);
      for (let i = 0; i < d.length; i++) {
        if (d[i] > 2147483647n || d[i] < -2147483648n) throw new TfjsPeerError(null, `input '${name}': int64 value ${d[i]} does not fit tfjs's int32`);
        out[i] = Number(d[i]);
      }
      return tf.tensor(out, t.dims, 'int32');
    }
    case 'int32': case 'int16': case 'int8': case 'uint16': case 'uint8': return tf.tensor(Int32Array.from(d), t.dims, 'int32');
    default: throw new TfjsPeerError(null, `input '${name}': dtype ${t.type} has no tfjs equivalent`);
  }
}

/** tfjs output data -> the ONNX dtype onnxruntime would return. */
function fromTfjs(data, dtype, dims) {
  const wrap = (d) => ({ type: dtype, data: d, dims: [...dims] });
  switch (dtype) {
    case 'float32': case 'float16': case 'float64': return wrap(data instanceof Float32Array ? data : Float32Array.from(data));
    case 'int64': return wrap(BigInt64Array.from(data, (v) => BigInt(v)));
    case 'bool': return wrap(Uint8Array.from(data));
    default: return wrap(Int32Array.from(data));
  }
}

/**
 * Uploaded constants, keyed by value name and preparation (transposed weights...). A model with
 * symbolic dims is imported again per input shape; a constant is then shared when its data is the
 * same, so the host copies are kept (only for such models).
 */
class WeightCache {
  constructor(tf, keepSources) {
    this.tf = tf;
    this.keepSources = keepSources;
    this.entries = new Map();
    this.ids = new Set();
  }
  get(name, tag, src, make) {
    const key = `${tag}\0${name}`;
    const list = this.entries.get(key) ?? [];
    for (const e of list) if (!this.keepSources || sameTensor(e.src, src)) return e.tensor;
    const tensor = make(src);
    this.ids.add(tensor.id);
    list.push({ src: this.keepSources ? src : undefined, tensor });
    this.entries.set(key, list);
    return tensor;
  }
  has(t) {
    return this.ids.has(t.id);
  }
  dispose() {
    for (const list of this.entries.values()) for (const e of list) e.tensor.dispose();
    this.entries.clear();
    this.ids.clear();
  }
}

function sameTensor(a, b) {
  if (a === b) return true;
  if (a.dtype !== b.dtype || a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) return false;
  const x = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  const y = new Uint8Array(b.data.buffer, b.data.byteOffset, b.data.byteLength);
  return Buffer.compare(x, y) === 0;
}
