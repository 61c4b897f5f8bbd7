// Throughput of one process serving a model, four ways on the same cores: one session with
// threads 1 on the calling thread (inline), one session with threads N (its runs split over N
// workers), N sessions with threads 1 and worker: true (each run on one worker; the N sessions
// run side by side), and --oversubscribe M sessions with threads N at once (M x N workers on the
// cores: a service that gave every model its own full-width session). Each way keeps its sessions busy with back-to-back runs (the event loop turns
// between a session's runs, as a server's would between requests) for a window of
// --seconds; the ways take turns, --rounds times, the first rotating each round, so machine noise
// lands on all alike. Per way: runs per second (median over rounds, and each round over the
// inline way's runs per second in the same round, median) and the event loop's delay meanwhile
// (perf_hooks.monitorEventLoopDelay: the median over rounds of each window's p99): how long anything
// else the process serves would wait. The worker sessions run on workers whatever the model's size
// (inlineWork 0). Run after `npm run build`:
//   node bench/throughput.mjs [--model mobilenet_v2|file.onnx] [--threads N] [--oversubscribe 4] [--rounds 8] [--seconds 1.5] [--json]
// Writes bench/results/throughput.{json,md}.

import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = 'usage: node bench/throughput.mjs [--model NAME|file.onnx] [--threads N] [--oversubscribe M] [--rounds N] [--seconds S] [--json]';

const opts = parseOptions(process.argv.slice(2));
const imp = (p) => import(pathToFileURL(path.join(repo, 'dist', p)).href);
const [{ InferenceSession }, { compile }, { randomFeeds }, { round }] = await Promise.all([
  imp('runtime/session.js'), imp('compiler/compile.js'), imp('compiler/cli/feeds.js'), imp('compiler/cli/stats.js'),
]);

const file = opts.model.endsWith('.onnx') ? opts.model : path.join(repo, 'test', 'models', `${opts.model}.onnx`);
const { wasm, meta } = await compile(file, {});
const feeds = randomFeeds(meta.inputs, 42);
const n = opts.threads;
const ways = [
  { key: 'inline_1', label: 'one session, threads 1, calling thread', sessions: [await InferenceSession.create(wasm, { threads: 1, warmup: 3 })] },
  { key: `pool_${n}`, label: `one session, threads ${n}`, sessions: [await InferenceSession.create(wasm, { threads: n, inlineWork: 0, warmup: 3 })] },
  { key: `workers_${n}x1`, label: `${n} sessions, threads 1, worker: true`, sessions: await Promise.all(Array.from({ length: n }, () => InferenceSession.create(wasm, { worker: true, inlineWork: 0, warmup: 3 }))) },
  { key: `pools_${opts.oversubscribe}x${n}`, label: `${opts.oversubscribe} sessions, threads ${n} (${opts.oversubscribe * n} workers)`, sessions: await Promise.all(Array.from({ length: opts.oversubscribe }, () => InferenceSession.create(wasm, { threads: n, inlineWork: 0, warmup: 3 }))) },
];
// The same outputs every way (the sessions run the same module).
const reference = await ways[0].sessions[0].run(feeds);
for (const w of ways) for (const s of w.sessions) {
  const out = await s.run(feeds);
  for (const name of s.outputNames) if (!sameData(out[name].data, reference[name].data)) throw new Error(`throughput: ${w.key} gave other outputs for ${name}`);
}

