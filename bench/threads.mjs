// Thread scaling of accelc's worker runtime, in one process: each model is compiled once and run
// on sessions with 1 thread (the main thread) and N workers, timed round-robin (the starting
// session rotates every round) so machine noise lands on all alike; onnxruntime-node with the same
// intra-op thread counts is timed alongside for reference. Run after `npm run build`:
//   node bench/threads.mjs [--models resnet18,mobilenet_v2] [--threads 1,2] [--iters 20] [--warmup 3]
//                          [--profile] [--no-ort] [--quiet-machine X] [--json] [--models-dir DIR]
// --profile adds, per model, the kernels that scale worst (from SessionOptions.profile timings).
// Before and after, a pure-JavaScript busy loop on 1 and then 2 workers (best of 3) measures how
// much parallel speedup the machine itself gives right now (a shared machine may give less than 2x).
// A SIMD probe does the same with the roofline's f32x4 mul+add chains (bench/lib/peak.mjs), and a
// memory probe with buffer copies (native memcpy) of 4 MB (in the shared L3, like a
// model's activations) and 128 MB (memory), for the bandwidth the machine gives 2 threads against
// 1: the ceiling for kernels that stream activations.
// --quiet-machine X (e.g. 1.8): measure a model only between two such checks that both reach X,
// retrying (after a pause, up to 10 times) when the machine is busy with other work.
// Prints a Markdown table (or JSON) and writes bench/results/threads.{json,md}.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CHAINS, flopsProbe } from './lib/peak.mjs';
import { machineSpeedup } from './lib/machine.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = 'usage: node bench/threads.mjs [--models a,b] [--threads 1,2] [--iters N] [--warmup N] [--profile] [--no-ort] [--quiet-machine X] [--json] [--models-dir DIR]';

const opts = parseOptions(process.argv.slice(2));
const imp = (p) => import(pathToFileURL(path.join(repo, 'dist', p)).href);
const [{ InferenceSession }, { compile }, { randomFeeds }, { summarize, round }] = await Promise.all([
  imp('runtime/session.js'), imp('compiler/compile.js'), imp('compiler/cli/feeds.js'), imp('compiler/cli/stats.js'),
]);
const ort = opts.ort ? (await import('onnxruntime-node')).default : undefined;

const report = { date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model ?? 'unknown cpu', cores: os.availableParallelism(), load_avg: os.loadavg().map((l) => round(l)), threads: opts.threads, iters: opts.iters, warmup: opts.warmup, models: [] };
report.machine_speedup_before = await machineSpeedup();
for (const name of opts.models) {
  const file = path.join(opts.modelsDir, `${name}.onnx`);
  if (!existsSync(file)) {
    console.error(`threads: no ${file}; skipped`);
    continue;
  }
  if (!opts.json) console.error(`threads: ${name}...`);
  report.models.push(await measureQuietly(() => benchModel(name, file)));
}
report.machine_speedup_after = await machineSpeedup();
report.memory_speedup = await memorySpeedup();
report.simd_speedup = await simdSpeedup();
const md = markdown(report);
const out = path.join(repo, 'bench', 'results');
mkdirSync(out, { recursive: true });
writeFileSync(path.join(out, 'threads.json'), JSON.stringify(report, null, 2) + '\n');
writeFileSync(path.join(out, 'threads.md'), md);
console.log(opts.json ? JSON.stringify(report, null, 2) : md);
process.exit(0);

