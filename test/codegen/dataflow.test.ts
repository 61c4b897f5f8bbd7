// Dataflow between consecutive kernels (compiler/codegen/wasm/dataflow.ts, footprint.ts): which
// iterations of a kernel touch which bytes, which kernel pairs are linked and by what table, and,
// on real threads, that a linked kernel's chunks start before the kernel before has finished
// while still seeing every value they depend on.

import { describe, it, expect } from 'vitest';
import { Worker } from 'node:worker_threads';
import type { Expr, Stmt } from '../../compiler/ir/loop.js';
import { c, v, add, sub, mul, min, max, load, store, seq, loop } from '../../compiler/ir/loop.js';
import { loopFootprint } from '../../compiler/codegen/wasm/footprint.js';
import { planDataflow } from '../../compiler/codegen/wasm/dataflow.js';
import { emitWasm } from '../../compiler/codegen/wasm/index.js';
import { ProgramBuilder } from './helpers.js';
import { SCHED_ABORT, SPIN_LIMIT } from '../../runtime/meta.js';

const R = 16, W = 8;
/** row i of `to` = the sum of rows i-1, i, i+1 of `from` (clamped at the edges), one row per iteration */
const smooth = (from: string, to: string): Stmt => loop('i', R, loop('j', W, store(to, [v('i'), v('j')],
  add(add(load(from, [max(sub(v('i'), c(1)), c(0)), v('j')]), load(from, [v('i'), v('j')])), load(from, [min(add(v('i'), c(1)), c(R - 1)), v('j')])))), 'parallel');
const BIG = 64 * 512 * 1024;   // work enough for a chunk per row

function threeKernels() {
  const pb = new ProgramBuilder();
  const A = pb.buf('A', 'i32', [R, W]), B = pb.buf('B', 'i32', [R, W]), C = pb.buf('C', 'i32', [R, W]), S = pb.buf('S', 'i32', [R]);
  pb.kernel('fill', loop('i', R, loop('j', W, store('A', [v('i'), v('j')], add(mul(v('i'), c(100)), v('j')))), 'parallel'), BIG);
  pb.kernel('smooth', smooth('A', 'B'), BIG);
  // every row of S reads all of B: no group of B is enough on its own
  pb.kernel('total', loop('i', R, store('S', [v('i')], sumAll('B')), 'parallel'), BIG);
  pb.kernel('again', smooth('B', 'C'), BIG);
  return { pb, A, B, C, S };
}
function sumAll(buf: string): Expr {
  let e: Expr = c(0);
  for (let r = 0; r < R; r++) e = add(e, load(buf, [c(r), c(0)]));
  return e;
}

describe('footprint', () => {
  it('gives the bytes an iteration range reads and writes, one hull per storage, weights and scratch left out', () => {
    const pb = new ProgramBuilder();
    pb.buf('A', 'i32', [R, W]); pb.buf('B', 'i32', [R, W]);
    pb.buf('K', 'i32', [W], 'weight', new Uint8Array(4 * W)); pb.buf('T', 'i32', [W], 'scratch');
    const body = loop('i', R, loop('j', W, seq(
      store('T', [v('j')], load('K', [v('j')])),
      store('B', [v('i'), v('j')], add(load('T', [v('j')]), load('A', [max(sub(v('i'), c(1)), c(0)), v('j')]))),
    )), 'parallel');
    pb.kernel('k', body);
    const p = pb.program();
    const a = p.storages.get('A')!.offset, b = p.storages.get('B')!.offset, row = 4 * W;
    const fp = loopFootprint(p, body, body as Stmt & { k: 'for' }, [5, 6]);
    expect(fp.writes).toEqual([[b + 5 * row, b + 7 * row]]);
    expect(fp.reads).toEqual([[a + 4 * row, a + 6 * row]]);   // rows 4-5
    // iteration 0 reads row max(-1, 0): the bounds see -1, clamped to the storage
    expect(loopFootprint(p, body, body as Stmt & { k: 'for' }, [0, 0]).reads).toEqual([[a, a + row]]);
  });
});

