// The worker pool: N workers instantiate the compiled module over the session's shared memory and
// run every kernel split N ways (kernel_i(tid, N), then a barrier; see control-block.ts). The main
// thread runs no kernel: it writes inputs, starts the run, and awaits the end with
// Atomics.waitAsync, so its event loop stays free.
//
// Faults: a trap stops the run at the next barrier and fails it naming the kernel; a worker that
// dies fails the run in flight and the pool respawns all workers before the next run; a run that
// is cancelled or times out is failed at once, its workers asked to stop at their next barrier and
// terminated (then respawned) if they have not within GRACE_MS. One run at a time: the caller
// (session.ts) queues them.

import { ControlBlock, type TrapInfo } from './control-block.js';
import { loadEmbed, type Embed, type WorkerHandle } from './embed/embed.js';
import type { LoadedModel } from './loader.js';
import type { KernelProfile } from './profile.js';
import type { WorkerEvent } from './messages.js';
import { availableCores } from './platform.js';
import { RunError } from './run-error.js';
import type { RunStop } from './run-queue.js';
import { CONTENDED_KERNEL_SPINS, joinSpinPolicy, type SpinMember } from './spin-policy.js';

export { WorkerPool, WORKER_URL, GRACE_MS };

// Built, this file is dist/runtime/pool.js and the worker sits next to it; under vitest it runs as
// runtime/pool.ts and the worker is taken from dist/ (Node cannot start a .ts worker): build first.
const WORKER_URL = import.meta.url.endsWith('.ts')
  ? new URL('../dist/runtime/worker.js', import.meta.url)
  : new URL('./worker.js', import.meta.url);

/** How long stopped workers get to reach a barrier before they are terminated. */
const GRACE_MS = 250;
const START_TIMEOUT_MS = 30_000;

interface PoolWorker {
  tid: number;
  handle: WorkerHandle;
  /** Set when the pool lets go of the worker (terminated, or dead): its events are ignored. */
  retired: boolean;
  starting?: { resolve(): void; reject(e: Error): void };
}

/** One generation of workers and the control block they share; replaced whole after a fault. */
interface Crew {
  control: ControlBlock;
  workers: PoolWorker[];
  broken: boolean;
}

interface Job {
  crew: Crew;
  settled: boolean;
  succeed(): void;
  fail(e: Error): void;
  grace?: ReturnType<typeof setTimeout>;
}

class WorkerPool {
  readonly threads: number;
  readonly #model: LoadedModel;
  readonly #embed: Embed;
  #crew: Crew | undefined;
  #job: Job | undefined;
  #busy = false;
  #released = false;
  #starts = 0;
  #spawning: Promise<Crew> | undefined;
  /** Resolves when the workers of the last run are all done with it (or were terminated). */
  #idle: Promise<void> = Promise.resolve();

  readonly #profile: KernelProfile | undefined;
  /** This pool's place in the process's spin policy (spin-policy.ts). */
  readonly #spin: SpinMember;

  private constructor(model: LoadedModel, threads: number, embed: Embed, cores: number, profile?: KernelProfile) {
    this.#model = model;
    this.threads = threads;
    this.#embed = embed;
    this.#profile = profile;
    this.#spin = joinSpinPolicy(threads, cores, () => this.#crew && this.#writeSpins(this.#crew.control));
  }

  /** Starts `threads` workers and waits until each has instantiated the module. */
  static async create(model: LoadedModel, threads: number, profile?: KernelProfile): Promise<WorkerPool> {
    const pool = new WorkerPool(model, threads, await loadEmbed(), await availableCores(), profile);
    try {
      await pool.#ready();
    } catch (e) {
      pool.release();
      throw e;
    }
    return pool;
  }

