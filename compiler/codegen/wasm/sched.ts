// Dynamic scheduling of a kernel's top-level parallel loops (OpenMP's schedule(dynamic)): the
// loop's range is cut into at most CHUNKS_PER_THREAD * nthreads chunks (fewer for a kernel with
// little work: chunkCap), and the threads claim chunks with atomic adds until none is left, counting
// the chunks they finished on the site's DONE word.
//
// The chunks are dealt into lanes, one per thread (at most MAX_LANES; more threads share them):
// thread t claims lane t's chunks from the front, then takes what is left of the other lanes from
// their backs. A lane is one word, [front claims | back claims << 16], so one atomic add claims a
// chunk from either end and tells whether the two ends have met. Lane t is the same part of the
// range in every kernel (rows [t/n, (t+1)/n) of the image, for a loop over row blocks), so a thread
// mostly reads rows it wrote itself in the kernel before, from its own L2, and a thread that runs
// out takes the chunks the lane's owner would have reached last. At 2 threads, one-off A/Bs against
// one shared claim counter (modules compiled both ways in one process, sessions round-robin in
// blocks of 10 runs, 10-24 rounds; median over rounds of shared's block p50 over lanes'):
// MobileNetV2 1.035x, 1.108x, 1.013x, 1.043x; ResNet-18 1.070x; vit_tiny 1.060x; bert_mini 1.047x;
// ShuffleNetV2 1.091x; SqueezeNet 1.101x.
//
// Along a lane the chunks shrink (guided, as OpenMP's schedule(guided)): chunk i of m weighs m - i,
// so a thread's first claims are long and the chunks left at the end, which the other thread waits
// on or takes from the back, are short; the claim count stays the same. At 2 threads against the even
// chunks before (50ffc64; one-off A/B, 2-thread sessions of both modules in alternating order, 60 rounds
// of 10 runs, paired median): MobileNetV2 1.019x, ResNet-18 1.021x, ShuffleNetV2 1.046x, vit_tiny
// 1.011x, bert_mini 1.006x, SqueezeNet 0.992x.
//
// A stage boundary after such loops waits for DONE to reach the
// chunk count instead of waiting for every thread to arrive: a thread the OS has descheduled claims
// nothing and holds nobody up; when it runs again it finds the work done and skips it.
//
// A stage that writes memory outside such a loop (serial code every thread repeats, a parallel
// loop nested in a serial one) still ends with the arrival barrier (barrier.ts): a thread must not
// run ahead while another may still write.
//
// Only a stage's lone top-level parallel loop is scheduled this way. Stages with several (softmax:
// max, sum, scale over the same rows) rely on every loop giving thread t the same rows, so they
// keep the static split (chunk tid of nthreads) and end at the arrival barrier.
//
// Counters live in the module's sched region (ModuleMeta.sched), SITE_BYTES per site, and must be
// zero when a multi-threaded run starts (the runtime zeroes them). With nthreads = 1 (run(), or a
// one-thread session) no counter is touched: the single thread takes the whole range as one chunk.

import type { Stmt } from '../../ir/loop.js';
import type { Ref, WasmModule } from './module.js';
import type { FnBuilder } from './module.js';
import { SCHED_ABORT } from '../../../runtime/meta.js';
import { setSpinLimit } from './barrier.js';
import { awaitGroups, countGroups, type Await, type Publish } from './group-sync.js';
import { BACK, CHUNKS, CLAIM, DONE, MAX_LANES, SITE_BYTES, SLEEPERS, WAIT_NS } from './site.js';

export { SchedSites, SITE_BYTES, claimLoop, waitSites, waitComplete, dynamicLoops, chunkCap };
export type { Site, Segment };

/**
 * Chunks per thread: enough to even out a thread that was descheduled, few enough to stay cheap.
 * 8 rather than 4: MobileNetV2 at 2 threads, p50 on a busy machine 17.1-17.8 ms against 20.6-23.2
 * (the same minimum, ~12 ms, when quiet); 16 measured like 8 with even chunks (A/B of modules
 * compiled in one process, sessions run round-robin). With guided chunks 16 rather than 8 (a lane's
 * last chunk 1/136 of it instead of 1/36, for twice the claims; one-off A/B, 2-thread sessions in
 * alternating order, 40-60 rounds of 10 runs, paired median): MobileNetV2 1.020x and 1.041x,
 * ResNet-18 1.018x, ShuffleNetV2 1.010x, SqueezeNet 1.007x, bert_mini 0.998x, vit_tiny 0.999x.
 */
