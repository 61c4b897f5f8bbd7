// `accelc run model.wasm|model.onnx --inputs in.npz`: run once, print the outputs (and the top-K
// classes of the first), optionally save them. Arrays in the inputs file named like an output
// are taken as a reference and compared.

import { fail } from '../../errors.js';
import { InferenceSession } from '../../../runtime/session.js';
import { loadTopk } from '../../../runtime/kernels/topk.js';
import { writeNpy } from '../../../runtime/npy.js';
import { writeNpz } from '../../../runtime/npz.js';
import { formatDims, type Tensor } from '../../../runtime/tensor.js';
import { flagBool, flagInt, flagList, flagString, parseShapes } from '../args.js';
import type { Command } from '../command.js';
import { matchFeeds, randomFeeds, readArrays } from '../feeds.js';

export const runCommand: Command = {
  name: 'run',
  summary: 'run a model once on inputs from a .npz/.npy file (or random ones) and print the outputs',
  usage: 'accelc run model.wasm|model.onnx [--inputs in.npz|in.npy] [--out out.npz] [--top K] [--cast]',
  flags: [
    { name: 'inputs', short: 'i', kind: 'string', value: 'FILE', help: 'a .npz keyed by input name, or a .npy for a one-input model (default: random, seed 42)' },
    { name: 'out', kind: 'string', value: 'FILE', help: 'save the outputs to a .npz (or a .npy, for one output)' },
    { name: 'top', kind: 'int', value: 'K', help: 'print the top-K classes of the first output (softmax of its first row)' },
    { name: 'cast', kind: 'boolean', help: "convert inputs to the model's dtypes (float64 to float32, say) instead of failing" },
    { name: 'shape', kind: 'string', multiple: true, value: 'NAME=DIMS', help: 'for an .onnx model: fix the shape of an input' },
  ],
  async run(args, ctx) {
    if (args.positionals.length !== 1) fail('E_USAGE', `run takes one model, got ${args.positionals.length}: ${this.usage}`);
    const model = args.positionals[0]!;
    const inputsPath = flagString(args, 'inputs');
    const outPath = flagString(args, 'out');
    if (outPath !== undefined && !/\.(npz|npy)$/i.test(outPath)) fail('E_USAGE', `--out takes a .npz or .npy file, got '${outPath}'`);
    const shapes = parseShapes(flagList(args, 'shape'));
    const top = args.flags.has('top') ? flagInt(args, 'top', 5, 1) : undefined;
    const arrays = inputsPath !== undefined ? await readArrays(inputsPath) : undefined;

    const session = await InferenceSession.create(model, { compile: { shapes } });
    const feeds = arrays ? matchFeeds(arrays, session.meta.inputs, flagBool(args, 'cast'), inputsPath!) : randomFeeds(session.meta.inputs);
    if (!arrays) ctx.err('accelc: no --inputs: running on random inputs (seed 42)');
    const started = performance.now();
    const outputs = await session.run(feeds);
    const ms = performance.now() - started;
    await session.release();

    ctx.out(`${session.meta.name}: ran in ${ms.toFixed(2)} ms`);
    for (const [name, t] of Object.entries(outputs)) {
      const ref = arrays?.[name];
      const diff = ref && ref.size === t.size ? `  max|diff| vs ${inputsPath} ${maxAbsDiff(t, ref).toExponential(2)}` : '';
      ctx.out(`${name}: ${t.type} ${formatDims(t.dims)}${describeValues(t)}${diff}`);
    }
    if (top !== undefined) await printTop(session.outputNames[0]!, outputs[session.outputNames[0]!]!, top, ctx.out);
    if (outPath !== undefined) {
      if (/\.npz$/i.test(outPath)) await writeNpz(outPath, outputs);
      else if (session.outputNames.length === 1) await writeNpy(outPath, outputs[session.outputNames[0]!]!);
      else fail('E_USAGE', `the model has ${session.outputNames.length} outputs: --out needs a .npz`);
      ctx.out(`wrote ${outPath}`);
    }
    return 0;
  },
};

function values(t: Tensor): number[] {
  return Array.from(t.data as ArrayLike<number | bigint>, Number);
}

function describeValues(t: Tensor): string {
  if (t.size === 0) return '';
  const v = values(t);
  const min = v.reduce((a, b) => Math.min(a, b));
  const max = v.reduce((a, b) => Math.max(a, b));
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  return `  min ${fmt(min)} max ${fmt(max)} mean ${fmt(mean)}`;
}

function maxAbsDiff(a: Tensor, b: Tensor): number {
  const x = values(a);
  const y = values(b);
  return x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i]!)), 0);
}

/** The top-k classes of the first row of `t`, ranked by the TopK kernel, with softmax probabilities. */
async function printTop(name: string, t: Tensor, k: number, out: (line: string) => void): Promise<void> {
  const row = t.dims.length > 0 ? t.dims[t.dims.length - 1]! : 1;
  const logits = t.data instanceof Float32Array ? t.data.subarray(0, row) : Float32Array.from(values(t).slice(0, row));
  const topk = await loadTopk();
  const ranked = topk(logits, k);
  const max = ranked.values[0] ?? 0;
  let sum = 0;
  for (const v of logits) sum += Math.exp(v - max);
  out(`top-${ranked.indices.length} of ${name}${t.size > row ? ' (first row)' : ''}, softmaxed:`);
  ranked.indices.forEach((i, r) => {
    const p = Math.exp(ranked.values[r]! - max) / sum;
    out(`  ${String(r + 1).padStart(2)}. ${String(i).padStart(5)}  ${p.toFixed(4)}`);
  });
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toPrecision(4);
}
