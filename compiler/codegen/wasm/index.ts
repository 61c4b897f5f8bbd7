// The wasm backend: a Program -> one .wasm module (ABI in runtime/meta.ts).
//   kernel_<i>(tid, nthreads)  one function per kernel, after the lowering pipeline
//   run()                      every kernel in order on one thread
//   init()                     memory.init of each weight storage from its passive segment
// Memory is imported (env.memory, shared) and sized for every storage plus per-thread scratch
// for maxThreads threads. The module metadata travels in the custom section META_SECTION.

import type { Program } from '../../ir/loop.js';
import { SCALAR_BYTES } from '../../ir/loop.js';
import type { ModuleMeta } from '../../../runtime/meta.js';
import { META_FORMAT, META_SECTION, RELAXED_SECTION } from '../../../runtime/meta.js';
import { AccelcError } from '../../errors.js';
import { lowerKernel, type LowerOptions } from '../../lower/pipeline.js';
import { WasmModule, watOf } from './module.js';
import { MathLib } from './math.js';
import { emitKernel } from './emit.js';
import { dynamicLoops, SchedSites, SITE_BYTES } from './sched.js';
import type { KernelSync } from './group-sync.js';
import { planDataflow, type DataflowPlan } from './dataflow.js';

export { emitWasm, memoryLayout };
export type { EmitWasmOptions, EmitWasmResult, MemoryLayout };

interface EmitWasmOptions {
  relaxedSimd?: boolean;
  maxThreads?: number;
  optimize?: boolean;
  compilerVersion?: string;
  /** Lowering pipeline options: --dump-after, IR verification between passes. */
  lowering?: LowerOptions;
  /** The program's kernels have been through the lowering pipeline already (lowerProgram): do not run it again. */
  lowered?: boolean;
  /** false: no weight segments (init() does nothing), for a kernel-only variant module. */
  weights?: boolean;
  /** Extra custom sections (e.g. an embedded variant module). */
  sections?: { name: string; bytes: Uint8Array }[];
}

interface EmitWasmResult { wasm: Uint8Array; meta: ModuleMeta; text?: () => string }

interface MemoryLayout {
  pages: number;
  maxPages: number;
  scratch: { offset: number; bytesPerThread: number; maxThreads: number };
  /** The chunk counters of dynamically scheduled loops and the group counters of dataflow.ts: after everything else, zeroed each run. */
  sched: { offset: number; bytes: number };
  /** The dependence tables of dataflow.ts, after the counters (init() writes them). */
  tables: { offset: number; bytes: number };
  weightBytes: number;
}

const PAGE = 65536, MAX_PAGES = 65536;

/**
 * Memory size and the scratch layout. Thread t's copy of a scratch storage s lives at
 * s.offset + t * stride, stride = the span of all scratch storages (for a single scratch
 * storage that is its byte size), so threads never overlap whatever the planner's layout.
 */
function memoryLayout(p: Program, maxThreads: number, schedBytes = 0, tableBytes = 0): MemoryLayout {
  const all = [...p.storages.values()];
  for (const s of all) if (s.offset < 0) throw new AccelcError({ code: 'E_CODEGEN', message: `storage '${s.name}' has no address (run the memory planner first)`, model: p.name });
  const scratch = all.filter((s) => s.region === 'scratch');
  const staticEnd = Math.max(1024, ...all.filter((s) => s.region !== 'scratch').map((s) => s.offset + s.bytes));
  const offset = scratch.length ? Math.min(...scratch.map((s) => s.offset)) : staticEnd;
  const stride = scratch.length ? Math.max(...scratch.map((s) => s.offset + s.bytes)) - offset : 0;
  // + 64: vector loads may read a few bytes past the last element (stride-2 loads, see memory.ts).
  const schedOffset = Math.ceil((Math.max(staticEnd, offset + stride * maxThreads) + 64) / 64) * 64;
  const tableOffset = schedOffset + schedBytes;
  const needed = tableOffset + tableBytes;
  const pages = Math.max(1, Math.ceil(needed / PAGE));
  if (pages > MAX_PAGES) throw new AccelcError({ code: 'E_CODEGEN', message: `the model needs ${needed} bytes of memory, more than 4 GiB`, model: p.name });
  const weightBytes = all.filter((s) => s.region === 'weight').reduce((a, s) => a + s.bytes, 0);
  return { pages, maxPages: Math.min(MAX_PAGES, Math.max(pages, pages * 2)), scratch: { offset, bytesPerThread: stride, maxThreads }, sched: { offset: schedOffset, bytes: schedBytes }, tables: { offset: tableOffset, bytes: tableBytes }, weightBytes };
}

