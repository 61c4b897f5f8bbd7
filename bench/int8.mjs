// INT8 against float32, in one process (after npm run build; imports accelc from dist/):
//
//   node bench/int8.mjs [--models a,b] [--threads 1,2] [--rounds 12] [--simd plain|auto] [--models-dir DIR]
//
// Each model is compiled twice, float32 and INT8 (compile's int8 option: calibrated on the model's
// reference input, NAME.ref.npz; digits_cnn on 200 training images). At each thread count the two
// sessions and onnxruntime-node's float32 (its threads not spinning between runs) run in
// interleaved blocks of 5 runs, `--rounds` rounds, the three taking turns at going first;
// the report gives each side's median block p50 and the paired median of INT8's time over
// float32's (the median over rounds of the ratio of the two blocks of a round), and onnxruntime-node's over
// float32's the same way. Also: how many convolutions were quantized, INT8's top-1 against
// float32's and its largest error relative to the largest logit, and the share of the machine the
// hypervisor took (steal) during the timings. Writes
// bench/results/int8-latest.{md,json}. Never run two benchmarks at once.

import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from '../dist/compiler/compile.js';
import { InferenceSession } from '../dist/runtime/session.js';
import { readNpz } from '../dist/runtime/npz.js';
import { Tensor } from '../dist/runtime/tensor.js';
import { cpuMark, cpuShare } from './lib/cpu-share.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const arg = (n, d) => { const i = args.indexOf(`--${n}`); return i >= 0 ? args[i + 1] : d; };
const models = arg('models', 'mobilenet_v2,resnet18,squeezenet1_1,shufflenet_v2_x1_0').split(',');
const threadCounts = arg('threads', '1,2').split(',').map(Number);
const rounds = Number(arg('rounds', 12));
const simd = arg('simd', 'plain');
const dir = arg('models-dir', path.join(here, '..', 'test', 'models'));
const BLOCK = 5;

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const argmax = (a) => { let b = 0; for (let i = 1; i < a.length; i++) if (a[i] > a[b]) b = i; return b; };

/** The input feeds and calibration samples of a model. */
async function dataFor(name) {
  if (name === 'digits_cnn') {
    const d = await readNpz(path.join(dir, 'digits_data.npz'));
    const px = 256;
    const image = new Tensor('float32', d.test_x.data.slice(0, px), [1, 1, 16, 16]);
    return { feeds: { image }, calibration: [{ image: new Tensor('float32', d.train_x.data.slice(0, 200 * px), [200, 1, 16, 16]) }], shapes: { image: [1, 1, 16, 16] } };
  }
  const ref = await readNpz(path.join(dir, `${name}.ref.npz`));
  const inputName = Object.keys(ref).find((k) => k !== 'logits' && k !== 'output') ?? 'input';
  return { feeds: { [inputName]: ref[inputName] }, calibration: [{ [inputName]: ref[inputName] }] };
}

async function ortNode(modelPath, threads, feeds) {
  const ort = (await import('onnxruntime-node')).default;
  // Its intra-op threads must not spin after a run: they would take the cores from the block timed next.
  const s = await ort.InferenceSession.create(modelPath, {
    executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all',
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
  const f = Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, new ort.Tensor(t.type, t.data, t.dims)]));
  return { run: () => s.run(f), release: () => s.release() };
}

async function blockP50(run) {
  const t = [];
  for (let i = 0; i < BLOCK; i++) { const s = performance.now(); await run(); t.push(performance.now() - s); }
  return median(t);
}

const rows = [];
for (const name of models) {
  const modelPath = path.join(dir, `${name}.onnx`);
  const { feeds, calibration, shapes } = await dataFor(name);
  const f32 = await compile(modelPath, { shapes });
  const t0 = performance.now();
  const q = await compile(modelPath, { shapes, int8: { calibration } });
  const compileMs = performance.now() - t0;
  for (const threads of threadCounts) {
    const a = await InferenceSession.create(f32.wasm, { threads, simd });
    const b = await InferenceSession.create(q.wasm, { threads, simd });
    const o = await ortNode(modelPath, threads, feeds);
    const outA = Object.values(await a.run(feeds))[0].data, outB = Object.values(await b.run(feeds))[0].data;
    let err = 0, big = 0;
    for (let i = 0; i < outA.length; i++) { err = Math.max(err, Math.abs(outA[i] - outB[i])); big = Math.max(big, Math.abs(outA[i])); }
    for (let w = 0; w < 3; w++) { await a.run(feeds); await b.run(feeds); await o.run(); }
    const ta = [], tb = [], to = [];
    const mark = cpuMark();
    // The three sides take turns at going first, so none always follows the same one.
    const sides = [[ta, () => a.run(feeds)], [tb, () => b.run(feeds)], [to, () => o.run()]];
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < 3; i++) {
        const [times, run] = sides[(r + i) % 3];
        times.push(await blockP50(run));
      }
    }
    const row = {
      model: name, threads, quantized: q.int8.quantized.length, convs: q.int8.quantized.length + q.int8.skipped.length,
      f32_ms: median(ta), int8_ms: median(tb), ort_node_ms: median(to),
      int8_over_f32: median(tb.map((x, i) => x / ta[i])), ort_node_over_f32: median(to.map((x, i) => x / ta[i])),
      top1_same: argmax(outA) === argmax(outB), rel_err: err / (big || 1), int8_compile_ms: Math.round(compileMs),
      steal: cpuShare(mark, cpuMark())?.steal,
    };
    rows.push(row);
    console.log(JSON.stringify(row));
    await a.release(); await b.release(); await o.release();
  }
}

const fmt = (x, d = 2) => x.toFixed(d);
const md = [
  `# INT8 against float32 (bench/int8.mjs)`, '',
  `${new Date().toISOString()} · ${os.cpus()[0]?.model ?? 'cpu'} · ${os.cpus().length} vCPUs · Node ${process.versions.node} · accelc ${simd} SIMD · ${rounds} rounds of blocks of ${BLOCK} runs`, '',
  '| model | threads | convs in INT8 | float32 p50 ms | INT8 p50 ms | INT8 / float32 (paired) | onnxruntime-node float32 / accelc float32 (paired) | top-1 same | max error / max logit | steal |',
  '|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.model} | ${r.threads} | ${r.quantized} of ${r.convs} | ${fmt(r.f32_ms, 1)} | ${fmt(r.int8_ms, 1)} | **${fmt(r.int8_over_f32)}** | ${fmt(r.ort_node_over_f32)} | ${r.top1_same ? 'yes' : 'NO'} | ${r.rel_err.toExponential(1)} | ${r.steal === undefined ? '?' : `${Math.round(r.steal * 100)}%`} |`),
  '',
];
mkdirSync(path.join(here, 'results'), { recursive: true });
writeFileSync(path.join(here, 'results', 'int8-latest.md'), md.join('\n'));
writeFileSync(path.join(here, 'results', 'int8-latest.json'), JSON.stringify(rows, null, 1));
console.log(md.join('\n'));
process.exit(0);