const perRound = Object.fromEntries(ways.map((w) => [w.key, []]));
const delays = Object.fromEntries(ways.map((w) => [w.key, []]));
for (let r = 0; r < opts.rounds; r++) {
  for (let k = 0; k < ways.length; k++) {
    const w = ways[(r + k) % ways.length];
    const { runs, seconds, delayP99 } = await window(w.sessions, opts.seconds * 1000);
    perRound[w.key].push(runs / seconds);
    delays[w.key].push(delayP99);
  }
}
const base = perRound.inline_1;
const report = {
  date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model ?? 'unknown cpu', cores: os.availableParallelism(),
  load_avg: os.loadavg().map((l) => round(l)), model: path.basename(file, '.onnx'), threads: n, oversubscribe: opts.oversubscribe, rounds: opts.rounds, seconds: opts.seconds,
  ways: ways.map((w) => ({
    key: w.key, label: w.label, sessions: w.sessions.length,
    runs_per_s: round(median(perRound[w.key])), runs_per_s_by_round: perRound[w.key].map(round),
    over_inline: round(median(perRound[w.key].map((v, i) => v / base[i]))),
    event_loop_delay_p99_ms: round(median(delays[w.key])),
  })),
};
for (const w of ways) for (const s of w.sessions) await s.release();
const out = path.join(repo, 'bench', 'results');
mkdirSync(out, { recursive: true });
writeFileSync(path.join(out, 'throughput.json'), JSON.stringify(report, null, 2) + '\n');
writeFileSync(path.join(out, 'throughput.md'), markdown(report));
console.log(opts.json ? JSON.stringify(report, null, 2) : markdown(report));
process.exit(0);

/** Every session runs back to back until `ms` have passed; runs finished, seconds, and the event loop's p99 delay meanwhile. */
async function window(sessions, ms) {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const t0 = performance.now();
  let runs = 0;
  await Promise.all(sessions.map(async (s) => {
    while (performance.now() - t0 < ms) {
      await s.run(feeds);
      runs++;
      await new Promise((r) => setImmediate(r));   // let the event loop turn, as a server's would between requests
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  delay.disable();
  return { runs, seconds, delayP99: delay.percentile(99) / 1e6 };
}

function sameData(a, b) {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

function median(values) {
  const v = [...values].sort((x, y) => x - y), m = v.length;
  return m % 2 ? v[m >> 1] : (v[m / 2 - 1] + v[m / 2]) / 2;
}

function markdown(r) {
  const lines = [
    '# accelc throughput: one process, four ways to use its cores', '',
    `${r.date} · node ${r.node} · ${r.cpu} · ${r.cores} cores · load average ${r.load_avg.join(' ')} · ${r.model} · ${r.rounds} rounds of ${r.seconds} s a way, taking turns`, '',
    '| way | sessions | runs/s (median of rounds) | over inline (paired by round) | event loop delay p99 (ms) |',
    '|---|---:|---:|---:|---:|',
    ...r.ways.map((w) => `| ${w.label} | ${w.sessions} | ${w.runs_per_s.toFixed(1)} | ${w.over_inline.toFixed(2)}x | ${w.event_loop_delay_p99_ms.toFixed(1)} |`),
    '',
    'Each way keeps its sessions busy with back-to-back runs on the same seeded random input, letting the event loop turn between a session\'s runs; all ways gave the same outputs. ' +
      'Event loop delay: how late a 1 ms timer on the calling thread fired meanwhile (perf_hooks.monitorEventLoopDelay), the median over rounds of each window\'s p99.',
  ];
  return lines.join('\n') + '\n';
}

function parseOptions(args) {
  const o = { model: 'mobilenet_v2', threads: Math.max(2, Math.min(os.availableParallelism(), 8)), oversubscribe: 4, rounds: 8, seconds: 1.5, json: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => {
      const v = args[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    const num = (min) => {
      const v = Number(value());
      if (!Number.isFinite(v) || v < min) usage(`${a} must be a number >= ${min}`);
      return v;
    };
    if (a === '--model') o.model = value();
    else if (a === '--threads') o.threads = Math.trunc(num(2));
    else if (a === '--oversubscribe') o.oversubscribe = Math.trunc(num(2));
    else if (a === '--rounds') o.rounds = Math.trunc(num(1));
    else if (a === '--seconds') o.seconds = num(0.1);
    else if (a === '--json') o.json = true;
    else if (a === '-h' || a === '--help') { console.log(USAGE); process.exit(0); }
    else usage(`unknown argument ${a}`);
  }
  return o;
}

function usage(message) {
  console.error(`throughput: ${message}\n${USAGE}`);
  process.exit(2);
}
