// accelc's compile pipeline, top to bottom: import ONNX -> graph passes -> lower to loop IR ->
// plan memory -> emit WebAssembly.

import { RELAXED_SECTION, type ModuleMeta } from '../runtime/meta.js';
import { loadOnnx } from './frontend/onnx/index.js';
import { passNames, runPasses, type Layout } from './passes/pipeline.js';
import { fail } from './errors.js';
import { lowerGraph } from './lower/to-loops.js';
import { planMemory } from './lower/memory-plan.js';
import { emitWasm } from './codegen/wasm/index.js';
import { LOWERING, lowerProgram } from './lower/pipeline.js';
import { printProgram } from './ir/print.js';
import type { Program } from './ir/loop.js';
import type { Graph, Tensor } from './ir/graph.js';
import { workloadKey, type GemmTileChooser, type GemmWorkload } from './lower/gemm-workload.js';
import { checkRecords, type TuningRecord } from './tune/log.js';
import { tileChooser } from './tune/choose.js';
import { VERSION } from './version.js';
import { quantizeInt8, type Int8Report } from './quant/quantize.js';
import type { Sample } from './quant/calibrate.js';

export interface CompileOptions {
  modelName?: string;
  shapes?: Record<string, number[]>;
  /** Graph inputs fixed to these values: compiled in as constants, no longer module inputs. */
  bind?: Record<string, Tensor>;
  /** true: relaxed SIMD only; false: plain SIMD only; default: plain, with a relaxed copy embedded. */
  relaxedSimd?: boolean;
  maxThreads?: number;
  /** Winograd F(2x2,3x3) for 3x3 stride-1 convolutions: false never (im2col + GEMM), true wherever
   *  legal (tests), default where it measured faster. */
  winograd?: boolean;
  disablePasses?: string[];
  /** Tuning records (`accelc tune`'s log, one parsed JSON line each): each GEMM gets the tile they choose for its workload. */
  tuning?: readonly TuningRecord[];
  /** Lower level: the register tile of each GEMM, asked per node and workload (the tuner's candidates). Overrides `tuning`. */
  gemmTiles?: GemmTileChooser;
  /**
   * Post-training INT8: the group-1 convolutions computed with 8-bit inputs and weights, the inputs'
   * ranges measured on these samples (each a tensor per model input, by name, of the compiled shape).
   */
  int8?: { calibration: readonly Sample[] };
  /** Convolution layout (passes/layout-nhwc.ts): 'auto' (default), 'nchw' or 'nhwc'. */
  layout?: Layout;
  dumpAfter?: string[];
  log?: (line: string) => void;
}

export interface CompileResult {
  wasm: Uint8Array;
  meta: ModuleMeta;
  warnings: string[];
  graph: Graph;
  program: Program;
  /** With CompileOptions.int8: which convolutions were quantized, and which not and why. */
  int8?: Int8Report;
}

/** Every name --dump-after accepts: the graph passes, 'import', 'lower' and the lowering steps. */
export function dumpPoints(): string[] {
  return ['import', ...passNames(), 'lower', ...new Set(LOWERING.map((p) => p.name))];
}

export interface LoweredModel {
  /** The graph as imported (shapes inferred, constants folded), before the graph passes. */
  source: Graph;
  graph: Graph;
  program: Program;
  warnings: string[];
}

/** Everything up to code generation: import, graph passes, lowering to loop IR, memory plan. */
export function lowerModel(model: string | Uint8Array, opts: CompileOptions = {}): LoweredModel {
  return lowerOptimized(optimizeModel(model, opts), opts);
}

type Optimized = Omit<LoweredModel, 'program'>;

/** Import and graph passes. */
function optimizeModel(model: string | Uint8Array, opts: CompileOptions): Optimized {
  const unknown = (names: string[] | undefined, known: string[]) => names?.filter((n) => !known.includes(n)) ?? [];
  const badDisable = unknown(opts.disablePasses, passNames()), badDump = unknown(opts.dumpAfter, dumpPoints());
  if (badDisable.length) fail('E_USAGE', `unknown pass '${badDisable[0]}' for --disable-pass (passes: ${passNames().join(', ')})`);
  if (opts.layout !== undefined && !['auto', 'nchw', 'nhwc'].includes(opts.layout)) fail('E_USAGE', `unknown layout '${String(opts.layout)}' (layouts: auto, nchw, nhwc)`);
  if (badDump.length) fail('E_USAGE', `unknown step '${badDump[0]}' for --dump-after (steps: ${dumpPoints().join(', ')})`);
  const { graph: source, warnings } = loadOnnx(model, { modelName: opts.modelName, shapes: opts.shapes, bind: opts.bind });
  const graph = runPasses(source, { disable: opts.disablePasses, layout: opts.layout, dumpAfter: opts.dumpAfter, log: opts.log });
  return { source, graph, warnings };
}

