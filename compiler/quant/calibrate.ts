// Calibration: the float32 graph compiled once more with the values to quantize as extra outputs,
// run (one thread, plain SIMD) on each sample, and the [min, max] each value took over them all.
// A sample's tensors may stack several runs' inputs along the first axis (a calibration set as one
// array).

import type { Graph } from '../ir/graph.js';
import { fail } from '../errors.js';
import { lowerGraph } from '../lower/to-loops.js';
import { planMemory } from '../lower/memory-plan.js';
import { lowerProgram } from '../lower/pipeline.js';
import { emitWasm } from '../codegen/wasm/index.js';
import { loadModel } from '../../runtime/loader.js';
import { wasm } from '../../runtime/wasm-api.js';
import { dtypeInfo, formatDims, Tensor } from '../../runtime/tensor.js';
import { checkFeed } from '../../runtime/feed-checks.js';
import type { TensorMeta } from '../../runtime/meta.js';

export { calibrate, checkSamples };
export type { Sample };

/**
 * A tensor for each of the model's inputs, by name: one run's inputs, or several runs' stacked
 * along the first axis. For a model of one input, a sample of one tensor under any name.
 */
type Sample = Readonly<Record<string, Tensor>>;

/** The [min, max] of each of `values` over the samples (NaN and infinities make it non-finite). */
/** The calibration argument is a non-empty array (its samples are checked against the inputs when run). */
function checkSamples(samples: readonly Sample[], model: string): void {
  if (!Array.isArray(samples)) fail('E_USAGE', 'INT8 calibration samples must be an array of { input name: Tensor } objects', { model });
  if (!samples.length) fail('E_USAGE', 'INT8 calibration needs at least one sample', { model });
}

async function calibrate(g: Graph, values: readonly string[], samples: readonly Sample[]): Promise<Map<string, [number, number]>> {
  checkSamples(samples, g.name);
  const extra = values.filter((x) => !g.outputs.includes(x));
  const program = lowerGraph({ ...g, outputs: [...g.outputs, ...extra] }, g.name, { relaxedSimd: false });
  planMemory(program);
  const built = emitWasm(lowerProgram(program), { relaxedSimd: false, maxThreads: 1, lowered: true });
  const m = await loadModel(built.wasm, { simd: 'plain' });
  const ranges = new Map<string, [number, number]>(values.map((x) => [x, [Infinity, -Infinity]]));
  samples.forEach((sample, s) => {
    const count = sampleCount(g.name, sample, s, m.meta.inputs);
    for (let j = 0; j < count; j++) {
      for (const t of m.meta.inputs) {
        const given = tensorFor(sample, t.name, m.meta.inputs.length)!, n = given.data.length / count;
        const run = new Tensor(given.type, given.data.subarray(j * n, (j + 1) * n), t.shape);
        checkFeed(t, run, { model: g.name }, `calibration sample ${s}${count > 1 ? ` (run ${j})` : ''}: `);
        const bytes = n * dtypeInfo(t.dtype).bytes;
        new Uint8Array(m.memory.buffer, t.offset, bytes).set(new Uint8Array(run.data.buffer, run.data.byteOffset, bytes));
      }
      try {
        m.exports.run();
      } catch (e) {
        if (e instanceof wasm.RuntimeError) fail('E_RUNTIME', `the model trapped on calibration sample ${s}${count > 1 ? ` (run ${j})` : ''}: ${e.message}`, { model: g.name });
        throw e;
      }
      for (const t of m.meta.outputs) {
        const r = ranges.get(t.name);
        if (r) widen(r, new Float32Array(m.memory.buffer, t.offset, t.shape.reduce((a, b) => a * b, 1)));
      }
    }
  });
  return ranges;
}

/** [lo, hi] widened to hold x; NaN once any element was NaN. */
function widen(r: [number, number], x: Float32Array): void {
  let lo = r[0], hi = r[1];
  for (let i = 0; i < x.length; i++) {
    const y = x[i]!;
    if (y !== y) { lo = NaN; hi = NaN; break; }
    if (y < lo) lo = y;
    if (y > hi) hi = y;
  }
  if (!Number.isNaN(r[0])) { r[0] = lo; r[1] = hi; }
}

/**
 * How many runs a sample holds: each input's tensor is the compiled shape, or several of them
 * stacked along the first axis (the same number for every input).
 */
function sampleCount(model: string, sample: Sample, s: number, inputs: readonly TensorMeta[]): number {
  let count: number | undefined;
  if (typeof sample !== 'object' || sample === null) fail('E_INPUT', `calibration sample ${s} is not an object of tensors by input name`, { model });
  for (const t of inputs) {
    const given = tensorFor(sample, t.name, inputs.length);
    const where = `calibration sample ${s}, input '${t.name}'`;
    if (!given) fail('E_INPUT', `${where} is missing (the sample has: ${Object.keys(sample).join(', ') || 'nothing'})`, { model });
    if (typeof given !== 'object' || !Array.isArray(given.dims) || !ArrayBuffer.isView(given.data)) fail('E_INPUT', `${where} is not a Tensor`, { model });
    if (given.type !== t.dtype) fail('E_INPUT', `${where}: expected dtype ${t.dtype}, got ${given.type}`, { model });
    const array = dtypeInfo(t.dtype).array;
    if (!(given.data instanceof array)) fail('E_INPUT', `${where}: expected ${t.dtype} data in a ${array.name}, got a ${given.data.constructor.name}`, { model });
    const d0 = t.shape[0] ?? 1, n = given.dims[0] ?? 1;
    const fits = given.dims.length === t.shape.length && formatDims(given.dims.slice(1)) === formatDims(t.shape.slice(1)) && d0 > 0 && n % d0 === 0 && n > 0;
    if (!fits) fail('E_INPUT', `${where}: expected shape ${formatDims(t.shape)}, or several stacked along the first axis; got ${formatDims(given.dims)}`, { model });
    if (count !== undefined && n / d0 !== count) fail('E_INPUT', `${where} holds ${n / d0} runs' data, the sample's other inputs ${count}`, { model });
    count = n / d0;
  }
  return count ?? 1;
}

function tensorFor(sample: Sample, name: string, inputs: number): Tensor | undefined {
  const all = Object.values(sample);
  return sample[name] ?? (inputs === 1 && all.length === 1 ? all[0] : undefined);
}
