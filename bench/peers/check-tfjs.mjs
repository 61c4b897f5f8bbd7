// Checks the TF.js WASM peer (tfjs.mjs) on every model of the shared set (`npm run build` first):
//
//   node bench/peers/check-tfjs.mjs [--models a,b] [--models-dir DIR]
//
// Per model: max|diff| / max|ref| against onnxruntime-node on seeded random inputs, for the model's
// outputs and for two inner values made extra outputs (the head's input and the first Softmax's
// output: vit_tiny's logits are all zero and bert_mini's are two numbers); the same against
// PyTorch's NAME.ref.npz where there is one; then a smoke timing: the p50 of 10 warm runs, one
// thread. Exits 1 when a model fails or differs by more than 1e-3.

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { createTfjsSession } from './tfjs.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const importDist = (p) => import(pathToFileURL(path.join(repo, 'dist', p)).href);
const { onnx } = onnxProto;
const TOLERANCE = 1e-3;
const RUNS = 10;

const args = process.argv.slice(2);
const option = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const modelsDir = path.resolve(option('--models-dir') ?? path.join(repo, '..', 'shared', 'models'));
const models = option('--models')?.split(',') ?? readdirSync(modelsDir).filter((f) => f.endsWith('.onnx')).map((f) => f.slice(0, -5)).sort();

const [{ randomFeeds }, { readNpz }] = await Promise.all([importDist('compiler/cli/feeds.js'), importDist('runtime/npz.js')]);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tfjs-check-'));
let failed = false;
console.log(`TF.js WASM peer vs onnxruntime-node (max|diff| / max|ref|; tolerance ${TOLERANCE}), p50 of ${RUNS} warm runs, 1 thread`);
try {
  for (const name of models) {
    try {
      const r = await checkModel(name);
      const worst = Math.max(...Object.values(r.vsOrt), r.vsRef ?? 0);
      const bad = !(worst <= TOLERANCE);
      failed ||= bad;
      const diffs = Object.entries(r.vsOrt).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ');
      console.log(`${bad ? 'FAIL' : 'ok  '} ${name.padEnd(20)} vs ort: ${diffs}${r.vsRef === undefined ? '' : `; vs ref.npz ${r.vsRef.toExponential(2)}`}`);
      console.log(`     ${''.padEnd(20)} create ${r.createMs.toFixed(0)} ms, first run ${r.firstMs.toFixed(1)} ms, p50 ${r.p50.toFixed(2)} ms`);
    } catch (e) {
      failed = true;
      console.log(`FAIL ${name.padEnd(20)} ${e?.message ?? e}`);
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);

async function checkModel(name) {
  const modelPath = path.join(modelsDir, `${name}.onnx`);
  const ortSession = await ort.InferenceSession.create(modelPath, { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1 });
  const inputs = ortSession.inputMetadata.map((m) => ({ name: m.name, dtype: m.type, shape: m.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1)) }));
  await ortSession.release();
  const feeds = randomFeeds(inputs, 42);

  // correctness on the model with inner values exposed
  const inner = path.join(tmp, `${name}.inner.onnx`);
  writeFileSync(inner, exposeInner(readFileSync(modelPath)));
  const vsOrt = await compareWithOrt(inner, feeds);

  // the model itself: PyTorch's reference, then the timing
  const t0 = performance.now();
  const session = await createTfjsSession(modelPath);
  const createMs = performance.now() - t0;
  try {
    let vsRef;
    const refFile = path.join(modelsDir, `${name}.ref.npz`);
    if (existsSync(refFile)) {
      const ref = await readNpz(refFile);
      const out = await session.run(Object.fromEntries(session.inputNames.map((n) => [n, ref[n]])));
      vsRef = Math.max(...session.outputNames.filter((n) => ref[n]).map((n) => relDiff(out[n].data, ref[n].data)));
    }
    const t1 = performance.now();
    await session.run(feeds);
    const firstMs = performance.now() - t1;
    const times = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      await session.run(feeds);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    return { vsOrt, vsRef, createMs, firstMs, p50: (times[RUNS / 2 - 1] + times[RUNS / 2]) / 2 };
  } finally {
    session.release();
  }
}

async function compareWithOrt(modelPath, feeds) {
  const ortSession = await ort.InferenceSession.create(modelPath, { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1 });
  const want = await ortSession.run(Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, new ort.Tensor(t.type, t.data, t.dims)])));
  await ortSession.release();
  const session = await createTfjsSession(modelPath);
  try {
    const got = await session.run(feeds);
    const diffs = {};
    for (const n of session.outputNames) {
      if (JSON.stringify(got[n].dims) !== JSON.stringify(want[n].dims)) throw new Error(`output '${n}': dims [${got[n].dims}], onnxruntime [${want[n].dims}]`);
      diffs[n] = relDiff(got[n].data, want[n].data);
    }
    return diffs;
  } finally {
    session.release();
  }
}

/** The model with the head's input and the first Softmax's output as extra graph outputs. */
function exposeInner(bytes) {
  const m = onnx.ModelProto.decode(bytes);
  const g = m.graph;
  const head = g.node.find((n) => n.output.includes(g.output[0].name));
  const softmax = g.node.find((n) => n.opType === 'Softmax');
  const names = [head?.input[0], softmax?.output[0]].filter((n) => n && !g.output.some((o) => o.name === n) && !g.input.some((i) => i.name === n));
  for (const name of new Set(names)) g.output.push(onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } }));
  return onnx.ModelProto.encode(m).finish();
}

/** max|a - b| / max|b| (NaN anywhere: Infinity). */
function relDiff(a, b) {
  if (a.length !== b.length) return Infinity;
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(Number(a[i]) - Number(b[i]));
    if (!(d <= num)) num = Number.isNaN(d) ? Infinity : d;
    den = Math.max(den, Math.abs(Number(b[i])));
  }
  return num / (den || 1);
}
