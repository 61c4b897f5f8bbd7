// Per-kernel profile of a compiled model: each kernel timed on its own (median of N calls after a
// warm-up), with achieved GFLOP/s. Usage: node bench/profile.mjs model.onnx|model.wasm [--iters N] [--top K] [--relaxed] [--no-winograd]
import { readFileSync } from 'node:fs';
import { compile } from '../dist/compiler/compile.js';
import { loadModel } from '../dist/runtime/loader.js';
import { zeroInputs as zeroInputsOf } from './lib/zero-inputs.mjs';

const args = process.argv.slice(2);
const file = args[0];
const opt = (name, d) => { const i = args.indexOf(`--${name}`); return i >= 0 ? Number(args[i + 1]) : d; };
const iters = opt('iters', 10), top = opt('top', 25);
const bytes = file.endsWith('.onnx') ? (await compile(file, { relaxedSimd: args.includes('--relaxed'), winograd: args.includes('--no-winograd') ? false : undefined })).wasm : readFileSync(file);
const m = await loadModel(bytes, {});
const ks = m.exports.kernels;
const zeroInputs = () => zeroInputsOf(m);
for (let w = 0; w < 3; w++) { zeroInputs(); m.exports.run(); }
const rows = ks.map((k, i) => {
  const t = [];
  for (let r = 0; r < iters; r++) { zeroInputs(); const s = performance.now(); k(0, 1); t.push(performance.now() - s); }
  t.sort((a, b) => a - b);
  const ms = t[t.length >> 1], meta = m.meta.kernels[i];
  return { i, name: meta.name, ops: meta.ops.join('_'), ms, gflops: meta.flops / ms / 1e6, flops: meta.flops, bytes: meta.bytes };
});
const total = rows.reduce((a, r) => a + r.ms, 0);
const flops = rows.reduce((a, r) => a + r.flops, 0);
console.log(`${file}: ${rows.length} kernels, sum of medians ${total.toFixed(2)} ms, ${(flops / total / 1e6).toFixed(1)} GFLOP/s overall`);
const byOp = {};
for (const r of rows) { const key = r.name.includes('.') ? r.name.slice(r.name.lastIndexOf('.') + 1) : r.ops; byOp[key] = (byOp[key] ?? 0) + r.ms; }
console.log('by kind:', Object.entries(byOp).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', '));
for (const r of [...rows].sort((a, b) => b.ms - a.ms).slice(0, top))
  console.log(`${String(r.i).padStart(4)} ${r.ms.toFixed(3).padStart(8)} ms ${r.gflops.toFixed(1).padStart(6)} GF/s ${(r.bytes / r.ms / 1e6).toFixed(1).padStart(6)} GB/s  ${r.name} [${r.ops}]`);
