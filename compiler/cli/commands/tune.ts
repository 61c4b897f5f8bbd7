// `accelc tune model.onnx --log tune.jsonl`: the measured search over GEMM tiles (tune/tune.ts),
// appending each record to the log as it is measured, then the tiles the log chooses and the whole
// model compiled with them against the default. `accelc model.onnx --tuning-log tune.jsonl` replays it.

import { access } from 'node:fs/promises';
import { fail } from '../../errors.js';
import { flagBool, flagInt, flagList, flagString, layoutFlag, parseShapes } from '../args.js';
import type { Command } from '../command.js';
import { appendTuningLog, readTuningLog } from '../tuning-log.js';
import { CHOOSE_BELOW } from '../../tune/choose.js';
import { tileSpace } from '../../tune/space.js';
import type { GemmTile } from '../../lower/gemm-stage.js';
import { MAX_MR, MAX_NR } from '../../lower/gemm-workload.js';

export const tuneCommand: Command = {
  name: 'tune',
  summary: "measure GEMM register tiles on this machine and record them for 'compile --tuning-log'",
  usage: 'accelc tune model.onnx --log tune.jsonl [--tiles 4x2,6x2] [--iters N] [--rounds N] [--shape NAME=DIMS] [--relaxed-simd] [--no-winograd] [--layout auto|nchw|nhwc]',
  flags: [
    { name: 'log', kind: 'string', value: 'FILE', help: 'the tuning log (JSON lines): read first, new records appended' },
    { name: 'tiles', kind: 'string', value: 'MRxNR,...', help: `the tiles to try, from the space (default: all of it, every tile of up to ${MAX_MR} rows and ${MAX_NR} vectors that fits the registers)` },
    { name: 'iters', kind: 'int', help: 'timed pairs of calls per kernel and tile (default 15)' },
    { name: 'rounds', kind: 'int', help: 'interleaved pairs of whole runs, default module against tuned, timed at the end (default 20; 0 skips)' },
    { name: 'shape', kind: 'string', multiple: true, value: 'NAME=DIMS', help: 'fix the shape of an input, e.g. input=1x3x224x224' },
    { name: 'relaxed-simd', kind: 'boolean', help: 'tune the relaxed-SIMD kernels (the engine must have relaxed SIMD)' },
    { name: 'no-winograd', kind: 'boolean', help: '3x3 convolutions via im2col + GEMM, as compile --no-winograd' },
    { name: 'layout', kind: 'string', value: 'auto|nchw|nhwc', help: 'convolution layout, as for compile' },
  ],
  async run(args, ctx) {
    if (args.positionals.length !== 1) fail('E_USAGE', `tune takes one model: ${this.usage}`);
    const model = args.positionals[0]!;
    if (!/\.onnx$/i.test(model)) fail('E_USAGE', `expected an .onnx model, got '${model}'`);
    const logPath = flagString(args, 'log') ?? fail('E_USAGE', `tune needs --log FILE: ${this.usage}`);
    const tiles = parseTiles(flagString(args, 'tiles'));
    await access(model).catch(() => fail('E_FILE', `cannot read '${model}': no such file or directory`));
    const known = await readTuningLog(logPath, false);
    appendTuningLog(logPath);   // before minutes of measuring: the log can be written
    const { tune } = await import('../../tune/tune.js');
    const result = await tune(model, {
      shapes: parseShapes(flagList(args, 'shape')),
      layout: layoutFlag(args),
      winograd: flagBool(args, 'no-winograd') ? false : undefined,
      simd: flagBool(args, 'relaxed-simd') ? 'relaxed' : 'plain',
      iters: flagInt(args, 'iters', 15, 1),
      rounds: flagInt(args, 'rounds', 20, 0),
      tiles,
      known,
      onRecord: (r) => appendTuningLog(logPath, r),
      log: ctx.verbose ? ctx.err : undefined,
    });
    ctx.out(`${logPath}: ${result.records.length} new records (${known.length} before)`);
    const chosen = result.gemms.filter((g) => g.chosen);
    ctx.out(`tiles chosen: ${chosen.length} of ${result.gemms.length} GEMMs leave the default tile (a tile is chosen when it ran below ${CHOOSE_BELOW}x the default's time in two measurements)`);
    for (const g of chosen) ctx.out(`  ${g.node}: ${g.tile.mr}x${g.tile.nr} (${g.workload})`);
    for (const m of result.mismatches) ctx.err(`accelc: warning: ${m}: this tile is never chosen (please report it)`);
    if (result.whole) {
      const w = result.whole;
      ctx.out(`whole model, one thread: tuned ${w.b.toFixed(2)} ms, default ${w.a.toFixed(2)} ms (p50); tuned/default ${w.ratio.toFixed(3)} (median of interleaved pairs)`);
    }
    return 0;
  },
};

function parseTiles(v: string | undefined): GemmTile[] | undefined {
  if (v === undefined) return undefined;
  const space = tileSpace();
  return v.split(',').map((t) => {
    const m = /^(\d+)x(\d+)$/.exec(t.trim());
    const tile = space.find((s) => m && s.mr === Number(m[1]) && s.nr === Number(m[2]));
    if (!tile) fail('E_USAGE', `--tiles takes tiles of the search space like 4x2,6x2 (${space.map((s) => `${s.mr}x${s.nr}`).join(', ')}), got '${t}'`);
    return tile;
  });
}
