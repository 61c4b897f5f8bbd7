// Load test of the Node example service (examples/node-server.mjs) on loopback: starts the server
// on 127.0.0.1 (a free port), sends --requests POST /classify from --clients concurrent clients,
// checks every response against a reference computed here on one thread (--inputs distinct
// inputs), reports p50/p99 latency, throughput and the server's RSS before and after, then stops
// the server. Run after `npm run build`:
//   node bench/load.mjs [--model squeezenet1_1] [--requests 1000] [--clients 32] [--inputs 8]
//                       [--threads N] [--sessions N] [--worker] [--deadline-s 300] [--json]
// (--sessions, --worker: the server's own flags, e.g. --threads 1 --worker --sessions 2 for N
// single-thread sessions on workers of their own.) Exits 1 if any response is wrong or lost, or the
// deadline passes. Writes bench/results/load.json (load-sessions.json with --sessions above 1 or --worker).

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HOST = '127.0.0.1';
const USAGE = 'usage: node bench/load.mjs [--model NAME|file.onnx|file.wasm] [--requests N] [--clients N] [--inputs N] [--threads N] [--sessions N] [--worker] [--deadline-s S] [--json]';

const opts = parseOptions(process.argv.slice(2));
const imp = (p) => import(pathToFileURL(path.join(repo, 'dist', p)).href);
const [{ InferenceSession }, { Tensor }, { compile }] = await Promise.all([imp('runtime/session.js'), imp('runtime/tensor.js'), imp('compiler/compile.js')]);

const wasmPath = await compiledModel(opts.model);
const reference = await references(wasmPath, opts.inputs);
const server = await startServer(wasmPath, opts);
let report;
try {
  const before = await health(server.port);
  const deadline = Date.now() + opts.deadlineS * 1000;
  const t0 = performance.now();
  const results = await fire(server.port, reference, opts.requests, opts.clients, deadline);
  const seconds = (performance.now() - t0) / 1000;
  const after = await health(server.port);
  report = summarize(results, { before, after, seconds });
} finally {
  await server.stop();
}
const out = path.join(repo, 'bench', 'results');
mkdirSync(out, { recursive: true });
writeFileSync(path.join(out, opts.sessions > 1 || opts.worker ? 'load-sessions.json' : 'load.json'), JSON.stringify(report, null, 2) + '\n');
console.log(opts.json ? JSON.stringify(report, null, 2) : text(report));
process.exit(report.ok ? 0 : 1);

function parseOptions(argv) {
  const o = { model: 'squeezenet1_1', requests: 1000, clients: 32, inputs: 8, threads: 0, sessions: 1, worker: false, deadlineS: 300, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const int = () => {
      const v = argv[++i];
      if (!/^\d+$/.test(v ?? '')) fail(`${a} needs a non-negative integer`);
      return Number(v);
    };
    if (a === '--model') o.model = argv[++i] ?? fail('--model needs a value');
    else if (a === '--requests') o.requests = int();
    else if (a === '--clients') o.clients = Math.max(1, int());
    else if (a === '--inputs') o.inputs = Math.max(1, int());
    else if (a === '--threads') o.threads = int();
    else if (a === '--sessions') o.sessions = Math.max(1, int());
    else if (a === '--worker') o.worker = true;
    else if (a === '--deadline-s') o.deadlineS = int();
    else if (a === '--json') o.json = true;
    else if (a === '--help' || a === '-h') { console.log(USAGE); process.exit(0); }
    else fail(`unknown option '${a}'`);
  }
  return o;
}

function fail(msg) {
  console.error(`load: ${msg}\n${USAGE}`);
  process.exit(2);
}

async function compiledModel(model) {
  if (model.endsWith('.wasm')) return path.resolve(model);
  const onnx = model.endsWith('.onnx') ? model : path.join(repo, 'test', 'models', `${model}.onnx`);
  const { wasm, meta } = await compile(onnx, {});
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'accelc-load-')), `${meta.name}.wasm`);
  writeFileSync(file, wasm);
  return file;
}

/** Distinct inputs and the server's expected answer for each, from a one-thread session here. */
async function references(wasm, count) {
  const session = await InferenceSession.create(wasm, { threads: 1 });
  const t = session.meta.inputs[0];
  const size = t.shape.reduce((a, b) => a * b, 1);
  const refs = [];
  for (let k = 0; k < count; k++) {
    const x = new Float32Array(size).map((_, i) => Math.sin((i + 1) * (0.001 + k * 0.0007)) * (1 + k / 4));
    const scores = (await session.run({ [t.name]: new Tensor('float32', x, t.shape) }))[session.outputNames[0]].data;
    const top = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a] || a - b).slice(0, 5);
    refs.push({ body: Buffer.from(x.buffer), top: top.map((index) => ({ index, score: scores[index] })) });
  }
  await session.release();
  return refs;
}

