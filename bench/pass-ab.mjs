// Whole-run A/B of one graph pass: the model compiled with the full pipeline and with the pass
// disabled, run alternately in one process (round-robin, after a warm-up) at each thread count;
// p50 and min of each, their ratio, and that the outputs agree. For a pass whose effect is spread
// over kernels (or moves work between them) where bench/kernel-ab.mjs's per-kernel view misleads.
// Usage (after npm run build):
//   node bench/pass-ab.mjs model.onnx --disable-pass NAME[,NAME..] [--threads 1,2] [--iters 40]
import { compile } from '../dist/compiler/compile.js';
import { InferenceSession } from '../dist/runtime/session.js';
import { randomFeeds } from '../dist/compiler/cli/feeds.js';

const args = process.argv.slice(2);
const arg = (n, d) => { const i = args.indexOf(`--${n}`); return i >= 0 ? args[i + 1] : d; };
const [file] = args, pass = arg('disable-pass'), iters = Number(arg('iters', 40));
const threadCounts = arg('threads', '1,2').split(',').map(Number);
if (!file || !pass) { console.error('usage: node bench/pass-ab.mjs model.onnx --disable-pass NAME [--threads 1,2] [--iters N]'); process.exit(2); }

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const on = await compile(file), off = await compile(file, { disablePasses: pass.split(',') });
const feeds = randomFeeds(on.meta.inputs, 42);
console.log(`${file}: ${pass} on (${on.meta.kernels.length} kernels) / off (${off.meta.kernels.length} kernels), ${iters} runs each, round-robin`);
for (const threads of threadCounts) {
  const runs = [];
  for (const c of [on, off]) runs.push({ s: await InferenceSession.create(c.wasm, { threads }), times: [] });
  for (const r of runs) for (let i = 0; i < 5; i++) await r.s.run(feeds);
  for (let i = 0; i < iters; i++) for (const r of (i % 2 ? [...runs].reverse() : runs)) { const t = performance.now(); await r.s.run(feeds); r.times.push(performance.now() - t); }
  const [a, b] = await Promise.all(runs.map((r) => r.s.run(feeds)));
  let num = 0, den = 0;
  for (const k of Object.keys(a)) for (let i = 0; i < a[k].data.length; i++) { num = Math.max(num, Math.abs(a[k].data[i] - b[k].data[i])); den = Math.max(den, Math.abs(b[k].data[i])); }
  for (const r of runs) await r.s.release();
  const [x, y] = runs;
  console.log(`${threads} thread(s): p50 on ${median(x.times).toFixed(2)} ms, off ${median(y.times).toFixed(2)} ms (${(median(y.times) / median(x.times)).toFixed(3)}x); min on ${Math.min(...x.times).toFixed(2)}, off ${Math.min(...y.times).toFixed(2)} (${(Math.min(...y.times) / Math.min(...x.times)).toFixed(3)}x); rel. diff ${(num / (den || 1)).toExponential(1)}`);
}
