// The control block: a small SharedArrayBuffer (separate from the module's memory) through which
// the main thread starts runs and the pool's workers synchronise, with Atomics only.
//
// Int32 slots:
//   GEN          job generation; the main thread bumps it to start a run, idle workers wait on it
//   IDLE_SPIN    polls an idle worker makes for the next run before it sleeps; 0 = JOB_SPIN
//                (the main thread sets it, with the module's SPIN_LIMIT word: spin-policy.ts)
//   ABORT        0 while the run goes on; TRAP when a kernel trapped, STOP when the main thread
//                stopped the run (cancel, timeout, a worker died). Workers check it before each kernel.
//   DONE         workers finished with the current run (normally or not); the main thread awaits
//                DONE == nthreads with Atomics.waitAsync, never a blocking wait
//   TRAP_KERNEL, TRAP_TID   which kernel trapped, on which thread (written by the first to trap)
//   TRAP_LEN     bytes of the trap's message, UTF-8, in the text area after the slots
//   SHUTDOWN     1: workers leave their loop and close (release(); Deno cannot terminate a busy
//                worker, so workers are asked to leave before they are terminated)
//   CURRENT + t  the kernel worker t is running, -1 when idle (to name it when the worker dies)
// A run: the main thread writes the inputs into the module's memory, then beginRun(); every worker
// runs kernel_i(tid, n) for each i; after the last kernel each adds 1 to DONE. Atomics are sequentially consistent, so the inputs written before the GEN bump are seen
// by the workers, and outputs written before the DONE add are seen by the main thread.
//
// Kernels with several stages also synchronise inside the kernel, on the module's own barrier
// words in its memory (BARRIER_GEN, BARRIER_COUNT; see meta.ts). When a run stops, threads may be
// asleep there waiting for a thread that trapped or was stopped: stop() and reportTrap() bump
// BARRIER_GEN to release them (they finish the kernel on whatever data there is, then see ABORT
// at the next barrier), and beginRun() zeroes BARRIER_COUNT, as the ABI asks.
// Dynamically scheduled loops count chunks in the module's sched region: beginRun() zeroes it and
// the word SCHED_ABORT; stop() and reportTrap() set SCHED_ABORT (threads waiting for chunks give
// up) and the main thread's stop() also wakes the sleepers. Kernels end synchronised inside the
// module (ABI format 2), so workers run kernel after kernel without a barrier of their own.

import { BARRIER_COUNT, BARRIER_GEN, SCHED_ABORT, SPIN_LIMIT, type ModuleMeta } from './meta.js';

export { ControlBlock };
export type { TrapInfo };

const GEN = 0, ABORT = 1, IDLE_SPIN = 2, DONE = 4, TRAP_KERNEL = 5, TRAP_TID = 6, TRAP_LEN = 7, SHUTDOWN = 8, CURRENT = 9;
const ABORT_TRAP = 1, ABORT_STOP = 2;
const TEXT_BYTES = 512;

/**
 * Spin iterations before an idle worker sleeps, so that the next run of a busy session starts
 * without a futex wake (~0.1-0.3 ms here). An Atomics.load loop takes ~17 ns an iteration here (both one-off probes),
 * so this is ~0.5 ms: long enough to cover the main thread's turn between back-to-back runs (its
 * own wake-up from Atomics.waitAsync alone takes ~0.1 ms), short enough that an idle service burns
 * little. Only while the process's pools leave a core for that thread and fit the cores: otherwise
 * idle workers sleep at once (spin-policy.ts), as spinners would hold the cores others need.
 */
const JOB_SPIN = 30_000;

interface WaitAsync {
  waitAsync?(a: Int32Array, index: number, value: number): { async: false; value: string } | { async: true; value: Promise<string> };
}
const waitAsync = (Atomics as unknown as WaitAsync).waitAsync;

interface TrapInfo {
  kernel: number;
  tid: number;
  message: string;
}