describe('the dataflow plan', () => {
  it('links a kernel to the one before when its rows depend on a few rows, not when on all of them', () => {
    const { pb } = threeKernels();
    const p = pb.program();
    const plan = planDataflow(p, p.kernels);
    const [fill, sm, total, again] = plan.kernels;
    expect(fill.publish?.groups).toEqual({ min: 0, extent: R, size: 1, count: R });
    expect(sm.await?.groups.count).toBe(R);
    const table = Array.from(plan.tables.subarray(sm.await!.table / 4, sm.await!.table / 4 + 2 * R));
    const rows = Array.from({ length: R }, (_, i) => [Math.max(i - 1, 0), Math.min(i + 1, R - 1)]).flat();
    expect(table).toEqual(rows);                  // row i of smooth waits for rows i-1..i+1 of fill
    expect(sm.publish).toBeUndefined();           // total reads all of B: it waits for smooth as a whole
    expect(total.await).toBeUndefined();
    expect(sm.after).toBe(fill.site);             // ...and smooth, keeping its end wait, waits there for fill
    // again touches nothing total does: linked, its chunks wait for no group of total
    const none = Array.from(plan.tables.subarray(again.await!.table / 4, again.await!.table / 4 + 2 * R));
    expect(none).toEqual(Array.from({ length: R }, () => [R, -1]).flat());
    expect(total.publish).toBeDefined();
    expect(again.after).toBe(total.site);         // the last kernel ends with every kernel done
    expect(plan.kernels.map((k) => k.site)).toEqual([0, 1, 2, 3]);
  });

  it('counts reuse of memory as a dependence: a kernel overwriting what the one before still reads waits for it', () => {
    const pb = new ProgramBuilder();
    const A = pb.buf('A', 'i32', [R, W]);
    pb.view('A2', A, [R, W], [W, 1]);             // the same bytes under another name, as the memory planner shares storage
    pb.buf('B', 'i32', [R, W]);
    pb.kernel('smooth', smooth('A', 'B'), BIG);
    // writes row R-1-i of A: row i of this kernel conflicts with rows R-2-i..R-i of smooth, which read them
    pb.kernel('flip', loop('i', R, loop('j', W, store('A2', [sub(c(R - 1), v('i')), v('j')], load('B', [v('i'), v('j')]))), 'parallel'), BIG);
    const p = pb.program();
    const plan = planDataflow(p, p.kernels);
    const t = plan.tables.subarray(plan.kernels[1].await!.table / 4);
    // row 0 of flip: writes row 15 of A (read by smooth's rows 14, 15) and reads row 0 of B (written by smooth's row 0)
    expect([t[0], t[1]]).toEqual([0, 15]);
    // row 8: writes row 7 of A (smooth rows 6-8 read it), reads row 8 of B (smooth row 8 wrote it)
    expect([t[16], t[17]]).toEqual([6, 8]);
  });
});

// Each worker runs every kernel in order, as the runtime's workers do (workerData.gate: thread 0
// first waits until thread 1 has claimed a chunk of kernel 0, at byte `gate` of the memory).
const THREADS_MAIN = `
const { workerData: d } = require('node:worker_threads');
const inst = new WebAssembly.Instance(d.module, { env: { memory: d.memory } });
if (d.gate !== undefined) { const m = new Int32Array(d.memory.buffer); while (Atomics.load(m, d.gate / 4) === 0); }
for (let k = 0; inst.exports['kernel_' + k]; k++) inst.exports['kernel_' + k](d.tid, d.n);`;

async function runAll(wasm: Uint8Array, memory: WebAssembly.Memory, n: number, gate?: number): Promise<void> {
  const module = new WebAssembly.Module(wasm);
  await Promise.all(Array.from({ length: n }, (_, tid) => new Promise<void>((resolve, reject) => {
    const w = new Worker(THREADS_MAIN, { eval: true, workerData: { module, memory, tid, n, gate: tid === 0 ? gate : undefined } });
    w.on('error', reject);
    w.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`thread ${tid} exited with ${code}`))));
  })));
}

function setUp(pb: ProgramBuilder) {
  const p = pb.program();
  const { wasm, meta } = emitWasm(p, { lowering: { verify: true } });
  const memory = new WebAssembly.Memory({ initial: meta.memory.pages, maximum: meta.memory.maxPages, shared: true });
  (new WebAssembly.Instance(new WebAssembly.Module(wasm), { env: { memory } }).exports.init as () => void)();
  const i32 = (name: string) => new Int32Array(memory.buffer, p.storages.get(name)!.offset, p.storages.get(name)!.bytes / 4);
  const reset = () => new Int32Array(memory.buffer, meta.sched!.offset, meta.sched!.bytes / 4).fill(0);
  return { wasm, meta, memory, i32, reset };
}

/**
 * Kernel 0 writes row i of A; its last row (thread 1's first chunk: odd lanes run backwards) is
 * slow, then raises a flag in the weight region, which footprints leave out (no real kernel writes
 * weights), so kernel 1, copying A to B, can record whether that row had finished when its own
 * rows ran (B = A + 2^28 * flag).
 */
