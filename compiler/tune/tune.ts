// The measured search over GEMM tiles (AutoTVM-style, over one knob): compile the model once per
// candidate tile, with the candidate on every GEMM whose record is missing, check the module's
// outputs against the default module's, and time each such GEMM's kernel against the same kernel
// of the default module, one thread, calls interleaved. One record per (workload, tile) measured;
// pairs already in the log are not measured again. A tile that beat the default is measured a
// second time, and chosen only if it beats it again (choose.ts; the next best single win is tried
// when it does not, up to CONFIRM_TRIES). Then the whole model, compiled with the log's choices,
// is timed against the default the same way.

import { compile, type CompileOptions } from '../compile.js';
import { fail } from '../errors.js';
import { DEFAULT_TILE, type GemmTile } from '../lower/gemm-stage.js';
import { workloadKey, type GemmWorkload } from '../lower/gemm-workload.js';
import { loadModel, supportsRelaxedSimd, type LoadedModel } from '../../runtime/loader.js';
import { wasm } from '../../runtime/wasm-api.js';
import { bestTiles, tileChooser, toConfirm, CONFIRM_TRIES } from './choose.js';
import type { Simd, TuningRecord } from './log.js';
import { fillInputs, outputBytes, sameOutputs, timePairs, type PairTiming } from './measure.js';
import { effectiveTile, tileSpace } from './space.js';

export { tune };
export type { TuneOptions, TuneResult };

type BaseOptions = Pick<CompileOptions, 'modelName' | 'shapes' | 'layout' | 'winograd' | 'disablePasses'>;

interface TuneOptions extends BaseOptions {
  /** The kernels to tune: plain (default) or relaxed SIMD (the engine must have it). */
  simd?: Simd;
  /** Timed pairs of calls per kernel and candidate (default 15). */
  iters?: number;
  /** The tiles to try (default: tileSpace()). */
  tiles?: GemmTile[];
  /** Records already measured (a log): their (workload, tile) pairs are not measured again. */
  known?: readonly TuningRecord[];
  /** Each new record as soon as it is measured (the CLI appends it to the log). */
  onRecord?(r: TuningRecord): void;
  /** Progress lines. */
  log?(line: string): void;
  /** Interleaved pairs of whole runs, default module against tuned, timed at the end (default 20; 0: skip). */
  rounds?: number;
}

interface TuneResult {
  /** The records measured by this call. */
  records: TuningRecord[];
  /** Every GEMM of the model: its node, workload, the tile it runs with the log's choices (known + records), and whether the log chose it. */
  gemms: { node: string; workload: string; tile: GemmTile; chosen: boolean }[];
  /** Candidates whose module's outputs differed from the default's (never chosen; a compiler bug). */
  mismatches: string[];
  /** Whole runs, the default module (a) against the one compiled with the choices (b); absent when rounds is 0. */
  whole?: PairTiming;
}

