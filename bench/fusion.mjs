// Full graph pipeline vs fusion and layout disabled, per model, in one process: kernel count, p50
// latency and that the outputs agree. Three variants, timed round-robin: full (fusion, channels-last
// layout where it pays), nchw (fusion, every convolution NCHW: what the layout alone gives), and
// unfused (no fusion pass, NCHW).
// Usage (after npm run build): node bench/fusion.mjs [--models a,b] [--iters 20] [--json]
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from '../dist/compiler/compile.js';
import { InferenceSession } from '../dist/runtime/session.js';
import { Tensor } from '../dist/runtime/tensor.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const arg = (n, d) => { const i = args.indexOf(`--${n}`); return i >= 0 ? args[i + 1] : d; };
const iters = Number(arg('iters', 20));
const dirs = [join(here, '..', '..', 'shared', 'models'), join(here, '..', 'test', 'models')];
const names = arg('models', 'mobilenet_v2,resnet18,squeezenet1_1,shufflenet_v2_x1_0,digits_cnn,vit_tiny,bert_mini').split(',');
const FUSION = ['fuse-layernorm', 'push-constant-ops', 'lift-residual-adds', 'fuse-epilogue', 'fuse-elementwise', 'fuse-epilogue-tree', 'fuse-depthwise', 'fuse-row-ops', 'fold-layernorm'];

function seeded(n, seed = 1) { const a = new Float32Array(n); let s = seed; for (let i = 0; i < n; i++) { s = (s * 1103515245 + 12345) % 2 ** 31; a[i] = s / 2 ** 31 - 0.5; } return a; }
function feedsFor(meta) {
  const f = {};
  for (const t of meta.inputs) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    f[t.name] = t.dtype === 'int64' ? new Tensor('int64', BigInt64Array.from(seeded(n), (x) => BigInt(Math.floor((x + 0.5) * 100))), t.shape) : new Tensor('float32', seeded(n), t.shape);
  }
  return f;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const rows = [];
for (const name of names) {
  const path = dirs.map((d) => join(d, `${name}.onnx`)).find(existsSync);
  if (!path) continue;
  const shapes = name === 'digits_cnn' ? { image: [1, 1, 16, 16] } : undefined;
  const passes = (await import('../dist/compiler/passes/pipeline.js')).passNames();
  const variants = [{ label: 'full', disable: [] }, { label: 'nchw', disable: [], layout: 'nchw' }, { label: 'unfused', disable: FUSION.filter((p) => passes.includes(p)), layout: 'nchw' }];
  const runs = [];
  for (const v of variants) {
    const { wasm, meta } = await compile(path, { shapes, disablePasses: v.disable, layout: v.layout });
    const s = await InferenceSession.create(wasm, { threads: 1 });
    runs.push({ ...v, s, meta, times: [] });
  }
  const feeds = feedsFor(runs[0].meta);
  for (const r of runs) for (let i = 0; i < 3; i++) await r.s.run(feeds);
  for (let i = 0; i < iters; i++) for (const r of (i % 2 ? [...runs].reverse() : runs)) { const t = performance.now(); await r.s.run(feeds); r.times.push(performance.now() - t); }
  const outs = await Promise.all(runs.map((r) => r.s.run(feeds)));
  const key = runs[0].meta.outputs[0].name;
  const a = outs[0][key].data, b = outs[2][key].data;
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) { num = Math.max(num, Math.abs(a[i] - b[i])); den = Math.max(den, Math.abs(b[i])); }
  for (const r of runs) await r.s.release();
  const [full, nchw, unf] = runs;
  rows.push({ model: name, kernels_full: full.meta.kernels.length, kernels_unfused: unf.meta.kernels.length, p50_full_ms: median(full.times), p50_nchw_ms: median(nchw.times), p50_unfused_ms: median(unf.times),
    speedup: median(unf.times) / median(full.times), layout_speedup: median(nchw.times) / median(full.times), rel_diff: num / (den || 1) });
  console.error(`fusion bench: ${name} done`);
}
const md = ['| model | kernels (full / unfused) | p50 full ms | p50 nchw ms | p50 unfused ms | speedup (unfused / full) | of it the layout (nchw / full) | rel. diff |', '|---|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.model} | ${r.kernels_full} / ${r.kernels_unfused} | ${r.p50_full_ms.toFixed(2)} | ${r.p50_nchw_ms.toFixed(2)} | ${r.p50_unfused_ms.toFixed(2)} | ${r.speedup.toFixed(2)}x | ${r.layout_speedup.toFixed(2)}x | ${r.rel_diff.toExponential(1)} |`)].join('\n');
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'fusion.json'), JSON.stringify(rows, null, 2));
writeFileSync(join(here, 'results', 'fusion.md'), md + '\n');
console.log(args.includes('--json') ? JSON.stringify(rows) : md);