  /**
   * One run on the workers: `write` (the inputs) is called once the memory is free, `read` (the
   * outputs) once every kernel has run, before anything else can touch the memory. Rejects with a
   * RunError on a trap, a dead worker, or with the reason of `stop` when that fires.
   */
  async run<T>(write: () => void, read: () => T, stop?: RunStop): Promise<T> {
    if (this.#busy) throw new Error('accelc internal error: WorkerPool.run called while a run is in flight');
    if (stop?.reason) throw stop.reason;
    this.#busy = true;
    // Until the run starts, a stop rejects at once (the wait for idle workers, or for a respawn, goes on).
    let unsubscribe: (() => void) | undefined;
    const stopped = new Promise<never>((_, reject) => (unsubscribe = stop?.onStop(() => reject(stop.reason))));
    stopped.catch(() => {});
    try {
      await Promise.race([this.#idle, stopped]);
      this.#checkLive();
      const crew = await Promise.race([this.#ready(), stopped]);
      if (stop?.reason) throw stop.reason;
      unsubscribe?.();
      write();
      return await this.#dispatch(crew, read, stop);
    } finally {
      unsubscribe?.();
      this.#busy = false;
    }
  }

  /** Terminates the workers; a run in flight fails with 'released'. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#spin.leave();
    const job = this.#job;
    if (job) job.fail(new RunError('released', 'the session was released during the run', this.#model.meta.name));
    if (this.#crew) this.#teardown(this.#crew);
  }

  /** The spin settings the workers read now: [kernel polls (0: the module's default), idle (0: default, 1: sleep at once)]. @internal */
  get _spinsForTest(): [number, number] | undefined {
    return this.#crew?.control.spins();
  }

  /** The kernel worker `tid` is running now, -1 when idle (undefined without workers). @internal */
  _runningKernelForTest(tid: number): number | undefined {
    return this.#crew?.control.currentKernel(tid);
  }

  /** How many times a set of workers was started (1 + respawns after faults). */
  get starts(): number {
    return this.#starts;
  }

  /** Test hook: terminates worker `tid` as if it had died (the pool is not told beforehand). */
  _terminateWorkerForTest(tid: number): void {
    this.#crew?.workers[tid]?.handle.terminate();
  }

  #dispatch<T>(crew: Crew, read: () => T, stop?: RunStop): Promise<T> {
    const { control } = crew;
    let markIdle!: () => void;
    this.#idle = new Promise((resolve) => (markIdle = resolve));
    return new Promise<T>((resolve, reject) => {
      const job: Job = {
        crew,
        settled: false,
        succeed: () => settle(() => resolve(read())),
        fail: (e) => settle(() => reject(e)),
      };
      const settle = (how: () => void) => {
        if (job.settled) return;
        job.settled = true;
        unsubscribe?.();
        try {
          how();
        } catch (e) {
          reject(e);
        }
      };
      this.#job = job;
      const unsubscribe = stop?.onStop(() => this.#stop(job, stop.reason!));
      for (const w of crew.workers) w.handle.keepAlive(true);
      this.#spin.setBusy(true);
      control.beginRun();
      void this.#watch(job).finally(() => {
        if (this.#job === job) this.#job = undefined;
        this.#spin.setBusy(false);
        markIdle();
      });
    });
  }

  /**
   * Follows a run to its end: fails it as soon as a trap is reported; succeeds it as soon as one
   * worker has finished cleanly (every kernel ends synchronised, so all the work is done then, and
   * a worker the OS descheduled need not be waited for); resolves when every worker is idle.
   */
  async #watch(job: Job): Promise<void> {
    const { crew } = job;
    const { control } = crew;
    while (!control.finished()) {
      if (!job.settled && !this.#profile && control.finishedCleanly()) job.succeed();   // (profiles need every thread's timings)
      const trap = control.trapped();
      if (trap && !job.settled) this.#stop(job, this.#trapError(trap));
      await control.waitProgress();
    }
    if (job.grace) clearTimeout(job.grace);
    for (const w of crew.workers) if (!w.retired) w.handle.keepAlive(false);
    const trap = control.trapped();
    if (trap) job.fail(this.#trapError(trap));
    else if (control.abortReason() === 0) job.succeed();
    else job.fail(new RunError('worker-died', 'the run was stopped', this.#model.meta.name));
  }

  /** Fails the run now; asks its workers to stop, and terminates them if they do not in time. */
  #stop(job: Job, error: Error): void {
    job.fail(error);
    const { crew } = job;
    crew.control.stop();
    job.grace ??= setTimeout(() => {
      if (!crew.control.finished()) this.#teardown(crew);
    }, GRACE_MS);
  }

  #trapError({ kernel, tid, message }: TrapInfo): RunError {
    return new RunError('trap', `${this.#kernelName(kernel)} trapped (thread ${tid} of ${this.threads}): ${message}`, this.#model.meta.name);
  }

  #kernelName(i: number): string {
    const k = this.#model.meta.kernels[i];
    return i < 0 ? 'no kernel' : `kernel ${i}${k ? ` '${k.name}'` : ''}`;
  }

  #onWorkerEvent(crew: Crew, w: PoolWorker, event: WorkerEvent): void {
    if (w.retired) return;
    switch (event.type) {
      case 'ready':
        w.starting?.resolve();
        w.starting = undefined;
        break;
      case 'start-failed':
        w.starting?.reject(this.#startError(w.tid, `cannot instantiate the module: ${event.message}`));
        break;
      case 'died': {
        w.retired = true;
        if (w.starting) {
          w.starting.reject(this.#startError(w.tid, event.reason));
          break;
        }
        const job = this.#job;
        if (job && job.crew === crew && !job.settled) {
          const where = this.#kernelName(crew.control.currentKernel(w.tid));
          this.#stop(job, new RunError('worker-died', `worker ${w.tid} of ${this.threads} died (${event.reason}) while running ` +
            `${where}; the pool starts new workers for the next run`, this.#model.meta.name));
        }
        // The dead worker will never finish a run: retire the whole crew, the next run respawns it.
        this.#teardown(crew);
        break;
      }
    }
  }

  /** Writes the policy's setting for this pool where a crew's threads read it (its control block and the module's memory). */
  #writeSpins(control: ControlBlock): void {
    control.setSpins(this.#spin.contended ? CONTENDED_KERNEL_SPINS : 0, this.#spin.idleSleep);
  }

  #startError(tid: number, why: string): RunError {
    const hint = import.meta.url.endsWith('.ts') ? ` (the worker runs from ${WORKER_URL.pathname}: run 'npm run build')` : '';
    return new RunError('start-failed', `worker ${tid} of ${this.threads} could not start: ${why}${hint}`, this.#model.meta.name);
  }

  #checkLive(): void {
    if (this.#released) throw new RunError('released', 'the session was released', this.#model.meta.name);
  }

  /** The current crew, or a new one (one spawn at a time) when there is none or it broke. */
  #ready(): Promise<Crew> {
    if (this.#crew && !this.#crew.broken) return Promise.resolve(this.#crew);
    this.#spawning ??= this.#spawn().then((crew) => {
      if (this.#released) {
        this.#teardown(crew);
        this.#checkLive();
      }
      this.#crew = crew;
      this.#writeSpins(crew.control);   // again: the policy may have changed while the crew started
      return crew;
    }).finally(() => (this.#spawning = undefined));
    return this.#spawning;
  }

  async #spawn(): Promise<Crew> {
    const { kernelModule: module, memory, meta } = this.#model;   // the relaxed-SIMD kernels when the loader chose them
    const crew: Crew = { control: new ControlBlock(memory.buffer, this.threads, undefined, meta.sched), workers: [], broken: false };
    this.#writeSpins(crew.control);   // before the workers start: each goes straight to waiting for a run
    this.#starts++;
    const started: Promise<void>[] = [];
    for (let tid = 0; tid < this.threads; tid++) {
      const w = { tid, retired: false } as PoolWorker;
      started.push(new Promise<void>((resolve, reject) => (w.starting = { resolve, reject })));
      w.handle = this.#embed.spawn(WORKER_URL, (event) => this.#onWorkerEvent(crew, w, event));
      crew.workers.push(w);
      w.handle.post({ type: 'start', module, memory, control: crew.control.buffer, tid, nthreads: this.threads, model: meta.name, profile: this.#profile?.buffer });
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(this.#startError(0, `the workers did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    });
    try {
      await Promise.race([Promise.all(started), timeout]);
    } catch (e) {
      this.#teardown(crew);
      throw e;
    } finally {
      clearTimeout(timer);
    }
    for (const w of crew.workers) w.handle.keepAlive(false);
    return crew;
  }

  /**
   * Ends every worker of `crew` (asked to leave, then terminated) and marks it broken; its run, if
   * any, counts as finished.
   */
  #teardown(crew: Crew): void {
    crew.broken = true;
    crew.control.shutdown();
    for (const w of crew.workers) {
      if (w.retired) continue;
      w.retired = true;
      w.handle.terminate();
    }
    crew.control.forceFinished();
  }
}
