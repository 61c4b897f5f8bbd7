// A session's runs, one at a time (the module's memory holds one run), in call order, behind a
// bounded queue. A run given a signal or a timeout (counted from the call, so time spent waiting
// counts) gets a RunStop that fires on either; a run still waiting when it fires leaves the queue
// at once, a running one is stopped by the task it was given.
// (RunStop rather than an AbortController per run: Node's AbortSignal listeners cost native
// memory that a long-running service would see grow.)

import { errorFromSignal, RunError } from './run-error.js';

export { RunQueue, RunStop };
export type { QueueOptions };

interface QueueOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Fires once, with the RunError that stops the run. */
class RunStop {
  reason: RunError | undefined;
  #listeners: (() => void)[] = [];

  get stopped(): boolean {
    return this.reason !== undefined;
  }

  stop(reason: RunError): void {
    if (this.reason) return;
    this.reason = reason;
    for (const f of this.#listeners.splice(0)) f();
  }

  /** Calls `f` when the run is stopped; returns the function that unsubscribes. */
  onStop(f: () => void): () => void {
    this.#listeners.push(f);
    return () => {
      const at = this.#listeners.indexOf(f);
      if (at >= 0) this.#listeners.splice(at, 1);
    };
  }
}

interface Entry {
  start(): void;
  fail(error: RunError): void;
}

class RunQueue {
  readonly maxQueue: number;
  readonly #model: string;
  #waiting: Entry[] = [];
  #running = false;

  constructor(maxQueue: number, model: string) {
    this.maxQueue = maxQueue;
    this.#model = model;
  }

  /** Runs waiting, plus the one in flight. */
  get pending(): number {
    return this.#waiting.length + (this.#running ? 1 : 0);
  }

  submit<T>(task: (stop: RunStop | undefined) => Promise<T>, opts: QueueOptions = {}): Promise<T> {
    if (this.#running && this.#waiting.length >= this.maxQueue) {
      return Promise.reject(new RunError('queue-full', `the run queue is full (${this.#waiting.length} runs waiting, maxQueue ` +
        `${this.maxQueue}); retry later, or create the session with a larger maxQueue`, this.#model));
    }
    const { signal, timeoutMs } = opts;
    if (signal?.aborted) return Promise.reject(errorFromSignal(signal, this.#model));
    const stop = signal || timeoutMs !== undefined ? new RunStop() : undefined;
    const cancel = () => stop!.stop(errorFromSignal(signal!, this.#model));
    signal?.addEventListener('abort', cancel, { once: true });
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
      stop!.stop(new RunError('timeout', `the run did not finish within ${timeoutMs} ms`, this.#model));
    }, timeoutMs);
    const cleanup = () => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', cancel);
    };

    return new Promise<T>((resolve, reject) => {
      const entry: Entry = {
        start: () => {
          this.#running = true;
          unsubscribe?.();
          task(stop).then(resolve, reject).finally(() => {
            cleanup();
            this.#running = false;
            this.#next();
          });
        },
        fail: (error) => {
          cleanup();
          reject(error);
        },
      };
      // Stopped while waiting: leave the queue now. Once started, the task stops itself.
      const unsubscribe = stop?.onStop(() => {
        const at = this.#waiting.indexOf(entry);
        if (at >= 0) this.#waiting.splice(at, 1);
        entry.fail(stop.reason!);
      });
      this.#waiting.push(entry);
      this.#next();
    });
  }

  /** Fails every waiting run with `error` (the one in flight is its task's business). */
  rejectAll(error: RunError): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const e of waiting) e.fail(error);
  }

  #next(): void {
    if (this.#running) return;
    this.#waiting.shift()?.start();
  }
}
