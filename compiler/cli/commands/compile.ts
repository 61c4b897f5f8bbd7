// `accelc model.onnx -o model.wasm`: compile, write the module, print a one-line summary.

import { access } from 'node:fs/promises';
import { fail } from '../../errors.js';
import { writeFileBytes } from '../../../runtime/platform.js';
import { flagBool, flagInt, flagList, flagString, layoutFlag, parseShapes } from '../args.js';
import type { Command } from '../command.js';
import { readTuningLog } from '../tuning-log.js';
import type { CompileOptions } from '../../compile.js';
import type { Int8Report } from '../../quant/quantize.js';
import type { Tensor } from '../../../runtime/tensor.js';
import { readArrays } from '../feeds.js';

export const compileCommand: Command = {
  name: 'compile',
  summary: 'compile an ONNX model to a WebAssembly module (the default command)',
  usage: 'accelc [compile] model.onnx [-o model.wasm] [--shape NAME=1x3x224x224] [--relaxed-simd | --plain-simd] [--no-winograd] [--tuning-log FILE] [--int8 CALIBRATION.npz] [--layout auto|nchw|nhwc] [--disable-pass P] [--dump-after P]',
  flags: [
    { name: 'output', short: 'o', kind: 'string', value: 'FILE', help: 'where to write the module (default: the model path with .wasm)' },
    { name: 'shape', kind: 'string', multiple: true, value: 'NAME=DIMS', help: 'fix the shape of an input, e.g. input=1x3x224x224' },
    { name: 'relaxed-simd', kind: 'boolean', help: 'relaxed SIMD only (the engine must support it; default: plain SIMD with a relaxed copy chosen at load)' },
    { name: 'plain-simd', kind: 'boolean', help: 'plain SIMD only, no relaxed copy (a smaller module)' },
    { name: 'no-winograd', kind: 'boolean', help: '3x3 convolutions always via im2col + GEMM (default: Winograd F(2x2,3x3) where it is faster)' },
    { name: 'tuning-log', kind: 'string', value: 'FILE', help: "GEMM tiles from a log 'accelc tune' wrote (default: the built-in tile)" },
    { name: 'int8', kind: 'string', value: 'FILE', help: 'quantize convolutions to INT8, calibrated on the inputs in FILE (.npz keyed by input name, or .npy for a one-input model; runs stacked along the first axis)' },
    { name: 'max-threads', kind: 'int', help: 'the most threads the module will be run on (default 16)' },
    { name: 'layout', kind: 'string', value: 'auto|nchw|nhwc', help: 'convolution layout: channels-last where it pays (auto, the default), never, or wherever possible' },
    { name: 'disable-pass', kind: 'string', multiple: true, value: 'PASS', help: 'skip a graph pass' },
    { name: 'dump-after', kind: 'string', multiple: true, value: 'PASS', help: "print the IR after a pass ('lower' for the loop IR) to stdout" },
  ],
  async run(args, ctx) {
    if (args.positionals.length !== 1) fail('E_USAGE', `compile takes one model, got ${args.positionals.length}: ${this.usage}`);
    const model = args.positionals[0]!;
    if (!/\.onnx$/i.test(model)) fail('E_USAGE', `expected an .onnx model, got '${model}'`);
    const output = flagString(args, 'output') ?? model.replace(/\.onnx$/i, '.wasm');
    const dumpAfter = flagList(args, 'dump-after');
    const options: CompileOptions = {
      shapes: parseShapes(flagList(args, 'shape')),
      relaxedSimd: flagBool(args, 'relaxed-simd') ? true : flagBool(args, 'plain-simd') ? false : undefined,
      maxThreads: args.flags.has('max-threads') ? flagInt(args, 'max-threads', 16, 1) : undefined,
      disablePasses: flagList(args, 'disable-pass'),
      layout: layoutFlag(args),
      winograd: flagBool(args, 'no-winograd') ? false : undefined,
      dumpAfter,
      log: dumpAfter.length > 0 ? ctx.out : ctx.verbose ? ctx.err : undefined,
    };
    await access(model).catch(() => fail('E_FILE', `cannot read '${model}': no such file or directory`));
    const tuningLog = flagString(args, 'tuning-log');
    if (tuningLog !== undefined) options.tuning = await readTuningLog(tuningLog, true);
    const calibration = flagString(args, 'int8');
    if (calibration !== undefined) options.int8 = { calibration: [await readCalibration(calibration)] };
    const { compile } = await import('../../compile.js');
    const started = performance.now();
    const result = await compile(model, options);
    const ms = performance.now() - started;
    for (const w of result.warnings) ctx.err(`accelc: warning: ${w}`);
    if (result.int8) ctx.out(int8Summary(result.int8));
    await writeFileBytes(output, result.wasm);
    const { meta } = result;
    ctx.out(`${output}: ${meta.kernels.length} kernels, ${mb(meta.weights.bytes)} MB weights, ` +
      `${mb(result.wasm.length)} MB wasm, compiled in ${Math.round(ms)} ms`);
    return 0;
  },
};

/** The arrays of a calibration file. */
async function readCalibration(path: string): Promise<Record<string, Tensor>> {
  if (!/\.(npz|npy)$/i.test(path)) fail('E_USAGE', `--int8 takes a .npz or .npy file of calibration inputs, got '${path}'`);
  await access(path).catch(() => fail('E_FILE', `cannot read '${path}': no such file or directory`));
  return readArrays(path);
}

/** 'int8: 29 of 46 convolutions quantized; float32: 11 grouped or depthwise, 6 ...' */
function int8Summary(r: Int8Report): string {
  const why = new Map<string, number>();
  for (const s of r.skipped) why.set(s.reason, (why.get(s.reason) ?? 0) + 1);
  const rest = [...why].map(([reason, n]) => `${n} ${reason}`).join(', ');
  return `int8: ${r.quantized.length} of ${r.quantized.length + r.skipped.length} convolutions quantized${rest ? `; float32: ${rest}` : ''}`;
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(2);
}
