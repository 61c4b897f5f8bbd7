// The classify endpoint of the example services (node-server.mjs, deno-server.ts), without any
// HTTP: both servers hand it the request and send back what it returns. Platform-neutral.
//
//   POST /classify   body: the model's first input as raw float32 little-endian bytes
//                    (Content-Type application/octet-stream), or JSON {"data": [numbers]}
//                    -> 200 {"top": [{"index", "score", "probability"} x 5], "ms"}
//   GET  /health     -> 200 {"ok": true, "model", "sessions", "threads", "worker", "inline", "pending",
//                               "maxQueue", "capacity", "workerStarts", "rss"}
//                    pending and workerStarts are totals over the sessions; maxQueue is each
//                    session's queue; capacity the runs the service holds before it answers 503
//                    (sessions x (maxQueue + the run in flight)).
// --sessions N serves from N sessions of the model, each request going to the one with the fewest
// runs pending; with --worker 1 each runs on one worker of its own, so N requests run at
// once on N cores (throughput), where one session with --threads N splits each request N ways.
// Errors: 400 bad input, 404/405 unknown route, 413 body too large, 503 queue full (retry),
// 504 timeout, 500 a failed run (trap, dead worker); the body is {"error", "code", "reason"}.

import { InferenceSession } from '../dist/runtime/session.js';
import { Tensor } from '../dist/runtime/tensor.js';

export { openClassifier, parseFlags };

const STATUS = { 'queue-full': 503, timeout: 504, cancelled: 499, released: 503 };

/** `--name value` flags, with defaults; the first argument without -- is the model. */
function parseFlags(argv, defaults) {
  const opts = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      opts.model = a;
      continue;
    }
    const key = a.slice(2).replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (!(key in defaults)) throw new Error(`unknown option ${a}`);
    const value = argv[++i];
    if (value === undefined) throw new Error(`${a} needs a value`);
    opts[key] = typeof defaults[key] === 'number' ? Number(value) : value;
  }
  if (!opts.model) throw new Error('usage: <server> MODEL.wasm [--port 8080] [--threads N] [--sessions N] [--worker 0|1] [--max-queue N] [--timeout-ms N] [--top K] [--inline-work W]');
  return opts;
}

/**
 * Loads the model into `sessions` sessions (default 1; threads 0 = as many as there are cores;
 * worker 1 = one thread on a worker of the session's own; inlineWork -1 = the runtime's default) and returns
 * handle(method, path, body: Uint8Array, contentType, signal) -> { status, json }, the sessions, a banner, and close().
 */
async function openClassifier({ model, threads, sessions: count = 1, worker = 0, maxQueue, timeoutMs, top, inlineWork }, rss = () => undefined) {
  if (!Number.isInteger(count) || count < 1) throw new Error(`--sessions must be a positive integer, got ${count}`);
  if (worker !== 0 && worker !== 1) throw new Error(`--worker must be 0 or 1, got ${worker}`);
  const options = {
    threads: threads > 0 ? threads : undefined,
    worker: worker === 1,
    inlineWork: inlineWork >= 0 ? inlineWork : undefined,
    maxQueue,
    timeoutMs: timeoutMs > 0 ? timeoutMs : undefined,
    warmup: true,
  };
  const sessions = [];
  try {
    for (let i = 0; i < count; i++) sessions.push(await InferenceSession.create(model, options));
    const t = sessions[0].meta.inputs[0];
    if (t.dtype !== 'float32') throw new Error(`the example serves float32 models; ${t.name} is ${t.dtype}`);
  } catch (e) {
    await Promise.all(sessions.map((x) => x.release()));
    throw e;
  }
  const session = sessions[0];
  /** The session with the fewest runs pending (the first such). */
  const pick = () => sessions.reduce((best, x) => (x.pending < best.pending ? x : best));
  const input = session.meta.inputs[0];
  const size = input.shape.reduce((a, b) => a * b, 1);
  const maxBody = size * 64; // 64 bytes a value: room for JSON numbers (~16 bytes each) 4 times over
  /** The answer to a body over maxBody; the servers give it as soon as a body passes maxBody, without reading the rest. */
  const tooLarge = () => ({ status: 413, json: { error: `body over ${maxBody} bytes; the input takes ${size} float32 values` } });

  /** Whether the route reads a request body (the servers read none for the others, and answer at once). */
  function readsBody(method, path) {
    return method === 'POST' && path === '/classify';
  }

  async function handle(method, path, body, contentType, signal) {
    if (path === '/health') {
      if (method !== 'GET') return { status: 405, json: { error: 'use GET' } };
      const sum = (f) => sessions.reduce((a, x) => a + f(x), 0);
      return { status: 200, json: { ok: true, model: session.meta.name, sessions: sessions.length, threads: session.threads, worker: options.worker, inline: session.inline, pending: sum((x) => x.pending), maxQueue: session.maxQueue, capacity: sessions.length * (session.maxQueue + 1), workerStarts: sum((x) => x.workerStarts), rss: rss() } };
    }
    if (path !== '/classify') return { status: 404, json: { error: `no route ${path}; try POST /classify or GET /health` } };
    if (method !== 'POST') return { status: 405, json: { error: 'use POST' } };
    if (body.length > maxBody) return tooLarge();
    let data;
    try {
      data = parseBody(body, contentType, size);
    } catch (e) {
      return { status: 400, json: { error: e.message } };
    }
    const t0 = performance.now();
    try {
      const outputs = await pick().run({ [input.name]: new Tensor('float32', data, input.shape) }, { signal });
      const scores = outputs[session.outputNames[0]].data;
      return { status: 200, json: { top: topK(scores, top), ms: Math.round((performance.now() - t0) * 100) / 100 } };
    } catch (e) {
      const status = e.code === 'E_INPUT' ? 400 : STATUS[e.reason] ?? 500;
      return { status, json: { error: e.message, code: e.code, reason: e.reason } };
    }
  }

  /** What the servers print once listening: the model, sessions x threads, and where runs execute. */
  const banner = `${session.meta.name}, ${sessions.length} x ${session.threads} threads${session.inline ? ', inline' : ''}${options.worker ? ', on workers' : ''}`;
  return { session, sessions, banner, handle, readsBody, maxBody, tooLarge, close: () => Promise.all(sessions.map((x) => x.release())) };
}

function parseBody(body, contentType, size) {
  let data;
  if (/json/i.test(contentType ?? '')) {
    const parsed = JSON.parse(new TextDecoder().decode(body));
    if (!Array.isArray(parsed?.data) || !parsed.data.every((v) => typeof v === 'number')) throw new Error('JSON body must be {"data": [numbers]}');
    data = Float32Array.from(parsed.data);
  } else {
    if (body.length % 4 !== 0) throw new Error(`raw body of ${body.length} bytes is not a whole number of float32 values`);
    data = new Float32Array(body.length / 4);
    new Uint8Array(data.buffer).set(body);
  }
  if (data.length !== size) throw new Error(`expected ${size} float32 values, got ${data.length}`);
  return data;
}

/** The k best scores, best first (ties to the lower index), with softmax probabilities. */
function topK(scores, k) {
  let max = -Infinity;
  for (const s of scores) max = Math.max(max, s);
  let sum = 0;
  for (const s of scores) sum += Math.exp(s - max);
  const order = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a] || a - b).slice(0, k);
  return order.map((index) => ({ index, score: scores[index], probability: Math.exp(scores[index] - max) / sum }));
}