async function benchModel(name, file) {
  const maxThreads = Math.max(...opts.threads);
  const { wasm, meta } = await compile(file, { maxThreads: Math.max(16, maxThreads) });
  const feeds = randomFeeds(meta.inputs, 42);
  const runners = [];
  for (const threads of opts.threads) {
    const session = await InferenceSession.create(wasm, { threads, profile: opts.profile });
    runners.push({ key: `accelc_${threads}`, threads, session, run: () => session.run(feeds), times: [] });
  }
  if (ort) {
    const ortFeeds = Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, new ort.Tensor(t.type, t.data, t.dims)]));
    for (const threads of opts.threads) {
      const session = await ort.InferenceSession.create(file, { executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
      runners.push({ key: `ort_node_${threads}`, threads, session, run: () => session.run(ortFeeds), times: [] });
    }
  }
  for (let r = 0; r < opts.warmup + opts.iters; r++) {
    if (r === opts.warmup) for (const x of runners) x.session.kernelProfile?.({ reset: true });
    for (let k = 0; k < runners.length; k++) {
      const x = runners[(r + k) % runners.length];
      const t = performance.now();
      await x.run();
      if (r >= opts.warmup) x.times.push(performance.now() - t);
    }
  }
  const row = { model: name, kernels: meta.kernels.length };
  for (const x of runners) row[x.key] = summarize(x.times);
  const base = row[`accelc_${opts.threads[0]}`].p50_ms;
  const baseMin = row[`accelc_${opts.threads[0]}`].min_ms;
  for (const t of opts.threads.slice(1)) {
    row[`accelc_speedup_${t}`] = round(base / row[`accelc_${t}`].p50_ms);
    row[`accelc_speedup_min_${t}`] = round(baseMin / row[`accelc_${t}`].min_ms);
  }
  if (ort) for (const t of opts.threads.slice(1)) row[`ort_node_speedup_${t}`] = round(row[`ort_node_${opts.threads[0]}`].p50_ms / row[`ort_node_${t}`].p50_ms);
  if (opts.profile) row.profile = scaling(runners.filter((x) => x.key.startsWith('accelc')));
  for (const x of runners) await x.session.release();
  return row;
}

/** Per kernel: ms on one thread; on the most threads, wall ms (mean over threads of call to return, in-kernel waits included) and the busiest thread's ms. */
function scaling(accelc) {
  const one = accelc[0].session.kernelProfile();
  const many = accelc[accelc.length - 1];
  const n = many.threads;
  const timings = many.session.kernelProfile();
  const kernels = timings.map((k, i) => {
    const serial = one[i].computeMs[0];
    return { index: i, name: k.name, ops: k.ops.join('+'), serial_ms: round(serial), wall_ms: round(k.wallMs), busiest_ms: round(Math.max(...k.computeMs)), speedup: round(serial / k.wallMs), lost_ms: round(k.wallMs - serial / n) };
  });
  const sum = (f) => round(kernels.reduce((a, k) => a + f(k), 0));
  return {
    threads: n,
    serial_ms: sum((k) => k.serial_ms), wall_ms: sum((k) => k.wall_ms), busiest_ms: sum((k) => k.busiest_ms),
    // Kernels that barely speed up: their parallel loop is short, or most of their work is outside it.
    worst: [...kernels].sort((a, b) => b.lost_ms - a.lost_ms).slice(0, 8),
  };
}

