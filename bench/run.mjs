// accelc vs onnxruntime-web vs onnxruntime-node, in one process, on the same seeded random input.
// Run after `npm run build` (it imports accelc from dist/):
//   node bench/run.mjs [--threads 1] [--models a,b] [--iters 20] [--warmup 3] [--json] [--models-dir DIR]
// The three runtimes are timed round-robin (the starting one rotates each round), so machine noise
// lands on all of them alike. Prints a Markdown table (or the JSON, with --json) and writes both to
// bench/results/latest.{json,md}.
//
// Note: accelc's loader sets V8's --no-liftoff and --no-wasm-lazy-compilation (tierUp 'eager') when
// it loads its first module. The flags are process-wide, so onnxruntime-web's module is created
// before that (it keeps V8's default tiering for its compile, like in a browser); after warm-up both
// run optimized code, so the p50 columns compare like with like, the first-run columns less so.

import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(repo, 'dist');
const DEFAULT_MODELS = ['mobilenet_v2', 'resnet18', 'squeezenet1_1', 'shufflenet_v2_x1_0', 'digits_cnn', 'bert_mini', 'vit_tiny'];

const USAGE = 'usage: node bench/run.mjs [--threads N] [--models a,b] [--iters N] [--warmup N] [--json] [--models-dir DIR]';

function parseOptions(argv) {
  const opts = { threads: 1, models: DEFAULT_MODELS, iters: 20, warmup: 3, json: false, modelsDir: path.resolve(repo, '..', 'shared', 'models') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    const int = (min) => {
      const v = value();
      if (!/^\d+$/.test(v) || Number(v) < min) usage(`${a} needs an integer >= ${min}, got '${v}'`);
      return Number(v);
    };
    if (a === '--threads') opts.threads = int(1);
    else if (a === '--iters') opts.iters = int(1);
    else if (a === '--warmup') opts.warmup = int(0);
    else if (a === '--models') opts.models = value().split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--models-dir') opts.modelsDir = path.resolve(value());
    else if (a === '--json') opts.json = true;
    else if (a === '--help' || a === '-h') { console.log(USAGE); process.exit(0); }
    else usage(`unknown option '${a}'`);
  }
  return opts;
}

function usage(msg) {
  console.error(`bench: ${msg}\n${USAGE}`);
  process.exit(2);
}

async function loadLibraries(threads) {
  if (!existsSync(path.join(dist, 'runtime', 'session.js'))) {
    console.error("bench: dist/ not found; run 'npm run build' first");
    process.exit(1);
  }
  const imp = (p) => import(pathToFileURL(path.join(dist, p)).href);
  const [{ InferenceSession, }, { Tensor }, { randomFeeds }, { summarize, round }] = await Promise.all([
    imp('runtime/session.js'), imp('runtime/tensor.js'), imp('compiler/cli/feeds.js'), imp('compiler/cli/stats.js'),
  ]);
  // The compiler may be mid-change; the ort columns are still worth having without it.
  const compile = await imp('compiler/compile.js').then((m) => m.compile, (e) => {
    console.error(`bench: accelc's compiler does not load (${e.message}); timing onnxruntime only`);
    return undefined;
  });
  const ortWeb = await import('onnxruntime-web');
  const ortNode = (await import('onnxruntime-node')).default;
  const require = createRequire(import.meta.url);
  ortWeb.env.wasm.numThreads = threads;
  ortWeb.env.wasm.simd = true;
  ortWeb.env.wasm.wasmPaths = path.dirname(require.resolve('onnxruntime-web')) + path.sep;
  return { accelc: { InferenceSession, Tensor, compile, randomFeeds, summarize, round }, ortWeb, ortNode };
}