function emitWasm(program: Program, opts: EmitWasmOptions = {}): EmitWasmResult {
  const relaxedSimd = !!opts.relaxedSimd, maxThreads = opts.maxThreads ?? 16;
  const lowered = opts.lowered ? program.kernels : program.kernels.map((k) => lowerKernel(k, program, opts.lowering));
  const sites = lowered.reduce((a, k) => a + dynamicLoops(k.body).size, 0);
  const plan = planDataflow(program, lowered);
  const layout = memoryLayout(program, maxThreads, sites * SITE_BYTES + Math.ceil(plan.groupWords / 16) * SITE_BYTES, plan.tables.byteLength);
  const sched = new SchedSites(layout.sched.offset);
  const flows = kernelSyncs(plan, layout.sched.offset, layout.sched.offset + sites * SITE_BYTES, layout.tables.offset);
  const w = new WasmModule();
  try {
    w.setFeatures({ relaxedSimd });
    const weights = opts.weights === false ? [] : [...program.storages.values()].filter((s) => s.region === 'weight' && s.data && s.data.length > 0);
    const segments = weights.map((s, i) => ({ name: `w${i}`, offset: s.offset, data: s.data!.subarray(0, Math.min(s.data!.length, s.bytes)) }));
    if (opts.weights !== false && plan.tables.length) segments.push({ name: 'deps', offset: layout.tables.offset, data: new Uint8Array(plan.tables.buffer) });
    w.importSharedMemory(layout.pages, layout.maxPages, segments);

    const math = new MathLib(w);
    lowered.forEach((k, i) => {
      emitKernel(w, math, program, k, `kernel_${i}`, { relaxedSimd, scratchStride: layout.scratch.bytesPerThread, maxThreads, sched, flow: flows[i] });
      w.exportFunction(`kernel_${i}`);
    });
    if (sched.count !== sites) throw new AccelcError({ code: 'E_CODEGEN', message: `${sched.count} scheduling sites emitted, ${sites} planned`, model: program.name });
    const none = w.fn([]);
    w.addFunction('run', none, 'none', w.block(null, program.kernels.map((_, i) => w.call(`kernel_${i}`, [w.i32(0), w.i32(1)], 'none'))));
    w.exportFunction('run');
    const init = segments.flatMap((seg) => [w.memoryInit(seg.name, seg.offset, seg.data.length), w.dataDrop(seg.name)]);
    w.addFunction('init', w.fn([]), 'none', w.block(null, init));
    w.exportFunction('init');

    if (!w.validate()) throw new AccelcError({ code: 'E_CODEGEN', message: 'the generated module does not validate', model: program.name });
    if (opts.optimize !== false) w.optimize(3, 0);

    const meta = moduleMeta(program, layout, relaxedSimd, opts.compilerVersion ?? '0.0.0');
    if (opts.sections?.some((x) => x.name === RELAXED_SECTION)) meta.features.relaxedVariant = true;
    w.addCustomSection(META_SECTION, new TextEncoder().encode(JSON.stringify(meta)));
    for (const x of opts.sections ?? []) w.addCustomSection(x.name, x.bytes);
    const wasm = w.emitBinary();
    return { wasm, meta, text: () => watOf(wasm, relaxedSimd) };
  } finally {
    w.dispose();
  }
}

/** The plan's per-kernel parts with addresses: sites from `sites`, group counters from `counters`, tables from `tables`. */
function kernelSyncs(plan: DataflowPlan, sites: number, counters: number, tables: number): (KernelSync | undefined)[] {
  const site = (index: number) => sites + index * SITE_BYTES;
  return plan.kernels.map((f, i) => {
    if (f.site === undefined || !(f.publish || f.await)) return undefined;
    const publish = f.publish && { groups: f.publish.groups, counters: counters + 4 * f.publish.word };
    const prev = plan.kernels[i - 1];
    const awaits = f.await && prev?.publish && prev.site !== undefined
      ? { groups: f.await.groups, table: tables + f.await.table, producer: { site: site(prev.site), groups: prev.publish.groups, counters: counters + 4 * prev.publish.word } }
      : undefined;
    return {
      site: site(f.site), publish, await: awaits,
      before: f.before !== undefined ? site(f.before) : undefined,
      after: f.after !== undefined ? site(f.after) : undefined,
    };
  });
}

function moduleMeta(p: Program, layout: MemoryLayout, relaxedSimd: boolean, compiler: string): ModuleMeta {
  const tensor = (io: Program['inputs'][number]) => {
    const b = p.bufs.get(io.buf);
    if (!b) throw new AccelcError({ code: 'E_CODEGEN', message: `I/O '${io.name}' names unknown buffer '${io.buf}'`, model: p.name });
    const st = p.storages.get(b.storage)!;
    return { name: io.name, dtype: io.dtype, shape: io.shape, offset: st.offset + b.offset * SCALAR_BYTES[b.dtype], ...(io.ranges ? { ranges: io.ranges } : {}) };
  };
  return {
    format: META_FORMAT,
    name: p.name,
    compiler,
    inputs: p.inputs.map(tensor),
    outputs: p.outputs.map(tensor),
    kernels: p.kernels.map((k) => ({ name: k.name, ops: k.ops, nodes: k.nodes, flops: k.flops, bytes: k.bytes })),
    memory: { pages: layout.pages, maxPages: layout.maxPages },
    scratch: layout.scratch,
    ...(layout.sched.bytes ? { sched: layout.sched } : {}),
    weights: { bytes: layout.weightBytes },
    features: { simd: true, relaxedSimd },
  };
}

