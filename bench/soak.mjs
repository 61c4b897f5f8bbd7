// Soak: many runs in one process on a worker pool, checking that memory stays flat. Compiles the
// model (in a child process, so the compiler's memory is not in the numbers), creates one session,
// warms up, records RSS, does --runs runs (in bursts of --burst
// concurrent runs, so the queue is exercised too), checks every output of one fixed input against
// its first result, and reports RSS after warm-up vs at the end. Run after `npm run build`:
//   node bench/soak.mjs [--model digits_cnn] [--runs 10000] [--burst 4] [--warmup 1000] [--threads N] [--json]
// Exits 1 if an output differs or RSS grew by 5% or more. Writes bench/results/soak.json.

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = 'usage: node bench/soak.mjs [--model NAME|file.onnx] [--runs N] [--burst N] [--warmup N] [--threads N] [--json]';
const MAX_GROWTH = 0.05;

const opts = parseOptions(process.argv.slice(2));
const imp = (p) => import(pathToFileURL(path.join(repo, 'dist', p)).href);
const [{ InferenceSession }, { Tensor }] = await Promise.all([imp('runtime/session.js'), imp('runtime/tensor.js')]);

const onnx = opts.model.endsWith('.onnx') ? opts.model : path.join(repo, 'test', 'models', `${opts.model}.onnx`);
const wasmPath = path.join(mkdtempSync(path.join(os.tmpdir(), 'accelc-soak-')), 'model.wasm');
execFileSync(process.execPath, [path.join(repo, 'dist', 'compiler', 'cli', 'main.js'), onnx, '-o', wasmPath], { stdio: ['ignore', 'ignore', 'inherit'] });
const wasm = readFileSync(wasmPath);
// inlineWork 0: with --threads N > 1 the soak exercises the worker pool even for a tiny model.
const session = await InferenceSession.create(wasm, { threads: opts.threads || undefined, inlineWork: 0, maxQueue: opts.burst });
const t = session.meta.inputs[0];
const size = t.shape.reduce((a, b) => a * b, 1);
const inputs = [0, 1, 2, 3].map((k) => new Tensor('float32', new Float32Array(size).map((_, i) => Math.cos(i * 0.01 + k)), t.shape));
const out = session.outputNames[0];
const expected = (await session.run({ [t.name]: inputs[0] }))[out].data;

const rss = () => process.memoryUsage().rss;
const mb = (b) => Math.round((b / 2 ** 20) * 10) / 10;
for (let i = 0; i < opts.warmup; i++) await session.run({ [t.name]: inputs[i % inputs.length] });
const rssWarm = rss();
const t0 = performance.now();
let mismatches = 0;
const checkpoints = [];
for (let done = 0; done < opts.runs; done += opts.burst) {
  if (done % 1000 < opts.burst && done > 0) checkpoints.push(mb(rss()));
  const n = Math.min(opts.burst, opts.runs - done);
  const outs = await Promise.all(Array.from({ length: n }, (_, k) => session.run({ [t.name]: inputs[(done + k) % inputs.length] })));
  outs.forEach((o, k) => {
    if ((done + k) % inputs.length === 0 && !sameBits(o[out].data, expected)) mismatches++;
  });
}
const seconds = (performance.now() - t0) / 1000;
const rssEnd = rss();
const threads = session.threads;
const workerStarts = session.workerStarts;
await session.release();

const growth = (rssEnd - rssWarm) / rssWarm;
const report = {
  date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model ?? 'unknown cpu',
  model: path.basename(onnx, '.onnx'), threads, runs: opts.runs, burst: opts.burst, warmup: opts.warmup,
  seconds: Math.round(seconds * 100) / 100, runs_per_s: Math.round(opts.runs / seconds),
  rss_after_warmup_mb: mb(rssWarm), rss_end_mb: mb(rssEnd), rss_growth_pct: Math.round(growth * 1000) / 10, rss_every_1000_runs_mb: checkpoints,
  output_mismatches: mismatches, worker_starts: workerStarts,
  ok: mismatches === 0 && growth < MAX_GROWTH,
};
const dir = path.join(repo, 'bench', 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(path.join(dir, 'soak.json'), JSON.stringify(report, null, 2) + '\n');
console.log(opts.json ? JSON.stringify(report, null, 2) : [
  `soak: ${report.model} on ${threads} threads, ${opts.runs} runs in bursts of ${opts.burst} after ${opts.warmup} warm-up runs: ${report.seconds} s (${report.runs_per_s} runs/s)`,
  `  RSS ${report.rss_after_warmup_mb} MB after warm-up, ${report.rss_end_mb} MB at the end: ${report.rss_growth_pct}% (limit ${MAX_GROWTH * 100}%)`,
  `  RSS every 1000 runs: ${checkpoints.join(' ')} MB`,
  `  outputs differing from the first run: ${mismatches}; workers started ${workerStarts} time(s)`,
  report.ok ? 'soak: OK' : 'soak: FAILED',
].join('\n'));
process.exit(report.ok ? 0 : 1);

function sameBits(a, b) {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length), y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function parseOptions(argv) {
  const o = { model: 'digits_cnn', runs: 10_000, burst: 4, warmup: 1000, threads: 0, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const int = (min) => {
      const v = argv[++i];
      if (!/^\d+$/.test(v ?? '') || Number(v) < min) usage(`${a} needs an integer >= ${min}`);
      return Number(v);
    };
    if (a === '--model') o.model = argv[++i] ?? usage('--model needs a value');
    else if (a === '--runs') o.runs = int(1);
    else if (a === '--burst') o.burst = int(1);
    else if (a === '--warmup') o.warmup = int(0);
    else if (a === '--threads') o.threads = int(0);
    else if (a === '--json') o.json = true;
    else if (a === '--help' || a === '-h') { console.log(USAGE); process.exit(0); }
    else usage(`unknown option '${a}'`);
  }
  return o;
}

function usage(msg) {
  console.error(`soak: ${msg}\n${USAGE}`);
  process.exit(2);
}