function slowRowKernels() {
  const pb = new ProgramBuilder();
  pb.buf('A', 'i32', [R, W]); pb.buf('B', 'i32', [R, W]);
  pb.buf('Flag', 'i32', [1], 'weight', new Uint8Array(4));
  const slow: Stmt = loop('s', 1 << 27, store('A', [c(R - 1), c(0)], add(load('A', [c(R - 1), c(0)]), c(1))));
  pb.kernel('fill', loop('i', R, seq(
    loop('j', W, store('A', [v('i'), v('j')], add(mul(v('i'), c(100)), v('j')))),
    { k: 'if', cond: { k: 'bin', op: 'eq', a: v('i'), b: c(R - 1) }, then: seq(slow, store('Flag', [c(0)], c(1))) },
  ), 'parallel'), BIG);
  pb.kernel('copy', loop('i', R, loop('j', W, store('B', [v('i'), v('j')], add(load('A', [v('i'), v('j')]), mul(load('Flag', [c(0)]), c(1 << 28))))), 'parallel'), BIG);
  return { pb };
}

describe('on threads', () => {
  it('runs the chunks of a linked kernel whose rows are ready while the kernel before is still running, and waits for the rest', async () => {
    const { pb } = slowRowKernels();
    const { wasm, meta, memory, i32, reset } = setUp(pb);
    reset();
    // thread 0 starts once thread 1 holds the slow row (lane 1's claim word, site 0)
    await runAll(wasm, memory, 2, meta.sched!.offset + 4);
    const a = i32('A'), b = i32('B');
    const flagged = Array.from({ length: R }, (_, i) => b[i * W] >= 1 << 28);
    for (let i = 0; i < R; i++) for (let j = 0; j < W; j++) expect(b[i * W + j] % (1 << 28)).toBe(a[i * W + j]);
    expect(a[(R - 1) * W]).toBe((R - 1) * 100 + (1 << 27));
    expect(flagged[R - 1]).toBe(true);            // the row that depends on the slow one waited for it
    expect(flagged.slice(0, R - 1)).toContain(false);   // others ran before it finished
  }, 30_000);

  it('leaves a chunk waiting for a row of the kernel before undone when the run is stopped meanwhile', async () => {
    const { pb } = slowRowKernels();
    const { wasm, meta, memory, i32, reset } = setUp(pb);
    const site = new Int32Array(memory.buffer, meta.sched!.offset, 16), low = new Int32Array(memory.buffer, 0, 64);
    // A waiter polls once before it sleeps, so it shows at once in site 0's SLEEPERS word. Thread 0
    // should be there within microseconds of starting, while thread 1 is on the slow row; if a busy
    // machine kept thread 0 off its core until the slow row was done, try again.
    for (let attempt = 0; attempt < 3; attempt++) {
      reset();
      Atomics.store(low, SCHED_ABORT / 4, 0);
      Atomics.store(low, SPIN_LIMIT / 4, 1);
      i32('B').fill(-7);
      let finished = false;
      const running = runAll(wasm, memory, 2, meta.sched!.offset + 4).then(() => { finished = true; });
      while (!finished && Atomics.load(site, 10) === 0) await new Promise((r) => setTimeout(r, 1));
      if (finished) continue;
      Atomics.store(low, SCHED_ABORT / 4, 1);      // stop the run as the runtime does
      Atomics.notify(site, 8);
      await running;
      const b = i32('B');
      expect(Array.from(b.subarray((R - 1) * W, R * W))).toEqual(new Array(W).fill(-7));
      expect(b[0]).toBe(0);                       // rows that did not wait ran
      return;
    }
    throw new Error('thread 0 never waited for the slow row in 3 tries');
  }, 60_000);

  it('gives the same results on 1, 2 and 3 threads, run after run, for a chain of linked and unlinked kernels', async () => {
    const { pb } = threeKernels();
    const { wasm, memory, i32, reset } = setUp(pb);
    const results: string[] = [];
    for (const n of [1, 2, 3, 2, 3, 2]) {
      for (const name of ['A', 'B', 'C', 'S']) i32(name).fill(-7);
      reset();
      await runAll(wasm, memory, n);
      results.push(JSON.stringify(['A', 'B', 'C', 'S'].map((x) => Array.from(i32(x)))));
    }
    expect(new Set(results).size).toBe(1);
    const b = i32('B'), a = (i: number, j: number) => i * 100 + j;
    expect(b[5 * W + 3]).toBe(a(4, 3) + a(5, 3) + a(6, 3));
  }, 30_000);
});