/** Lowering to loop IR and the memory plan. */
function lowerOptimized({ source, graph, warnings }: Optimized, opts: CompileOptions): LoweredModel {
  const tiles = opts.gemmTiles ? undefined : tilesOf(opts);
  const program = lowerGraph(graph, graph.name, { relaxedSimd: !!opts.relaxedSimd, winograd: opts.winograd, gemmTiles: opts.gemmTiles ?? tiles?.choose });
  if (tiles && tiles.asked && !tiles.measured) {   // records that measured this model and kept the default are no cause for a warning
    warnings.push(`the tuning records measure none of this model's ${tiles.asked} GEMMs (they are for other workloads, or for ${opts.relaxedSimd ? 'plain' : 'relaxed'} SIMD): every GEMM keeps the default tile`);
  }
  if (opts.dumpAfter?.includes('lower')) opts.log?.(printProgram(program));
  planMemory(program);
  return { source, graph, program, warnings: [...warnings, ...precisionWarnings(graph)] };
}

/**
 * The chooser CompileOptions.tuning leads to (its relaxed-SIMD records for a relaxed-only module,
 * else its plain ones), counting the GEMMs it was asked about and those its records measured.
 */
function tilesOf(opts: CompileOptions): { choose: GemmTileChooser; asked: number; measured: number } | undefined {
  if (!opts.tuning) return undefined;
  const simd = opts.relaxedSimd ? 'relaxed' : 'plain';
  const records = checkRecords(opts.tuning);
  const choose = tileChooser(records, simd);
  const workloads = new Set(records.filter((r) => r.simd === simd).map((r) => r.workload));
  const tiles = {
    asked: 0, measured: 0,
    choose: (node: string, w: GemmWorkload) => {
      tiles.asked++;
      if (workloads.has(workloadKey(w))) tiles.measured++;
      return choose(node, w);
    },
  };
  return tiles;
}

export async function compile(model: string | Uint8Array, opts: CompileOptions = {}): Promise<CompileResult> {
  let optimized = optimizeModel(model, opts), int8: Int8Report | undefined;
  if (opts.int8) {
    const q = await quantizeInt8(optimized.graph, opts.int8.calibration, opts.winograd);
    optimized = { ...optimized, graph: q.graph };
    int8 = q.report;
  }
  const { graph, program, warnings } = lowerOptimized(optimized, opts);
  const lowering = { dumpAfter: opts.dumpAfter?.filter((n) => LOWERING.some((p) => p.name === n)), log: opts.log };
  // The kernel pipeline does not depend on the SIMD flavour: run it once for both modules.
  const ready = lowerProgram(program, lowering);
  const base = { maxThreads: opts.maxThreads ?? 16, compilerVersion: VERSION, lowered: true };
  // Default: a plain-SIMD module carrying a relaxed-SIMD copy of its kernels, chosen at load time.
  const sections = opts.relaxedSimd === undefined
    ? [{ name: RELAXED_SECTION, bytes: emitWasm(ready, { ...base, relaxedSimd: true, weights: false }).wasm }]
    : [];
  const { wasm, meta } = emitWasm(ready, { ...base, relaxedSimd: !!opts.relaxedSimd, sections });
  return { wasm, meta, warnings, graph, program, int8 };
}

/** Types computed at a lower precision than the model declares (dtype.ts), said once per type. */
function precisionWarnings(graph: Graph): string[] {
  const narrowed: Record<string, string> = { float64: 'float32 arithmetic', uint64: 'int64 (values must stay below 2^63)' };
  const seen = new Map<string, string>();
  for (const v of graph.values.values()) if (narrowed[v.dtype] && !v.const && !seen.has(v.dtype)) seen.set(v.dtype, v.name);
  return [...seen].map(([t, name]) => `${t} values (e.g. '${name}') are computed in ${narrowed[t]}; results can differ from a ${t} reference`);
}