const CHUNKS_PER_THREAD = 16;
/**
 * The least work worth a chunk of its own, in flop-equivalents (a byte moved counts as 4 flops:
 * ~15 GB/s against ~50 GFLOP/s here): about 10 us. Handing a chunk to another thread costs a few
 * us, far more when that thread has to be woken, so a small kernel stays on whichever thread gets
 * there first.
 */
const MIN_CHUNK_WORK = 512 * 1024;

/** The most chunks a kernel's loops are cut into, from its work (flops + 4 x bytes moved). */
function chunkCap(flops: number, bytes: number): number {
  return Math.max(1, Math.floor((flops + 4 * bytes) / MIN_CHUNK_WORK));
}

/** The module's counter words: one site per top-level parallel loop, numbered in emission order. */
class SchedSites {
  count = 0;
  constructor(readonly base: number) {}
  next(): number { return this.base + SITE_BYTES * this.count++; }
}

/** A site in the current stage: its counters' address and the local holding its chunk count. */
interface Site { addr: number; chunks: number }

/** What the current stage (the code since the last barrier) did: its sites, and whether it stored outside them. */
interface Segment { sites: Site[]; unclaimed: boolean }

interface ClaimArgs {
  w: WasmModule;
  fn: FnBuilder;
  tid: () => Ref;
  nthreads: () => Ref;
  site: number;
  lo: Ref;
  extent: Ref;
  /** At most this many chunks (chunkCap of the kernel). */
  cap: number;
  /** Locals the chunk loop reads: first and one-past-last index of the claimed chunk. */
  begin: number;
  end: number;
  /** Runs the chunk [begin, end) (must not be empty: the caller guards). */
  body: Ref;
  local: (t: 'i32') => number;
  /** The next kernel follows this loop by group (dataflow.ts). */
  publish?: Publish;
  /** Each chunk first waits for the groups of the kernel before that it depends on (dataflow.ts). */
  await?: Await;
}

/**
 * for each chunk c of `extent` iterations from `lo` that this thread claims (its own lane from the
 * front, then the other lanes from their backs; with one thread, the single chunk): set begin/end,
 * run body; returns the statement and the local holding the chunk count (for waitSites).
 */
