// The benchmark suite (`npm run bench`, which builds first; this file imports accelc from dist/):
//
//   node bench/run.mjs [--models a,b] [--threads 1,2] [--iters 20] [--scaling-runs 150] [--warmup 3] [--simd auto|plain|relaxed]
//                      [--json] [--models-dir DIR]
//     accelc vs onnxruntime-web (WASM SIMD) vs TF.js WASM (bench/peers/tfjs.mjs) vs onnxruntime-node
//     on the same seeded random input, per model at each thread count: p50, ratios and their
//     geometric means, accelc's GFLOP/s against the measured peak, first run, compile time, peak
//     RSS, max|diff| vs onnxruntime-node. Writes bench/results/latest.{json,md,svg}.
//   node bench/run.mjs --peak [--json]
//     the roofline microbenchmark: SIMD peak per core and memory bandwidth, written to
//     bench/results/peak.json (the model benchmark reads it; without it, it measures a quick one).
//
// One child process per thread count (onnxruntime-web fixes its thread count at its first session)
// times all runtimes round-robin (bench/lib/time-child.mjs; above 1 thread, one child per runtime); then one short child per runtime and
// model measures its peak RSS (bench/lib/rss-child.mjs). --simd: 'auto' runs each engine as Node
// comes, 'plain' makes accelc run its plain-SIMD kernels, 'relaxed' enables relaxed SIMD in the
// children (Node 20 has it behind --experimental-wasm-relaxed-simd).

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChild } from './lib/children.mjs';
import { ENGINES } from './lib/engines.mjs';
import { reportMarkdown } from './lib/markdown.mjs';
import { buildReport } from './lib/report.mjs';
import { reportSvg } from './lib/svg.mjs';
import { machineSpeedup } from './lib/machine.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const results = path.join(here, 'results');
const PEAK_FILE = path.join(results, 'peak.json');
const DEFAULT_MODELS = ['mobilenet_v2', 'resnet18', 'squeezenet1_1', 'shufflenet_v2_x1_0', 'digits_cnn', 'bert_mini', 'vit_tiny'];
const RSS_RUNS = 3;

/**
 * Runs a side in the thread-scaling table, in blocks of 5: 30 pairs of adjacent blocks. With 12
 * (60 runs, sessions 8-13) the paired median of one model moved 1.48-1.81x between runs of the
 * same code, its pairs spanning 1.2-2.0x within a run; the median of n pairs narrows as 1/sqrt(n).
 */
const SCALING_RUNS = 150;
const USAGE = 'usage: node bench/run.mjs [--models a,b] [--threads 1,2] [--iters N] [--scaling-runs N] [--warmup N] [--simd auto|plain|relaxed] [--json] [--models-dir DIR]\n' +
  '       node bench/run.mjs --peak [--json]';

const opts = parseOptions(process.argv.slice(2));
if (opts.peak) await peakCommand();
else await benchCommand();
process.exit(0);

function parseOptions(argv) {
  const opts = { peak: false, threads: [1, 2], models: DEFAULT_MODELS, iters: 20, scalingRuns: SCALING_RUNS, warmup: 3, simd: 'auto', json: false, modelsDir: path.resolve(repo, '..', 'shared', 'models') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    const int = (min, v = value()) => {
      if (!/^\d+$/.test(v) || Number(v) < min) usage(`${a} needs integers >= ${min}, got '${v}'`);
      return Number(v);
    };
    const list = () => value().split(',').map((s) => s.trim()).filter(Boolean);
    if (a === '--peak') opts.peak = true;
    else if (a === '--threads') opts.threads = [...new Set(list().map((v) => int(1, v)))];
    else if (a === '--iters') opts.iters = int(1);
    else if (a === '--scaling-runs') opts.scalingRuns = int(1);
    else if (a === '--warmup') opts.warmup = int(0);
    else if (a === '--models') opts.models = list();
    else if (a === '--models-dir') opts.modelsDir = path.resolve(value());
    else if (a === '--simd') opts.simd = value();
    else if (a === '--json') opts.json = true;
    else if (a === '--help' || a === '-h') { console.log(USAGE); process.exit(0); }
    else usage(`unknown option '${a}'`);
  }
  if (!['auto', 'plain', 'relaxed'].includes(opts.simd)) usage(`--simd takes auto, plain or relaxed, got '${opts.simd}'`);
  if (!opts.threads.length) usage('--threads needs at least one thread count');
  return opts;
}

function usage(msg) {
  console.error(`bench: ${msg}\n${USAGE}`);
  process.exit(2);
}

async function peakCommand() {
  if (!opts.json) console.error('bench: measuring the SIMD peak and memory bandwidth...');
  const { measurePeak, peakMarkdown } = await import('./lib/peak.mjs');
  const peak = await measurePeak();
  mkdirSync(results, { recursive: true });
  writeFileSync(PEAK_FILE, JSON.stringify(peak, null, 2) + '\n');
  console.log(opts.json ? JSON.stringify(peak, null, 2) : peakMarkdown(peak));
}

