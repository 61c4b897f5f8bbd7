// `accelc bench model --threads N --iters K`: load, time a first run, warm up, time K runs on
// seeded random inputs; print one JSON object.

import { access } from 'node:fs/promises';
import { basename } from 'node:path';
import { fail } from '../../errors.js';
import { VERSION } from '../../version.js';
import { readFileBytes } from '../../../runtime/platform.js';
import { InferenceSession } from '../../../runtime/session.js';
import { flagBool, flagInt, flagList, parseShapes } from '../args.js';
import type { Command } from '../command.js';
import { randomFeeds } from '../feeds.js';
import { round, summarize } from '../stats.js';

export const benchCommand: Command = {
  name: 'bench',
  summary: 'time a model on random inputs (fixed seed); prints one JSON object',
  usage: 'accelc bench model.wasm|model.onnx [--threads N] [--iters K] [--warmup W] [--json]',
  flags: [
    { name: 'threads', short: 't', kind: 'int', help: 'threads to run on: 1 runs on the main thread, N > 1 on N workers (default 1)' },
    { name: 'iters', short: 'n', kind: 'int', help: 'timed runs (default 20)' },
    { name: 'warmup', short: 'w', kind: 'int', help: 'untimed runs after the first (default 3)' },
    { name: 'seed', kind: 'int', help: 'seed of the random inputs (default 42)' },
    { name: 'json', kind: 'boolean', help: 'print the JSON on one line (default: indented)' },
    { name: 'shape', kind: 'string', multiple: true, value: 'NAME=DIMS', help: 'for an .onnx model: fix the shape of an input' },
  ],
  async run(args, ctx) {
    if (args.positionals.length !== 1) fail('E_USAGE', `bench takes one model, got ${args.positionals.length}: ${this.usage}`);
    const model = args.positionals[0]!;
    const threads = flagInt(args, 'threads', 1, 1);
    const iters = flagInt(args, 'iters', 20, 1);
    const warmup = flagInt(args, 'warmup', 3, 0);
    const seed = flagInt(args, 'seed', 42);
    const shapes = parseShapes(flagList(args, 'shape'));

    let bytes: Uint8Array;
    let compileMs: number | undefined;
    if (/\.onnx$/i.test(model)) {
      await access(model).catch(() => fail('E_FILE', `cannot read '${model}': no such file or directory`));
      const { compile } = await import('../../compile.js');
      const t0 = performance.now();
      bytes = (await compile(model, { shapes, maxThreads: threads })).wasm;
      compileMs = performance.now() - t0;
    } else {
      bytes = await readFileBytes(model);
    }
    const t0 = performance.now();
    const session = await InferenceSession.create(bytes, { threads });
    const loadMs = performance.now() - t0;
    const feeds = randomFeeds(session.meta.inputs, seed);

    const t1 = performance.now();
    await session.run(feeds);
    const firstRunMs = performance.now() - t1;
    for (let i = 0; i < warmup; i++) await session.run(feeds);
    const times: number[] = [];
    for (let i = 0; i < iters; i++) {
      const t = performance.now();
      await session.run(feeds);
      times.push(performance.now() - t);
    }
    await session.release();

    const result = {
      model: basename(model).replace(/\.(onnx|wasm)$/i, ''),
      ...summarize(times),
      first_run_ms: round(firstRunMs),
      load_ms: round(loadMs),
      ...(compileMs !== undefined ? { compile_ms: round(compileMs) } : {}),
      iters,
      warmup,
      threads,
      accelc: VERSION,
      node: process.version,
    };
    ctx.out(flagBool(args, 'json') ? JSON.stringify(result) : JSON.stringify(result, null, 2));
    return 0;
  },
};