function markdown(r) {
  const f = (v, d = 2) => (typeof v === 'number' ? v.toFixed(d) : '–');
  const ts = r.threads, more = ts.slice(1);
  const head = ['model', 'machine 2T/1T', 'kernels', ...ts.map((t) => `accelc ${t}T`), ...more.map((t) => `speedup ${t}T`), ...ts.map((t) => `min ${t}T`), ...more.map((t) => `speedup of mins ${t}T`)];
  if (opts.ort) head.push(...ts.map((t) => `ort-node ${t}T`), ...more.map((t) => `ort-node speedup ${t}T`));
  const lines = [
    '# accelc thread scaling', '',
    `${r.date} · node ${r.node} · ${r.cpu} · ${r.cores} cores · load average ${r.load_avg.join(' ')} · ${r.iters} iters after ${r.warmup} warm-up · p50 (and min) in ms`, '',
    `The machine itself (a JS busy loop, 2 workers vs 1): ${f(r.machine_speedup_before)}x before, ${f(r.machine_speedup_after)}x after.` +
      (r.simd_speedup ? ` SIMD arithmetic (bench/lib/peak.mjs's f32x4 mul+add chains, best of 3): ${f(r.simd_speedup.one_gflops, 1)} -> ${f(r.simd_speedup.two_gflops, 1)} GFLOP/s (${f(r.simd_speedup.speedup)}x).` : '') +
      (r.memory_speedup ? ` Copy bandwidth, 1 worker -> 2 (best of 3): ${['l3', 'memory'].map((k) => { const m = r.memory_speedup[k]; return `${k === 'l3' ? '4 MB buffers (L3)' : '128 MB buffers (memory)'} ${f(m.one_gbs, 1)} -> ${f(m.two_gbs, 1)} GB/s (${f(m.speedup)}x)`; }).join(', ')}.` : ''), '',
    `| ${head.join(' | ')} |`, `|${head.map((_, i) => (i ? '---:' : '---')).join('|')}|`,
  ];
  for (const m of r.models) {
    const cells = [m.model, `${(m.machine_speedup ?? []).map((x) => f(x)).join(' / ')}`, m.kernels, ...ts.map((t) => f(m[`accelc_${t}`]?.p50_ms)), ...more.map((t) => `${f(m[`accelc_speedup_${t}`])}x`),
      ...ts.map((t) => f(m[`accelc_${t}`]?.min_ms)), ...more.map((t) => `${f(m[`accelc_speedup_min_${t}`])}x`)];
    if (opts.ort) cells.push(...ts.map((t) => f(m[`ort_node_${t}`]?.p50_ms)), ...more.map((t) => `${f(m[`ort_node_speedup_${t}`])}x`));
    lines.push(`| ${cells.join(' | ')} |`);
  }
  for (const m of r.models.filter((x) => x.profile)) {
    const p = m.profile;
    lines.push('', `**${m.model}**, per-kernel profile: kernels take ${f(p.serial_ms)} ms on 1 thread; on ${p.threads}, ${f(p.wall_ms)} ms ` +
      `mean over threads (${f(p.busiest_ms)} ms in the busiest thread's kernels). Kernels losing the most (lost = wall - 1T / ${p.threads}):`, '',
      `| kernel | ops | 1T ms | ${p.threads}T wall ms | busiest thread ms | speedup | lost ms |`, '|---|---|---:|---:|---:|---:|---:|');
    for (const k of p.worst) lines.push(`| ${k.index} ${k.name} | ${k.ops} | ${f(k.serial_ms, 3)} | ${f(k.wall_ms, 3)} | ${f(k.busiest_ms, 3)} | ${f(k.speedup)} | ${f(k.lost_ms, 3)} |`);
  }
  return lines.join('\n') + '\n';
}

/** Runs `bench` between two machine checks; with --quiet-machine, until both checks pass. */
async function measureQuietly(bench) {
  for (let attempt = 1; ; attempt++) {
    const before = await machineSpeedup();
    const row = before >= opts.quietMachine ? await bench() : undefined;
    const after = row ? await machineSpeedup() : before;
    if ((row && after >= opts.quietMachine) || attempt >= 10) {
      return { ...(row ?? (await bench())), machine_speedup: [before, after], attempts: attempt };
    }
    if (!opts.json) console.error(`threads: the machine is busy (busy loop ${before}x / ${after}x on 2 workers); retrying in 10 s`);
    await new Promise((r) => setTimeout(r, 10_000));
  }
}