class ControlBlock {
  readonly buffer: SharedArrayBuffer;
  readonly nthreads: number;
  private readonly i32: Int32Array;
  private readonly text: Uint8Array;
  /** The module's words in its reserved low memory (BARRIER_GEN, BARRIER_COUNT, SCHED_ABORT, SPIN_LIMIT). */
  private readonly kernelBarrier: Int32Array;
  /** The module's chunk counters (empty when it has none). */
  private readonly sched: Int32Array;

  /** A new block for `nthreads` workers (main thread), or a view of an existing one (worker). */
  constructor(memory: ArrayBufferLike, nthreads: number, buffer?: SharedArrayBuffer, sched?: ModuleMeta['sched']) {
    this.nthreads = nthreads;
    this.sched = sched ? new Int32Array(memory, sched.offset, sched.bytes / 4) : new Int32Array(0);
    this.buffer = buffer ?? new SharedArrayBuffer((CURRENT + nthreads) * 4 + TEXT_BYTES);
    this.i32 = new Int32Array(this.buffer, 0, CURRENT + nthreads);
    this.text = new Uint8Array(this.buffer, (CURRENT + nthreads) * 4, TEXT_BYTES);
    this.kernelBarrier = new Int32Array(memory, 0, Math.max(BARRIER_GEN, BARRIER_COUNT, SCHED_ABORT, SPIN_LIMIT) / 4 + 1);
    if (!buffer) {
      this.i32.fill(-1, CURRENT);
      Atomics.store(this.i32, TRAP_KERNEL, -1);
    }
  }

  // ---- main thread ----

  /** Starts a run; every worker must be idle (DONE == nthreads of the previous run, or fresh). */
  beginRun(): void {
    const c = this.i32;
    Atomics.store(c, ABORT, 0);
    Atomics.store(c, DONE, 0);
    Atomics.store(c, TRAP_KERNEL, -1);
    Atomics.store(this.kernelBarrier, BARRIER_COUNT / 4, 0);
    this.sched.fill(0);   // published to the workers by the GEN bump below (seq-cst)
    Atomics.store(this.kernelBarrier, SCHED_ABORT / 4, 0);
    Atomics.add(c, GEN, 1);
    Atomics.notify(c, GEN);
  }

  /**
   * How long this pool's threads spin before they sleep (spin-policy.ts): waiters inside kernels
   * `kernelSpins` polls (0: the module's default), idle workers not at all when `idleSleep`.
   */
  setSpins(kernelSpins: number, idleSleep: boolean): void {
    Atomics.store(this.kernelBarrier, SPIN_LIMIT / 4, kernelSpins);
    Atomics.store(this.i32, IDLE_SPIN, idleSleep ? 1 : 0);
  }

  /** The spin settings as the threads read them: [kernel polls (0: module default), idle polls (0: JOB_SPIN)]. */
  spins(): [number, number] {
    return [Atomics.load(this.kernelBarrier, SPIN_LIMIT / 4), Atomics.load(this.i32, IDLE_SPIN)];
  }

  /** Asks the workers to stop the run before their next kernel (and waiters in kernels to give up). False when it had already stopped. */
  stop(): boolean {
    const won = Atomics.compareExchange(this.i32, ABORT, 0, ABORT_STOP) === 0;
    this.wakeBarrier();
    return won;
  }

  /** Asks every worker to stop its run, if any, and leave. */
  shutdown(): void {
    Atomics.store(this.i32, SHUTDOWN, 1);
    this.stop();
    Atomics.add(this.i32, GEN, 1);
    Atomics.notify(this.i32, GEN);
  }

  finished(): boolean {
    return Atomics.load(this.i32, DONE) >= this.nthreads;
  }

  /** A worker got through the whole run and nothing stopped it: the outputs are complete. */
  finishedCleanly(): boolean {
    return Atomics.load(this.i32, DONE) > 0 && Atomics.load(this.i32, ABORT) === 0 && Atomics.load(this.i32, TRAP_KERNEL) < 0;
  }