/** The peak from bench/results/peak.json, else a quick one measured now (in this process, which runs no model). */
async function loadPeak() {
  if (existsSync(PEAK_FILE)) {
    const p = JSON.parse(readFileSync(PEAK_FILE, 'utf8'));
    return { peak: p, source: `bench/results/peak.json of ${p.date.slice(0, 10)}` };
  }
  if (!opts.json) console.error("bench: no bench/results/peak.json ('npm run bench -- --peak' writes it); measuring a quick peak");
  const { measurePeak } = await import('./lib/peak.mjs'); // binaryen: loaded only when measuring
  return { peak: await measurePeak({ quick: true }), source: 'quick measurement in this run' };
}

async function benchCommand() {
  if (!existsSync(path.join(repo, 'dist', 'runtime', 'session.js'))) {
    console.error("bench: dist/ not found; run 'npm run build' first");
    process.exit(1);
  }
  const found = opts.models.filter((m) => existsSync(path.join(opts.modelsDir, `${m}.onnx`)));
  const skipped = opts.models.filter((m) => !found.includes(m));
  const { peak, source } = await loadPeak();
  const header = {
    date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model ?? 'unknown cpu', cores: os.availableParallelism(),
    load_avg: os.loadavg().map((l) => Math.round(l * 100) / 100), threads: opts.threads, iters: opts.iters, scaling_runs: opts.scalingRuns, warmup: opts.warmup,
    simd_option: opts.simd, peak, peak_source: source, rss_runs: RSS_RUNS, skipped,
  };
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'accelc-bench-'));
  try {
    // The first thread count's child keeps accelc's compiled modules for the memory probes.
    const wasmOf = (m) => path.join(tmp, `${m}.wasm`);
    const timings = {};
    if (opts.threads.length > 1) header.machine_speedup_before = await machineSpeedup();
    for (const t of opts.threads) {
      const models = found.map((m) => ({ name: m, path: path.join(opts.modelsDir, `${m}.onnx`), saveWasm: t === opts.threads[0] ? wasmOf(m) : undefined }));
      const config = { threads: t, models, iters: opts.iters, scalingRuns: opts.scalingRuns, warmup: opts.warmup, simd: opts.simd, quiet: opts.json };
      // At 1 thread all runtimes share a child, timed round-robin. With more, each runtime gets a
      // child of its own: onnxruntime-web's idle pool threads keep spinning (its allow_spinning
      // option did not stop that) and took the cores of whichever runtime ran next (accelc's
      // MobileNetV2 at 2 threads: 28.6 ms round-robin, 15.4 ms in its own process).
      const groups = t === 1 ? [undefined] : ENGINES.map((e) => [e]);
      timings[t] = { results: {}, error: undefined };
      for (const engines of groups) {
        const run = await runChild(path.join(here, 'lib', 'time-child.mjs'), { ...config, engines });
        for (const { result } of run.messages) {
          const into = (timings[t].results[result.model] ??= { ...result, engines: {} });
          Object.assign(into.engines, result.engines);
          for (const [k, v] of Object.entries(result)) if (k.endsWith('_scaling')) into[k] = v;   // each engine's own child measures its scaling
        }
        if (run.error) {
          timings[t].error ??= run.error;
          console.error(`bench: the ${t}-thread run${engines ? ` of ${engines[0]}` : ''} failed: ${run.error}`);
        }
      }
    }
    if (opts.threads.length > 1) header.machine_speedup_after = await machineSpeedup();
    const rss = await measureRss(found, timings[opts.threads[0]].results, wasmOf);
    header.baseline_rss_mb = rss.baseline;
    const report = buildReport(header, found, timings, rss.models);
    mkdirSync(results, { recursive: true });
    const md = reportMarkdown(report);
    writeFileSync(path.join(results, 'latest.json'), JSON.stringify(report, null, 2) + '\n');
    writeFileSync(path.join(results, 'latest.md'), md);
    writeFileSync(path.join(results, 'latest.svg'), reportSvg(report));
    console.log(opts.json ? JSON.stringify(report, null, 2) : md);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Peak RSS in MB per model and engine, each in a child of its own; baseline: a child that loads nothing. */
async function measureRss(models, measured, wasmOf) {
  const script = path.join(here, 'lib', 'rss-child.mjs');
  const probe = async (config) => {
    const run = await runChild(script, { runs: RSS_RUNS, simd: opts.simd, ...config }, { timeoutMs: 180_000 });
    return run.error ? { error: run.error } : run.messages[0].maxrss_mb;
  };
  const baseline = await probe({ engine: 'none' });
  const out = {};
  for (const name of models) {
    const m = measured[name];
    if (!opts.json) console.error(`bench: peak RSS: ${name}...`);
    out[name] = {};
    for (const engine of ENGINES) {
      if (!m || m.engines[engine]?.error) {
        out[name][engine] = { error: 'not measured: the runtime failed in the timing run' };
        continue;
      }
      const wasmPath = engine === 'accelc' ? wasmOf(name) : undefined;
      out[name][engine] = await probe({ engine, modelPath: path.join(opts.modelsDir, `${name}.onnx`), wasmPath, inputs: m.inputs, shapes: m.shapes });
    }
  }
  return { baseline: typeof baseline === 'number' ? baseline : undefined, models: out };
}
