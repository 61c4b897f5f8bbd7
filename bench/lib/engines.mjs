// The runtimes under test, each behind one shape: createEngine(name, ctx) loads the model and
// resolves to { run() -> first output's data, release(), info }. Each engine imports its library
// only when created, so a child process measuring one engine's memory loads only that engine.
//
// ctx: { modelPath (.onnx), wasmPath? (accelc: a compiled module to load instead of compiling),
//        saveWasm? (accelc: write the compiled module there), threads, shapes?, simd }
// simd: 'auto' (the engine as it comes), 'plain' (accelc runs its plain-SIMD kernels) or
// 'relaxed' (relaxed SIMD enabled in this process: call enableSimdFlavour first).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';

export { ENGINES, LABELS, TFJS_NO_THREADS, createEngine, enableSimdFlavour, importDist };

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const ENGINES = ['accelc', 'ort_web', 'tfjs', 'ort_node'];
const LABELS = { accelc: 'accelc', ort_web: 'onnxruntime-web', tfjs: 'TF.js WASM', ort_node: 'onnxruntime-node' };
const TFJS_NO_THREADS = 'n/a: stock tfjs has no threads in Node';

const importDist = (p) => import(pathToFileURL(path.join(repo, 'dist', p)).href);

/** Before any wasm compiles: --simd relaxed turns relaxed SIMD on (Node 20 has it behind a flag). */
function enableSimdFlavour(simd) {
  if (simd === 'relaxed') v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
}

async function createEngine(name, ctx) {
  const create = { accelc: createAccelc, ort_web: createOrtWeb, tfjs: createTfjs, ort_node: createOrtNode }[name];
  if (!create) throw new Error(`unknown engine '${name}'`);
  return create(ctx);
}

async function createAccelc({ modelPath, wasmPath, saveWasm, threads, shapes, simd, feeds }) {
  const [{ InferenceSession }, { supportsRelaxedSimd }] = await Promise.all([importDist('runtime/session.js'), importDist('runtime/loader.js')]);
  const info = {};
  let wasm;
  if (wasmPath) wasm = readFileSync(wasmPath);
  else {
    const { compile } = await importDist('compiler/compile.js');
    const t0 = performance.now();
    wasm = (await compile(modelPath, { shapes, maxThreads: threads })).wasm;
    info.compile_ms = Math.round(performance.now() - t0);
    info.wasm_mb = Math.round(wasm.length / 1e4) / 100;
    if (saveWasm) writeFileSync(saveWasm, wasm);
  }
  const session = await InferenceSession.create(wasm, { threads, simd: simd === 'plain' ? 'plain' : 'auto' });
  const { features, kernels } = session.meta;
  info.simd = features.relaxedSimd || (features.relaxedVariant && simd !== 'plain' && supportsRelaxedSimd()) ? 'relaxed' : 'plain';
  info.flops = kernels.reduce((sum, k) => sum + k.flops, 0);
  if (session.inline) info.inline = true;
  const output = session.outputNames[0];
  return { info, run: async () => (await session.run(feeds))[output].data, release: () => session.release() };
}

async function createOrtWeb({ modelPath, threads, feeds }) {
  const ort = await import('onnxruntime-web');
  // onnxruntime-web reads these once, when its first session is created
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.simd = true;
  ort.env.wasm.wasmPaths = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-web')) + path.sep;
  return ortHandle(ort, await ort.InferenceSession.create(modelPath, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' }), feeds);
}

async function createOrtNode({ modelPath, threads, feeds }) {
  const ort = (await import('onnxruntime-node')).default;
  const options = { executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' };
  return ortHandle(ort, await ort.InferenceSession.create(modelPath, options), feeds);
}

function ortHandle(ort, session, feeds) {
  const ortFeeds = Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, new ort.Tensor(t.type, t.data, t.dims)]));
  const output = session.outputNames[0];
  return { info: {}, run: async () => (await session.run(ortFeeds))[output].data, release: () => session.release() };
}

async function createTfjs({ modelPath, threads, feeds }) {
  if (threads > 1) throw new Error(TFJS_NO_THREADS);
  const peer = path.join(repo, 'bench', 'peers', 'tfjs.mjs');
  if (!existsSync(peer)) throw new Error('bench/peers/tfjs.mjs does not exist yet');
  let createTfjsSession;
  try {
    ({ createTfjsSession } = await import(pathToFileURL(peer).href));
  } catch (e) {
    throw new Error(`bench/peers/tfjs.mjs does not load: ${e?.message ?? e}`);
  }
  const session = await createTfjsSession(modelPath);
  const output = session.outputNames[0];
  return { info: {}, run: async () => (await session.run(feeds))[output].data, release: () => session.release() };
}