  /**
   * Resolves when DONE moves, or a trap is reported (or at once when all are done); never blocks
   * the calling thread. Loop on finished() and trapped().
   */
  async waitProgress(): Promise<void> {
    const done = Atomics.load(this.i32, DONE);
    if (done >= this.nthreads) return;
    if (!waitAsync) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      return;
    }
    const r = waitAsync(this.i32, DONE, done);
    if (r.async) await r.value;
  }

  /** Marks the run finished when its workers never will (they were terminated). */
  forceFinished(): void {
    Atomics.store(this.i32, DONE, this.nthreads);
    Atomics.notify(this.i32, DONE);
  }

  abortReason(): number {
    return Atomics.load(this.i32, ABORT);
  }

  /** The trap of this run, once its reporter has written all of it. */
  trapped(): TrapInfo | undefined {
    const kernel = Atomics.load(this.i32, TRAP_KERNEL);
    if (kernel < 0) return undefined;
    const len = Math.min(Atomics.load(this.i32, TRAP_LEN), TEXT_BYTES);
    return { kernel, tid: Atomics.load(this.i32, TRAP_TID), message: new TextDecoder().decode(this.text.slice(0, len)) };
  }

  currentKernel(tid: number): number {
    return Atomics.load(this.i32, CURRENT + tid);
  }

  // ---- workers ----

  generation(): number {
    return Atomics.load(this.i32, GEN);
  }

  /** Waits (spin, then sleep) until the generation moves past `seen`; returns the new one. */
  waitForRun(seen: number): number {
    const c = this.i32;
    const spins = Atomics.load(c, IDLE_SPIN) || JOB_SPIN;
    for (let s = 0; s < spins && Atomics.load(c, GEN) === seen; s++);
    while (Atomics.load(c, GEN) === seen) Atomics.wait(c, GEN, seen);
    return Atomics.load(c, GEN);
  }

  shuttingDown(): boolean {
    return Atomics.load(this.i32, SHUTDOWN) !== 0;
  }

  running(tid: number, kernel: number): void {
    Atomics.store(this.i32, CURRENT + tid, kernel);
  }

  stopped(): boolean {
    return Atomics.load(this.i32, ABORT) !== 0;
  }

  /** Records a trap (the first one wins), stops the run and tells the main thread. */
  reportTrap(tid: number, kernel: number, message: string): void {
    const c = this.i32;
    if (Atomics.compareExchange(c, ABORT, 0, ABORT_TRAP) === 0) {
      const bytes = new TextEncoder().encode(message).subarray(0, TEXT_BYTES);
      this.text.set(bytes);
      Atomics.store(c, TRAP_LEN, bytes.length);
      Atomics.store(c, TRAP_TID, tid);
      Atomics.store(c, TRAP_KERNEL, kernel); // last: publishes the trap
      Atomics.notify(c, DONE);
    }
    this.wakeBarrier();
  }

  /** This worker is done with the run (whatever its outcome). */
  finish(tid: number): void {
    const c = this.i32;
    Atomics.store(c, CURRENT + tid, -1);
    Atomics.add(c, DONE, 1);
    Atomics.notify(c, DONE);   // the first worker done completes the run (finishedCleanly), the last frees the pool
  }

  /** Releases threads waiting in the module's in-kernel barrier and for chunks. */
  private wakeBarrier(): void {
    Atomics.store(this.kernelBarrier, SCHED_ABORT / 4, 1);
    Atomics.add(this.kernelBarrier, BARRIER_GEN / 4, 1);
    Atomics.notify(this.kernelBarrier, BARRIER_GEN / 4);
    for (let i = 8; i < this.sched.length; i += 16) Atomics.notify(this.sched, i);   // each site's DONE word
  }
}