function claimLoop(a: ClaimArgs): { stmt: Ref; chunks: number } {
  const { w, fn } = a;
  const L = () => a.local('i32');
  const lo = L(), ext = L(), chunks = L(), q = L(), r = L(), c = L(), k = L();
  const lanes = L(), j = L(), u = L(), laneLo = L(), laneHi = L(), old = L(), f = L(), b = L();
  const get = (l: number) => fn.get(l);
  const i32 = (x: number) => w.i32(x);
  const bin = (op: Parameters<WasmModule['binary']>[0], x: Ref, y: Ref) => w.binary(op, x, y);
  const multi = () => bin('i32.gt_s', a.nthreads(), i32(1));
  const min = (x: () => Ref, y: () => Ref) => w.select(bin('i32.lt_s', x(), y()), x(), y());
  const own = () => w.unary('i32.eqz', get(j));
  const laneBound = (v: Ref) => bin('i32.div_u', bin('i32.mul', v, get(chunks)), get(lanes));
  const chunkStart = (x: () => Ref) => bin('i32.add', bin('i32.mul', x(), get(q)), bin('i32.div_u', bin('i32.mul', x(), get(r)), get(chunks)));
  const lanesLoop = w.label('lanes'), claim = w.label('claim'), laneDone = w.label('lanedone');
  // Chunk c is chunk i = c - laneLo of its lane's m. The lane holds iterations [chunkStart(laneLo),
  // chunkStart(laneHi)) of the even split (chunk x from floor(x * ext / chunks), computed as
  // x*q + x*r/chunks: no overflow), so lane t of n starts at iteration t*ext/n when n divides the
  // chunks and covers the same rows in every kernel. Inside the lane the chunks shrink (guided, as
  // OpenMP's schedule(guided)): chunk i weighs m - i, so the owner's first claims are long and the
  // last chunks, the ones a thread waits on at the end or another takes from the back, are short.
  // Odd lanes run backwards (their owner starts at the lane's end), so two threads' lanes meet
  // where both end, and each owner's first chunks in a kernel are the rows it did first in the
  // kernel before: the rows a kernel that follows by group (dataflow.ts) finds ready first.
  const lLo = L(), len = L(), m = L(), ii = L(), dd = L(), back = L();
  const weight = (x: () => Ref) => bin('i32.div_u', bin('i32.mul', x(), bin('i32.sub', bin('i32.add', bin('i32.shl', get(m), i32(1)), i32(1)), x())), i32(2));
  // the start of chunk x of the lane, counted from the lane's start in its owner's direction
  const fromStart = (x: () => Ref) => bin('i32.add',
    bin('i32.mul', bin('i32.div_u', get(len), get(dd)), weight(x)),
    bin('i32.div_u', bin('i32.mul', bin('i32.rem_u', get(len), get(dd)), weight(x)), get(dd)));
  const last = bin('i32.eq', w.atomicAdd32(a.site + DONE, i32(1)), bin('i32.sub', get(chunks), i32(1)));
  const limit = L(), first = L(), x0 = L(), x1 = L(), stopped = L();
  const nonEmpty = () => bin('i32.lt_s', get(a.begin), get(a.end));
  const runChunk = w.block(null, [
    fn.set(ii, bin('i32.sub', get(c), get(laneLo))),
    fn.set(x0, fromStart(() => get(ii))),
    fn.set(x1, fromStart(() => bin('i32.add', get(ii), i32(1)))),
    fn.set(a.begin, bin('i32.add', bin('i32.add', get(lo), get(lLo)), w.select(get(back), bin('i32.sub', get(len), get(x1)), get(x0)))),
    fn.set(a.end, bin('i32.add', bin('i32.add', get(lo), get(lLo)), w.select(get(back), bin('i32.sub', get(len), get(x0)), get(x1)))),
    a.publish ? fn.set(first, get(a.begin)) : w.nop(),   // (the body counts begin up to end)
    // a chunk that waited for groups of the kernel before runs only if the run was not stopped
    // meanwhile (the wait gives up on abort, and those groups may be half written)
    ...(a.await
      ? [
        fn.set(stopped, i32(0)),
        w.if(bin('i32.and', multi(), nonEmpty()), w.block(null, [
          awaitGroups(w, fn, a.await, get(a.begin), get(a.end), limit, L),
          fn.set(stopped, w.atomicLoad32(SCHED_ABORT)),
        ])),
        w.if(w.unary('i32.eqz', get(stopped)), a.body),
      ]
      : [a.body]),
    w.if(multi(), a.publish
      ? w.block(null, [
        w.if(bin('i32.lt_s', get(first), get(a.end)), countGroups(w, fn, a.publish, get(first), get(a.end), L)),
        w.if(bin('i32.or', last, bin('i32.ne', w.atomicLoad32(a.site + SLEEPERS), i32(0))), w.drop(w.atomicNotify(a.site + DONE, i32(-1)))),
      ])
      : w.if(last, w.drop(w.atomicNotify(a.site + DONE, i32(-1))))),
  ]);
  const claimOne = w.loop(claim, w.block(null, [
    fn.set(old, w.if(multi(),
      w.atomicAdd32At(bin('i32.add', i32(a.site + CLAIM), bin('i32.shl', get(u), i32(2))), w.select(own(), i32(1), i32(BACK))),
      get(k))),
    fn.set(k, bin('i32.add', get(k), i32(1))),
    fn.set(f, bin('i32.and', get(old), i32(BACK - 1))),
    fn.set(b, bin('i32.shr_u', get(old), i32(16))),
    w.br(laneDone, bin('i32.ge_s', bin('i32.add', get(f), get(b)), bin('i32.sub', get(laneHi), get(laneLo)))),
    fn.set(c, w.select(own(), bin('i32.add', get(laneLo), get(f)), bin('i32.sub', bin('i32.sub', get(laneHi), i32(1)), get(b)))),
    runChunk,
    w.br(claim),
  ]));
  const stmt = w.block(null, [
    fn.set(lo, a.lo),
    fn.set(ext, a.extent),
    fn.set(chunks, w.if(multi(), min(() => min(() => get(ext), () => i32(a.cap)), () => bin('i32.mul', a.nthreads(), i32(CHUNKS_PER_THREAD))), i32(1))),
    a.publish ? w.if(multi(), w.atomicStore32(a.site + CHUNKS, get(chunks))) : w.nop(),
    a.await ? setSpinLimit(w, fn, limit) : w.nop(),
    fn.set(k, i32(0)),
    w.if(bin('i32.gt_s', get(ext), i32(0)), w.block(null, [
      fn.set(q, bin('i32.div_s', get(ext), get(chunks))),
      fn.set(r, bin('i32.rem_s', get(ext), get(chunks))),
      fn.set(lanes, min(() => a.nthreads(), () => i32(MAX_LANES))),
      fn.set(j, i32(0)),
      w.loop(lanesLoop, w.block(null, [
        fn.set(u, bin('i32.rem_u', bin('i32.add', a.tid(), get(j)), get(lanes))),
        fn.set(laneLo, laneBound(get(u))),
        fn.set(laneHi, laneBound(bin('i32.add', get(u), i32(1)))),
        // the lane's iterations, chunk count and total weight, for its chunks' bounds (runChunk)
        fn.set(lLo, chunkStart(() => get(laneLo))),
        fn.set(len, bin('i32.sub', chunkStart(() => get(laneHi)), get(lLo))),
        fn.set(m, bin('i32.sub', get(laneHi), get(laneLo))),
        fn.set(dd, bin('i32.div_u', bin('i32.mul', get(m), bin('i32.add', get(m), i32(1))), i32(2))),
        fn.set(back, bin('i32.and', get(u), i32(1))),
        w.block(laneDone, [claimOne]),
        fn.set(j, bin('i32.add', get(j), i32(1))),
        w.br(lanesLoop, bin('i32.lt_s', get(j), get(lanes))),
      ])),
    ])),
  ]);
  return { stmt, chunks };
}

