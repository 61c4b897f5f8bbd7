// Dataflow between consecutive kernels at 2+ threads: a chunk of kernel i starts as soon as the
// iterations of kernel i-1 it depends on have finished, instead of every thread waiting at the end
// of kernel i-1 for its last chunk. (At 2 threads the end of each kernel costs the thread that
// finishes first up to half a chunk of waiting. One-off, MobileNetV2 with no end waits at all, an
// incorrect upper bound, bare workers: 1.138x, 1.036x and 1.004x faster at 2 workers in three
// runs, against 1.040x, 0.977x and 1.009x at 1. With this dataflow, whole runs through the
// runtime: about 1% at 2 threads; README, Runtime, session 16.)
//
// A link i-1 -> i is made when both kernels are one dynamically scheduled loop (sched.ts) with
// constant bounds that holds every access to memory another thread can see. Each loop's
// iterations are cut into at most MAX_GROUPS groups of `size` iterations, independent of the
// thread count. Kernel i-1 counts the finished iterations of each group in a word (zeroed with the
// other counters each run); kernel i's chunk, before it runs, reads from a table which groups of
// kernel i-1 its own groups conflict with (footprint.ts: a write of one overlapping a read or write
// of the other, in bytes of the arena, so both true dependences and reuse of memory by the planner
// count) and waits until they are complete.
//
// Kernels further back: a kernel whose end wait is skipped is awaited whole later on, so that
// when kernel i starts, every kernel up to i-2 has finished:
//   - kernel i starts by waiting for kernel i-2 when both i-2 and i-1 skipped their end waits;
//   - a kernel that keeps its end wait also waits there for the kernel before, if that one skipped
//     its own (so the last kernel ends with every kernel done, as the runtime expects).

import type { Kernel, Program, Stmt } from '../../ir/loop.js';
import { forEachStmt } from '../../ir/traverse.js';
import { dynamicLoops } from './sched.js';
import { loopFootprint, overlaps, touchesOutside, type Footprint } from './footprint.js';

export { planDataflow, MAX_GROUPS };
export type { DataflowPlan, KernelFlow, Groups };

/** Groups a loop's iterations are counted in: enough to follow rows, few enough to count cheaply. */
const MAX_GROUPS = 64;

/** A loop over [min, min + extent) counted in `count` groups of `size` iterations (the last may be short). */
interface Groups { min: number; extent: number; size: number; count: number }

interface KernelFlow {
  /** The kernel's sched site index, when it is one dynamically scheduled loop that may take part. */
  site?: number;
  /** Kernel i+1 depends on this one by group: count finished iterations per group at word `word` of the group area, publish the chunk count, skip the end wait. */
  publish?: { groups: Groups; word: number };
  /** This kernel's chunks wait for the groups of kernel i-1 listed at byte `table` of the table area (per own group: first, last). */
  await?: { groups: Groups; table: number };
  /** Site of a kernel to wait for whole before the first claim (i-2, see above). */
  before?: number;
  /** Site of the kernel before, to wait for whole after this kernel's own end wait. */
  after?: number;
}

interface DataflowPlan {
  kernels: KernelFlow[];
  /** Words of group counters (after the sites, zeroed each run). */
  groupWords: number;
  /** The tables, for a passive data segment. */
  tables: Int32Array;
}

function planDataflow(program: Program, kernels: Kernel[]): DataflowPlan {
  const flows: KernelFlow[] = kernels.map(() => ({}));
  const loops: ((Stmt & { k: 'for' }) | undefined)[] = [];
  let sites = 0;
  kernels.forEach((k, i) => {
    const dyn = [...dynamicLoops(k.body)] as (Stmt & { k: 'for' })[];
    loops.push(dyn.length === 1 && eligible(program, k, dyn[0]) ? dyn[0] : undefined);
    if (loops[i]) flows[i].site = sites;
    sites += dyn.length;
  });
  let groupWords = 0;
  const tables: number[] = [];
  const cache = new Map<number, Footprint[]>();
  const footprints = (i: number) => {
    if (!cache.has(i)) cache.set(i, groupFootprints(program, kernels[i].body, loops[i]!, groupsOf(loops[i]!)));
    return cache.get(i)!;
  };
  for (let i = 1; i < kernels.length; i++) {
    const a = loops[i - 1], b = loops[i];
    if (!a || !b) continue;
    const ga = groupsOf(a), gb = groupsOf(b);
    const table = dependences(footprints(i - 1), ga, footprints(i), gb);
    if (!table) continue;
    flows[i - 1].publish = { groups: ga, word: groupWords };
    groupWords += ga.count;
    flows[i].await = { groups: gb, table: tables.length * 4 };
    tables.push(...table);
  }
  const skips = (i: number) => i >= 0 && flows[i].publish !== undefined;
  flows.forEach((f, i) => {
    if (skips(i - 2) && skips(i - 1)) f.before = flows[i - 2].site;
    if (!skips(i) && skips(i - 1)) f.after = flows[i - 1].site;
  });
  return { kernels: flows, groupWords, tables: Int32Array.from(tables) };
}

/** One stage with one dynamically scheduled loop of constant bounds, the only code touching shared memory. */
function eligible(program: Program, k: Kernel, loop: Stmt & { k: 'for' }): boolean {
  if (loop.min.k !== 'const' || loop.extent.k !== 'const' || Number(loop.extent.v) <= 0) return false;
  if (hasBarrier(k.body)) return false;
  return !touchesOutside(program, k.body, loop);
}

function hasBarrier(body: Stmt): boolean {
  let found = false;
  forEachStmt(body, (s) => { if (s.k === 'barrier') found = true; });
  return found;
}

function groupsOf(loop: Stmt & { k: 'for' }): Groups {
  const min = Number((loop.min as { v: number }).v), extent = Number((loop.extent as { v: number }).v);
  const size = Math.ceil(extent / MAX_GROUPS);
  return { min, extent, size, count: Math.ceil(extent / size) };
}

function groupFootprints(program: Program, body: Stmt, loop: Stmt & { k: 'for' }, g: Groups): Footprint[] {
  return Array.from({ length: g.count }, (_, j) =>
    loopFootprint(program, body, loop, [g.min + j * g.size, g.min + Math.min(g.extent, (j + 1) * g.size) - 1]));
}

/**
 * For each group of the consumer, the first and last group of the producer it conflicts with
 * ([count, -1] for none), flattened; undefined when some consumer group needs every producer
 * group and the rest gain little (the link would cost more than it saves).
 */
function dependences(pf: Footprint[], pg: Groups, cf: Footprint[], cg: Groups): number[] | undefined {
  const out: number[] = [];
  let whole = 0;
  for (const c of cf) {
    let first = pg.count, last = -1;
    pf.forEach((p, j) => { if (overlaps(c, p)) { first = Math.min(first, j); last = j; } });
    if (first === 0 && last === pg.count - 1) whole++;
    out.push(first, last);
  }
  return whole * 2 > cg.count ? undefined : out;
}