/** SIMD arithmetic of 2 workers at once against 1 (the roofline's register-only probe), best of 3 each. */
async function simdSpeedup() {
  const bytes = flopsProbe(false), trips = 20_000_000;
  const code = `const { parentPort, workerData } = require('node:worker_threads');
    WebAssembly.instantiate(workerData).then(({ instance }) => {
      const peak = instance.exports.peak; peak(1000000);
      parentPort.on('message', (n) => { const t = performance.now(); peak(n); parentPort.postMessage(performance.now() - t); });
      parentPort.postMessage(0);
    });`;
  const workers = [0, 1].map(() => new Worker(code, { eval: true, workerData: bytes }));
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
  const job = (w) => new Promise((resolve) => { w.once('message', resolve); w.postMessage(trips); });
  const gflops = (ms) => (trips * CHAINS * 8) / ms / 1e6;
  let one = 0, two = 0;
  for (let trial = 0; trial < 3; trial++) {
    one = Math.max(one, gflops(await job(workers[0])));
    two = Math.max(two, (await Promise.all(workers.map(job))).reduce((acc, ms) => acc + gflops(ms), 0));
  }
  await Promise.all(workers.map((w) => w.terminate()));
  return { one_gflops: round(one), two_gflops: round(two), speedup: round(two / one) };
}

/**
 * Copy bandwidth of 2 workers at once (each its own buffers) against 1, best of 3 each: with 4 MB
 * buffers (both workers' data in the shared L3, as a model's activations) and 128 MB (memory).
 */
async function memorySpeedup() {
  const probe = async (floats, reps) => {
    const code = `const { parentPort } = require('node:worker_threads');
      const n = ${floats}, a = new Float32Array(n).fill(1), b = new Float32Array(n);
      b.set(a);
      parentPort.on('message', (reps) => { const t = performance.now(); for (let i = 0; i < reps; i++) b.set(a); parentPort.postMessage(performance.now() - t); });`;
    const workers = [0, 1].map(() => new Worker(code, { eval: true }));
    const job = (w, r) => new Promise((resolve) => { w.once('message', resolve); w.postMessage(r); });
    const bytes = reps * 2 * floats * 4;   // read + written
    await Promise.all(workers.map((w) => job(w, 1)));
    let one = 0, two = 0;
    for (let trial = 0; trial < 3; trial++) {
      one = Math.max(one, bytes / (await job(workers[0], reps)) / 1e6);
      const ms = await Promise.all(workers.map((w) => job(w, reps)));
      two = Math.max(two, ms.reduce((acc, t) => acc + bytes / t / 1e6, 0));
    }
    await Promise.all(workers.map((w) => w.terminate()));
    return { one_gbs: round(one), two_gbs: round(two), speedup: round(two / one) };
  };
  return { l3: await probe(1 << 20, 100), memory: await probe(32 << 20, 5) };
}

function parseOptions(argv) {
  const o = { models: ['resnet18', 'mobilenet_v2'], threads: [1, 2], iters: 20, warmup: 3, profile: false, ort: true, quietMachine: 0, json: false, modelsDir: path.join(repo, 'test', 'models') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => argv[++i] ?? usage(`${a} needs a value`);
    const int = (min) => {
      const v = value();
      if (!/^\d+$/.test(v) || Number(v) < min) usage(`${a} needs an integer >= ${min}`);
      return Number(v);
    };
    if (a === '--models') o.models = value().split(',').filter(Boolean);
    else if (a === '--threads') o.threads = value().split(',').map(Number);
    else if (a === '--iters') o.iters = int(1);
    else if (a === '--warmup') o.warmup = int(0);
    else if (a === '--profile') o.profile = true;
    else if (a === '--no-ort') o.ort = false;
    else if (a === '--quiet-machine') o.quietMachine = Number(value());
    else if (a === '--json') o.json = true;
    else if (a === '--models-dir') o.modelsDir = path.resolve(value());
    else if (a === '--help' || a === '-h') { console.log(USAGE); process.exit(0); }
    else usage(`unknown option '${a}'`);
  }
  if (!o.threads.length || !o.threads.every((t) => Number.isInteger(t) && t >= 1)) usage('--threads takes a list of positive integers, e.g. 1,2');
  return o;
}

function usage(msg) {
  console.error(`threads: ${msg}\n${USAGE}`);
  process.exit(2);
}