/** Waits until every chunk of every site finished (or the run is aborted). Nothing with one thread. */
function waitSites(w: WasmModule, fn: FnBuilder, nthreads: () => Ref, sites: Site[], local: (t: 'i32') => number): Ref {
  return waitDone(w, fn, nthreads, sites.map((s) => ({ addr: s.addr, chunks: () => fn.get(s.chunks) })), local);
}

/**
 * Waits until every chunk of the loop at `site` finished, or the run is aborted: for a loop that
 * publishes its chunk count (CHUNKS, dataflow.ts) and skipped its own end wait. Nothing with one thread.
 */
function waitComplete(w: WasmModule, fn: FnBuilder, nthreads: () => Ref, site: number, local: (t: 'i32') => number): Ref {
  return waitDone(w, fn, nthreads, [{ addr: site, chunks: () => w.atomicLoad32(site + CHUNKS) }], local);
}

/** For each site in turn: poll DONE up to the spin limit, then sleep on it, until it reaches `chunks` or the run is aborted. */
function waitDone(w: WasmModule, fn: FnBuilder, nthreads: () => Ref, sites: { addr: number; chunks: () => Ref }[], local: (t: 'i32') => number): Ref {
  if (sites.length === 0) return w.nop();
  const v = local('i32'), spin = local('i32'), limit = local('i32');
  const waits = sites.map((s) => {
    const loop = w.label('done');
    return w.block(null, [
      fn.set(spin, w.i32(0)),
      w.loop(loop, w.block(null, [
        fn.set(v, w.atomicLoad32(s.addr + DONE)),
        w.if(w.binary('i32.and',
          w.binary('i32.lt_s', fn.get(v), s.chunks()),
          w.binary('i32.eq', w.atomicLoad32(SCHED_ABORT), w.i32(0))), w.block(null, [
          fn.set(spin, w.binary('i32.add', fn.get(spin), w.i32(1))),
          w.if(w.binary('i32.ge_s', fn.get(spin), fn.get(limit)), w.drop(w.atomicWait32(s.addr + DONE, fn.get(v), WAIT_NS))),
          w.br(loop),
        ])),
      ])),
    ]);
  });
  return w.if(w.binary('i32.gt_s', nthreads(), w.i32(1)), w.block(null, [setSpinLimit(w, fn, limit), ...waits]));
}

/**
 * The parallel loops of a kernel body to schedule dynamically: in each stage (top-level code
 * between barriers), its parallel loop outside any loop or if, when it is the only one.
 */
function dynamicLoops(body: Stmt): Set<Stmt> {
  const chosen = new Set<Stmt>();
  let stage: Stmt[] = [];
  const close = () => { if (stage.length === 1) chosen.add(stage[0]); stage = []; };
  const walk = (s: Stmt): void => {
    switch (s.k) {
      case 'barrier': close(); return;
      case 'for': if (s.kind === 'parallel') stage.push(s); return;
      case 'seq': s.body.forEach(walk); return;
      case 'let': case 'alloc': walk(s.body); return;
      default: return;
    }
  };
  walk(body);
  close();
  return chosen;
}