/** One runtime under test: create() returns a run(feeds) function and a release(). */
function engines(libs, threads) {
  const { accelc, ortWeb, ortNode } = libs;
  const toOrt = (ort, feeds) => Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, new ort.Tensor(t.type, t.data, t.dims)]));
  const ortEngine = (name, ort, options) => ({
    name,
    async create(modelPath, feeds) {
      const session = await ort.InferenceSession.create(modelPath, options);
      const ortFeeds = toOrt(ort, feeds);
      return { run: () => session.run(ortFeeds), release: () => session.release(), first: (r) => r[session.outputNames[0]].data };
    },
  });
  return [
    {
      name: 'accelc',
      async create(modelPath, feeds, shapes, row) {
        if (!accelc.compile) throw new Error('the compiler did not load');
        const t0 = performance.now();
        const { wasm } = await accelc.compile(modelPath, { shapes, maxThreads: threads });
        row.compile_ms = accelc.round(performance.now() - t0);
        row.wasm_mb = Math.round(wasm.length / 1e4) / 100;
        const session = await accelc.InferenceSession.create(wasm, { threads });
        return { run: () => session.run(feeds), release: () => session.release(), first: (r) => r[session.outputNames[0]].data };
      },
    },
    ortEngine('ort_web', ortWeb, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' }),
    ortEngine('ort_node', ortNode, { executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' }),
  ];
}

async function benchModel(name, opts, libs) {
  const modelPath = path.join(opts.modelsDir, `${name}.onnx`);
  const row = { model: name };
  // Input names, dtypes and shapes come from onnxruntime's view of the model (symbolic dims -> 1).
  const probe = await libs.ortNode.InferenceSession.create(modelPath);
  const inputs = probe.inputMetadata.map((m) => ({ name: m.name, dtype: m.type, offset: 0, shape: m.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1)) }));
  const shapes = Object.fromEntries(inputs.filter((_, i) => probe.inputMetadata[i].shape.some((d) => typeof d !== 'number')).map((t) => [t.name, t.shape]));
  await probe.release();
  const feeds = libs.accelc.randomFeeds(inputs, 42);

  // Create in this order: onnxruntime-web before accelc (see the note at the top).
  const order = engines(libs, opts.threads);
  const creationOrder = [order[1], order[2], order[0]];
  const live = [];
  for (const engine of creationOrder) {
    const stats = (row[engine.name] = {});
    try {
      const t0 = performance.now();
      const handle = await engine.create(modelPath, feeds, Object.keys(shapes).length ? shapes : undefined, row);
      stats.load_ms = libs.accelc.round(performance.now() - t0);
      const t1 = performance.now();
      const result = await handle.run();
      stats.first_run_ms = libs.accelc.round(performance.now() - t1);
      live.push({ engine, handle, stats, times: [], output: handle.first(result) });
    } catch (e) {
      stats.error = String(e?.message ?? e).split('\n')[0];
    }
  }
  live.sort((a, b) => order.indexOf(a.engine) - order.indexOf(b.engine));
  for (let round = 0; round < opts.warmup + opts.iters; round++) {
    for (let k = 0; k < live.length; k++) {
      const e = live[(round + k) % live.length];
      const t = performance.now();
      await e.handle.run();
      if (round >= opts.warmup) e.times.push(performance.now() - t);
    }
  }
  for (const e of live) {
    Object.assign(e.stats, libs.accelc.summarize(e.times));
    await e.handle.release();
  }
  const p50 = (k) => row[k]?.p50_ms;
  if (p50('accelc')) {
    if (p50('ort_web')) row.ort_web_over_accelc = Math.round((p50('ort_web') / p50('accelc')) * 100) / 100;
    if (p50('ort_node')) row.ort_node_over_accelc = Math.round((p50('ort_node') / p50('accelc')) * 100) / 100;
  }
  const a = live.find((e) => e.engine.name === 'accelc')?.output;
  const n = live.find((e) => e.engine.name === 'ort_node')?.output;
  if (a && n && a.length === n.length) {
    let max = 0;
    for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(Number(a[i]) - Number(n[i])));
    row.max_abs_diff = max;
  }
  return row;
}

function markdown(report) {
  const f = (v, digits = 2) => (typeof v === 'number' ? v.toFixed(digits) : '–');
  const lines = [
    `# accelc benchmark`,
    '',
    `${report.date} · node ${report.node} · ${report.cpu} · threads ${report.threads} · accelc SIMD ${report.accelc_simd} · ${report.iters} iters after ${report.warmup} warm-up · p50 in ms`,
    '',
    '| model | accelc | ort-web | ort-node | ort-web/accelc | ort-node/accelc | first run accelc / web / node | compile ms | max\\|diff\\| vs ort-node |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of report.models) {
    const first = ['accelc', 'ort_web', 'ort_node'].map((k) => f(r[k]?.first_run_ms, 1)).join(' / ');
    lines.push(`| ${r.model} | ${f(r.accelc?.p50_ms)} | ${f(r.ort_web?.p50_ms)} | ${f(r.ort_node?.p50_ms)} | ${f(r.ort_web_over_accelc)} | ` +
      `${f(r.ort_node_over_accelc)} | ${first} | ${f(r.compile_ms, 0)} | ${typeof r.max_abs_diff === 'number' ? r.max_abs_diff.toExponential(1) : '–'} |`);
  }
  const errors = report.models.flatMap((r) => ['accelc', 'ort_web', 'ort_node'].filter((k) => r[k]?.error).map((k) => `- ${r.model}, ${k}: ${r[k].error}`));
  if (errors.length) lines.push('', 'Errors:', ...errors);
  if (report.skipped.length) lines.push('', `Skipped (no such model in the models folder): ${report.skipped.join(', ')}`);
  return lines.join('\n') + '\n';
}

const opts = parseOptions(process.argv.slice(2));
const libs = await loadLibraries(opts.threads);
const report = {
  date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model ?? 'unknown cpu',
  threads: opts.threads, iters: opts.iters, warmup: opts.warmup, models: [], skipped: [],
  // accelc runs its relaxed-SIMD (FMA) kernels when the engine validates relaxed SIMD
  accelc_simd: (await import(pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'runtime', 'loader.js')).href)).supportsRelaxedSimd() ? 'relaxed' : 'plain',
};
for (const name of opts.models) {
  if (!existsSync(path.join(opts.modelsDir, `${name}.onnx`))) {
    report.skipped.push(name);
    continue;
  }
  if (!opts.json) console.error(`bench: ${name}...`);
  report.models.push(await benchModel(name, opts, libs));
}
const md = markdown(report);
const out = path.join(repo, 'bench', 'results');
mkdirSync(out, { recursive: true });
writeFileSync(path.join(out, 'latest.json'), JSON.stringify(report, null, 2) + '\n');
writeFileSync(path.join(out, 'latest.md'), md);
console.log(opts.json ? JSON.stringify(report, null, 2) : md);
process.exit(0); // onnxruntime-web's worker threads (threads > 1) would keep the process alive
