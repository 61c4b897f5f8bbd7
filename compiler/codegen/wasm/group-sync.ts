// The code that lets a kernel's chunks follow the kernel before by group (dataflow.ts): the
// producer counts finished iterations per group after each chunk, a consumer's chunk waits for the
// producer groups its table row names (waiting for an earlier loop as a whole is sched.ts's
// waitComplete). All of it runs only with 2+ threads; the site words are in site.ts.

import type { Ref, WasmModule, FnBuilder } from './module.js';
import { SCHED_ABORT } from '../../../runtime/meta.js';
import { DONE, SLEEPERS, WAIT_NS } from './site.js';
import type { Groups } from './dataflow.js';

export { countGroups, awaitGroups };
export type { Publish, Await, KernelSync };

/**
 * A kernel's part in the dataflow between kernels (dataflow.ts), with addresses: its loop publishes
 * group counts and skips the end wait, or awaits the groups of the kernel before; it waits for a
 * whole earlier loop (by site address) at its start or after its end wait.
 */
interface KernelSync { site: number; publish?: Publish; await?: Await; before?: number; after?: number }

/** A loop counted by group: its grouping and the address of its group counters. */
interface Publish { groups: Groups; counters: number }
/** What a chunk waits for: its own loop's grouping, the dependence table's address, and the producer (its site and counters). */
interface Await { groups: Groups; table: number; producer: Publish & { site: number } }

/** The iterations in group g (the last group may be short). */
function groupSize(w: WasmModule, g: Groups, index: () => Ref): Ref {
  const end = () => w.binary('i32.mul', w.binary('i32.add', index(), w.i32(1)), w.i32(g.size));
  return w.binary('i32.sub', w.select(w.binary('i32.lt_s', end(), w.i32(g.extent)), end(), w.i32(g.extent)), w.binary('i32.mul', index(), w.i32(g.size)));
}

/** After a chunk [begin, end): adds its iterations to each group's counter they fall in. */
function countGroups(w: WasmModule, fn: FnBuilder, p: Publish, begin: Ref, end: Ref, L: () => number): Ref {
  const b = L(), e = L(), g = L(), lo = L(), hi = L();
  const size = p.groups.size, loop = w.label('count');
  const get = (l: number) => fn.get(l), bin = (op: Parameters<WasmModule['binary']>[0], x: Ref, y: Ref) => w.binary(op, x, y);
  const min = (x: () => Ref, y: () => Ref) => w.select(bin('i32.lt_s', x(), y()), x(), y());
  const max = (x: () => Ref, y: () => Ref) => w.select(bin('i32.gt_s', x(), y()), x(), y());
  return w.block(null, [
    fn.set(b, bin('i32.sub', begin, w.i32(p.groups.min))),
    fn.set(e, bin('i32.sub', end, w.i32(p.groups.min))),
    fn.set(g, bin('i32.div_u', get(b), w.i32(size))),
    w.loop(loop, w.block(null, [
      fn.set(lo, bin('i32.mul', get(g), w.i32(size))),
      fn.set(hi, bin('i32.add', get(lo), w.i32(size))),
      w.drop(w.atomicAdd32At(bin('i32.add', w.i32(p.counters), bin('i32.shl', get(g), w.i32(2))),
        bin('i32.sub', min(() => get(e), () => get(hi)), max(() => get(b), () => get(lo))))),
      fn.set(g, bin('i32.add', get(g), w.i32(1))),
      w.br(loop, bin('i32.lt_s', bin('i32.mul', get(g), w.i32(size)), get(e))),
    ])),
  ]);
}

/**
 * Before a chunk [begin, end): the producer groups its own groups depend on (the hull of their
 * table rows), each waited for until its counter reaches the group's size or the run is aborted.
 * A waiter that has polled `limit` times counts itself in the producer's SLEEPERS word and sleeps
 * on its DONE word, which the producer bumps after every chunk and notifies while SLEEPERS is not 0.
 */
function awaitGroups(w: WasmModule, fn: FnBuilder, a: Await, begin: Ref, end: Ref, limit: number, L: () => number): Ref {
  const q = L(), qe = L(), pl = L(), ph = L(), p = L(), v = L(), spin = L();
  const get = (l: number) => fn.get(l), bin = (op: Parameters<WasmModule['binary']>[0], x: Ref, y: Ref) => w.binary(op, x, y);
  const { groups: cg, table, producer } = a;
  const rows = w.label('rows'), next = w.label('next'), poll = w.label('poll'), done = w.label('deps');
  const row = (at: number) => w.load('i32.load', table + at, bin('i32.shl', get(q), w.i32(3)));
  const ready = bin('i32.ge_s', w.atomicLoad32At(bin('i32.add', w.i32(producer.counters), bin('i32.shl', get(p), w.i32(2)))), groupSize(w, producer.groups, () => get(p)));
  return w.block(done, [
    fn.set(q, bin('i32.div_u', bin('i32.sub', begin, w.i32(cg.min)), w.i32(cg.size))),
    fn.set(qe, bin('i32.div_u', bin('i32.sub', bin('i32.sub', end, w.i32(1)), w.i32(cg.min)), w.i32(cg.size))),
    fn.set(pl, w.i32(0x7fffffff)),
    fn.set(ph, w.i32(-1)),
    w.loop(rows, w.block(null, [
      fn.set(v, row(0)),
      fn.set(pl, w.select(bin('i32.lt_s', get(v), get(pl)), get(v), get(pl))),
      fn.set(v, row(4)),
      fn.set(ph, w.select(bin('i32.gt_s', get(v), get(ph)), get(v), get(ph))),
      fn.set(q, bin('i32.add', get(q), w.i32(1))),
      w.br(rows, bin('i32.le_s', get(q), get(qe))),
    ])),
    fn.set(p, get(pl)),
    w.loop(next, w.block(null, [
      w.br(done, bin('i32.gt_s', get(p), get(ph))),
      fn.set(spin, w.i32(0)),
      w.loop(poll, w.block(null, [
        fn.set(v, w.atomicLoad32(producer.site + DONE)),
        w.if(bin('i32.and', w.unary('i32.eqz', ready), bin('i32.eq', w.atomicLoad32(SCHED_ABORT), w.i32(0))), w.block(null, [
          fn.set(spin, bin('i32.add', get(spin), w.i32(1))),
          w.if(bin('i32.ge_s', get(spin), get(limit)), w.block(null, [
            w.drop(w.atomicAdd32(producer.site + SLEEPERS, w.i32(1))),
            w.drop(w.atomicWait32(producer.site + DONE, get(v), WAIT_NS)),
            w.drop(w.atomicAdd32(producer.site + SLEEPERS, w.i32(-1))),
          ])),
          w.br(poll),
        ])),
      ])),
      fn.set(p, bin('i32.add', get(p), w.i32(1))),
      w.br(next),
    ])),
  ]);
}