async function tune(model: string | Uint8Array, opts: TuneOptions = {}): Promise<TuneResult> {
  const simd = opts.simd ?? 'plain';
  if (simd === 'relaxed' && !supportsRelaxedSimd()) fail('E_USAGE', 'cannot tune relaxed-SIMD kernels: this engine does not validate relaxed SIMD (Node 20 needs --experimental-wasm-relaxed-simd)');
  const iters = opts.iters ?? 15, rounds = opts.rounds ?? 20;
  const log = opts.log ?? (() => {});
  const base: CompileOptions = {
    modelName: opts.modelName, shapes: opts.shapes, layout: opts.layout, winograd: opts.winograd, disablePasses: opts.disablePasses,
    relaxedSimd: simd === 'relaxed',
  };
  const load = (wasm: Uint8Array) => loadModel(wasm, { simd: simd === 'plain' ? 'plain' : 'auto' });

  const gemms = new Map<string, GemmWorkload>();   // node -> its GEMM (the kernel named after the node times it)
  const built = await compile(model, { ...base, gemmTiles: (node, w) => void recordGemm(gemms, node, w) });
  const name = built.meta.name;
  const def = await load(built.wasm);
  const reference = runOnce(def);
  log(`${name}: ${gemms.size} GEMMs, ${new Set([...gemms.values()].map(workloadKey)).size} workloads`);

  const records: TuningRecord[] = [];
  const all = () => [...(opts.known ?? []), ...records];
  const measured = new Set(all().filter((r) => r.simd === simd).map((r) => `${r.workload}|${r.tile.join('x')}`));
  const mismatches: string[] = [];
  const rejected = new Set<string>();   // workload|tile pairs of a module whose outputs differed: not tried again this run
  /** Compiles the model with `todo`'s tiles (workload -> node, tile), checks it, times each of those kernels against the default's. */
  const measure = async (label: string, todo: Map<string, [string, GemmTile]>) => {
    const m = await load((await compile(model, { ...base, gemmTiles: (_node, w) => todo.get(workloadKey(w))?.[1] })).wasm);
    const differs = sameOutputs(m, reference, runOnce(m));
    if (differs) {
      for (const [key, [, tile]] of todo) rejected.add(`${key}|${tile.mr}x${tile.nr}`);
      mismatches.push(`${label}: ${differs}`);
      log(`${name}: ${label}: outputs differ from the default tile's (${differs}); not measured`);
      return;
    }
    for (const [key, [node, tile]] of todo) {
      const k = kernelIndex(def, node), km = kernelIndex(m, node);
      const t = trapsAsErrors(name, () => timePairs(() => def.exports.kernels[k]!(0, 1), () => m.exports.kernels[km]!(0, 1), iters, () => { fillInputs(def); fillInputs(m); }));
      if (!(t.a > 0 && t.b > 0 && Number.isFinite(t.ratio))) {   // a timer too coarse for the kernel: no record (the log holds positive times only)
        log(`${name}: ${label}: ${node} too fast to time (${t.a} / ${t.b} ms); no record`);
        continue;
      }
      const r: TuningRecord = { v: 1, workload: key, tile: [tile.mr, tile.nr], simd, ms: round(t.b), ratio: round(t.ratio), model: name, node, at: new Date().toISOString() };
      records.push(r);
      measured.add(`${key}|${tile.mr}x${tile.nr}`);
      opts.onRecord?.(r);
    }
    log(`${name}: ${label}: ${todo.size} workloads measured`);
  };
  const firstNode = new Map<string, string>();   // workload -> the first node with it
  for (const [node, w] of gemms) if (!firstNode.has(workloadKey(w))) firstNode.set(workloadKey(w), node);

  for (const candidate of opts.tiles ?? tileSpace()) {
    // each workload still missing this candidate's record (the default tile needs none: its ratio is 1)
    const todo = new Map<string, [string, GemmTile]>();
    for (const [key, node] of firstNode) {
      const w = gemms.get(node)!, tile = effectiveTile(w, candidate);
      if (sameTile(tile, effectiveTile(w, DEFAULT_TILE)) || measured.has(`${key}|${tile.mr}x${tile.nr}`)) continue;
      todo.set(key, [node, tile]);
    }
    if (todo.size) await measure(`tile ${candidate.mr}x${candidate.nr}`, todo);
  }
  for (let i = 0; i < CONFIRM_TRIES; i++) {
    const todo = new Map<string, [string, GemmTile]>();
    for (const [key, tile] of toConfirm(all(), simd)) {
      if (firstNode.has(key) && !rejected.has(`${key}|${tile.mr}x${tile.nr}`)) todo.set(key, [firstNode.get(key)!, tile]);
    }
    if (!todo.size) break;
    await measure(`measuring single wins again (${i + 1} of at most ${CONFIRM_TRIES})`, todo);
  }

  const best = bestTiles(all(), simd);
  const result: TuneResult = {
    records,
    gemms: [...gemms].map(([node, w]) => {
      const choice = best.get(workloadKey(w));
      return { node, workload: workloadKey(w), tile: effectiveTile(w, choice ?? DEFAULT_TILE), chosen: !!choice };
    }),
    mismatches,
  };
  if (rounds > 0) {
    const tuned = await load((await compile(model, { ...base, gemmTiles: tileChooser(all(), simd) })).wasm);
    const differs = sameOutputs(tuned, reference, runOnce(tuned));
    if (differs) fail('E_CODEGEN', `the module compiled with the tuning choices gives other outputs than the default (${differs})`, { model: name });
    result.whole = trapsAsErrors(name, () => {
      for (const m of [def, tuned]) for (let i = 0; i < 3; i++) m.exports.run();
      return timePairs(() => def.exports.run(), () => tuned.exports.run(), rounds, () => { fillInputs(def); fillInputs(tuned); });
    });
  }
  return result;
}

/** The tuner times one GEMM per kernel: a lowering that asked for two under one node would be attributed wrongly. */
function recordGemm(gemms: Map<string, GemmWorkload>, node: string, w: GemmWorkload): void {
  if (gemms.has(node)) throw new Error(`accelc internal error: node '${node}' lowers to two GEMMs; the tuner assumes one per kernel`);
  gemms.set(node, w);
}

/** One whole run on the tuner's inputs; the outputs' bytes. */
function runOnce(m: LoadedModel): Uint8Array[] {
  return trapsAsErrors(m.meta.name, () => {
    fillInputs(m);
    m.exports.run();
    return outputBytes(m);
  });
}

/** A kernel that traps on the tuner's inputs (e.g. an integer division by the zeros it feeds) is the user's E_RUNTIME. */
function trapsAsErrors<T>(model: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof wasm.RuntimeError) fail('E_RUNTIME', `a kernel trapped on the tuner's inputs (random floats, integer inputs 0): ${e.message}`, { model });
    throw e;
  }
}

function kernelIndex(m: LoadedModel, node: string): number {
  const i = m.meta.kernels.findIndex((k) => k.name === node);
  if (i < 0) throw new Error(`accelc internal error: no kernel named '${node}' in the module of ${m.meta.name}`);
  return i;
}

function sameTile(a: GemmTile, b: GemmTile): boolean {
  return a.mr === b.mr && a.nr === b.nr;
}

function round(x: number): number {
  return Number(x.toPrecision(4));
}
