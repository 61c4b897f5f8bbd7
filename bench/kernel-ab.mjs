// Per-kernel A/B of a fusion pass: each kernel of the full pipeline that fused several nodes, timed
// against the kernels of the same nodes with the pass disabled, alternately in one process (median
// of N single-thread calls each, after a warm-up), then whole runs. `--all` lists every kernel, not
// only those fusing several nodes (for a pass that changes how kernels compute, e.g. layout-nhwc).
// Usage (after npm run build):
//   node bench/kernel-ab.mjs model.onnx --disable-pass fuse-depthwise [--iters 30] [--all]
import { compile } from '../dist/compiler/compile.js';
import { loadModel } from '../dist/runtime/loader.js';
import { zeroInputs } from './lib/zero-inputs.mjs';

const args = process.argv.slice(2);
const arg = (n, d) => { const i = args.indexOf(`--${n}`); return i >= 0 ? args[i + 1] : d; };
const [file] = args, pass = arg('disable-pass'), iters = Number(arg('iters', 30)), all = args.includes('--all');
if (!file || !pass) { console.error('usage: node bench/kernel-ab.mjs model.onnx --disable-pass NAME [--iters N]'); process.exit(2); }
const fused = await loadModel((await compile(file)).wasm, {});
const split = await loadModel((await compile(file, { disablePasses: [pass] })).wasm, {});
for (const m of [fused, split]) for (let w = 0; w < 3; w++) { zeroInputs(m); m.exports.run(); }
const time = (m, i) => { zeroInputs(m); const s = performance.now(); m.exports.kernels[i](0, 1); return performance.now() - s; };
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
let total = [0, 0];
console.log(`${file}, ${pass} on / off, ${iters} calls each, 1 thread (ms)`);
fused.meta.kernels.forEach((k, i) => {
  const parts = k.nodes.map((n) => split.meta.kernels.findIndex((q) => q.nodes.includes(n))).filter((j, at, all) => j >= 0 && all.indexOf(j) === at);
  if (!all && (k.nodes.length < 2 || parts.length < 2)) return;
  if (!parts.length) return;
  const a = [], b = [];
  for (let r = 0; r < iters; r++) { a.push(time(fused, i)); b.push(parts.reduce((s, j) => s + time(split, j), 0)); }
  total = [total[0] + median(a), total[1] + median(b)];
  console.log(`${k.name} [${k.ops.join('_')}]: on ${median(a).toFixed(3)}, off ${median(b).toFixed(3)} (${(median(b) / median(a)).toFixed(2)}x)`);
});
console.log(`total: on ${total[0].toFixed(3)}, off ${total[1].toFixed(3)} (${(total[1] / total[0]).toFixed(2)}x)`);
const run = (m) => { zeroInputs(m); const s = performance.now(); m.exports.run(); return performance.now() - s; };
const ra = [], rb = [];
for (let r = 0; r < iters; r++) { ra.push(run(fused)); rb.push(run(split)); }
console.log(`whole run p50: on ${median(ra).toFixed(3)}, off ${median(rb).toFixed(3)} (${(median(rb) / median(ra)).toFixed(2)}x)`);
process.exit(0);