function startServer(wasm, { threads, sessions, worker }) {
  const args = [path.join(repo, 'examples', 'node-server.mjs'), wasm, '--port', '0', '--max-queue', '64', '--sessions', String(sessions)];
  if (threads) args.push('--threads', String(threads));
  if (worker) args.push('--worker', '1');
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('the server did not start within 60 s')), 60_000);
    child.on('exit', (code) => reject(new Error(`the server exited with code ${code} before listening`)));
    child.stdout.on('data', (d) => {
      buf += d;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+) \((.*)\)/.exec(buf);
      if (!m) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({
        port: Number(m[1]),
        banner: m[2],
        stop: () => new Promise((done) => {
          if (child.exitCode !== null) return done();
          child.once('exit', done);
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 5000).unref();
        }),
      });
    });
  });
}

function call(port, method, urlPath, body, agent) {
  return new Promise((resolve, reject) => {
    const req = request({ host: HOST, port, method, path: urlPath, agent, headers: body ? { 'content-type': 'application/octet-stream', 'content-length': body.length } : {} }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.setTimeout(60_000, () => req.destroy(new Error('no response within 60 s')));
    req.on('error', reject);
    req.end(body);
  });
}
async function health(port) {
  const { status, body } = await call(port, 'GET', '/health');
  if (status !== 200) throw new Error(`/health answered ${status}: ${body}`);
  return JSON.parse(body);
}

/** `clients` loops share `requests` request slots; request i sends input i mod the input count. */
async function fire(port, refs, requests, clients, deadline) {
  const agent = new Agent({ keepAlive: true, maxSockets: clients }); // one connection per client
  const results = new Array(requests);
  let next = 0;
  const client = async () => {
    while (next < requests && Date.now() < deadline) {
      const i = next++;
      const ref = refs[i % refs.length];
      const t = performance.now();
      try {
        const { status, body } = await call(port, 'POST', '/classify', ref.body, agent);
        const ms = performance.now() - t;
        if (status !== 200) { results[i] = { ok: false, ms, why: `HTTP ${status}: ${body.slice(0, 200)}` }; continue; }
        const got = JSON.parse(body).top;
        const same = got.length === ref.top.length && got.every((g, k) => g.index === ref.top[k].index && g.score === ref.top[k].score);
        results[i] = { ok: same, ms, why: same ? undefined : `wrong answer for input ${i % refs.length}` };
      } catch (e) {
        results[i] = { ok: false, ms: performance.now() - t, why: e.message };
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  agent.destroy();
  return results;
}

function summarize(results, { before, after, seconds }) {
  const done = results.filter(Boolean);
  const wrong = done.filter((r) => !r.ok);
  const ms = done.map((r) => r.ms).sort((a, b) => a - b);
  const pct = (p) => (ms.length ? Math.round(ms[Math.min(ms.length - 1, Math.floor((p / 100) * ms.length))] * 100) / 100 : undefined);
  const mb = (b) => Math.round((b / 2 ** 20) * 10) / 10;
  const errors = {};
  for (const r of wrong) errors[r.why] = (errors[r.why] ?? 0) + 1;
  return {
    date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model ?? 'unknown cpu', cores: os.availableParallelism(),
    model: before.model, sessions: before.sessions, threads: before.threads, worker: before.worker, clients: opts.clients, inputs: opts.inputs,
    requests: results.length, answered: done.length, correct: done.length - wrong.length, wrong_or_failed: wrong.length,
    lost: results.length - done.length, errors,
    p50_ms: pct(50), p99_ms: pct(99), max_ms: pct(100), seconds: Math.round(seconds * 100) / 100,
    requests_per_s: Math.round((done.length / seconds) * 10) / 10,
    rss_before_mb: mb(before.rss), rss_after_mb: mb(after.rss), worker_starts: after.workerStarts,
    ok: wrong.length === 0 && done.length === results.length,
  };
}

function text(r) {
  return [
    `load: ${r.model} on ${r.sessions} session${r.sessions > 1 ? 's' : ''} of ${r.threads} thread${r.threads > 1 ? 's' : ''}${r.worker ? ' (worker: true)' : ''}, ${r.requests} requests from ${r.clients} clients (${r.inputs} distinct inputs), loopback`,
    `  correct ${r.correct}/${r.requests}, wrong or failed ${r.wrong_or_failed}, lost ${r.lost}${Object.keys(r.errors).length ? ' ' + JSON.stringify(r.errors) : ''}`,
    `  latency p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, max ${r.max_ms} ms; ${r.requests_per_s} requests/s over ${r.seconds} s`,
    `  server RSS ${r.rss_before_mb} MB before, ${r.rss_after_mb} MB after; workers started ${r.worker_starts} time(s)`,
    r.ok ? 'load: OK' : 'load: FAILED',
  ].join('\n');
}
