// The in-kernel barrier between the stages of one kernel (e.g. pad -> im2col -> GEMM of a Conv):
// a generation barrier on two words of the reserved low memory (BARRIER_GEN, BARRIER_COUNT, see
// runtime/meta.ts). The last thread to arrive resets the count, bumps the generation and wakes the
// others; the rest spin briefly on the generation, then sleep in memory.atomic.wait32.
// With one thread it returns at once.

import type { FnBuilder, Ref, WasmModule } from './module.js';
import { BARRIER_COUNT, BARRIER_GEN, SPIN_LIMIT } from '../../../runtime/meta.js';

export const BARRIER_FN = 'barrier';
/**
 * Polls before a waiter sleeps (here and in sched.ts's waits for chunks). A sleeper costs the run a
 * futex wake, ~0.1-0.3 ms on this VM (a one-off worker_threads ping-pong), so inside a run it pays to spin
 * through the short imbalances between threads. MobileNetV2 at 2 threads, a one-off round-robin A/B of
 * modules compiled in one process (40 blocks of 5 runs each, a noisy machine): p50 17.1 ms with
 * 2^18 polls against 19.5 with 2^14, ResNet-18 54.0 against 57.1; 2^20 measured like 2^18.
 * This is the module's default: the runtime lowers it through the SPIN_LIMIT word while the
 * process's busy workers, plus the session's own when idle, outnumber the cores (runtime/spin-policy.ts).
 */
export const SPINS = 1 << 18;

/** local = the polls a waiter makes before it sleeps: the runtime's SPIN_LIMIT word, or SPINS when that is 0. */
export function setSpinLimit(w: WasmModule, fn: FnBuilder, local: number): Ref {
  return w.block(null, [
    fn.set(local, w.atomicLoad32(SPIN_LIMIT)),
    fn.set(local, w.select(fn.get(local), fn.get(local), w.i32(SPINS))),
  ]);
}

export function addBarrier(w: WasmModule): void {
  if (w.hasFunction(BARRIER_FN)) return;
  const fn = w.fn(['i32']);                 // (nthreads)
  const gen = fn.local('i32'), spin = fn.local('i32'), limit = fn.local('i32');
  const n = fn.get(0);
  const loadGen = () => w.atomicLoad32(BARRIER_GEN);
  const changed = () => w.binary('i32.ne', loadGen(), fn.get(gen));
  const spinLoop = w.label('spin'), sleepLoop = w.label('sleep');
  const body = w.block(null, [
    w.if(w.binary('i32.le_s', n, w.i32(1)), w.return()),
    fn.set(gen, loadGen()),
    w.if(
      w.binary('i32.eq', w.atomicAdd32(BARRIER_COUNT, w.i32(1)), w.binary('i32.sub', fn.get(0), w.i32(1))),
      w.block(null, [
        w.atomicStore32(BARRIER_COUNT, w.i32(0)),
        w.drop(w.atomicAdd32(BARRIER_GEN, w.i32(1))),
        w.drop(w.atomicNotify(BARRIER_GEN, fn.get(0))),
      ]),
      w.block(null, [
        fn.set(spin, w.i32(0)),
        setSpinLimit(w, fn, limit),
        w.loop(spinLoop, w.block(null, [
          w.if(changed(), w.return()),
          fn.set(spin, w.binary('i32.add', fn.get(spin), w.i32(1))),
          w.br(spinLoop, w.binary('i32.lt_s', fn.get(spin), fn.get(limit))),
        ])),
        w.loop(sleepLoop, w.if(w.binary('i32.eq', loadGen(), fn.get(gen)), w.block(null, [
          w.drop(w.atomicWait32(BARRIER_GEN, fn.get(gen))),
          w.br(sleepLoop),
        ]))),
      ]),
    ),
  ]);
  w.addFunction(BARRIER_FN, fn, 'none', body);
}
