// Every message between the main thread and a pool worker, as one typed union per direction; each
// side handles them in one switch (pool.ts: #onWorkerEvent, worker.ts: onMessage).
//
// Messages carry only what cannot live in the control block: the compiled module, the shared
// memory and the control block itself, once, when a worker starts; and lifecycle replies. Runs,
// barriers, aborts and traps go through the control block (control-block.ts), never through
// messages: a run must not wait for either side's event loop.

import type { WasmMemory, WasmModule } from './wasm-api.js';

export type { ToWorker, FromWorker, WorkerEvent };

/** Main thread -> worker. */
type ToWorker =
  /** Instantiate `module` over `memory` (do not call init(): the weights are already in place),
   *  reply 'ready', then serve runs from `control` as thread `tid` of `nthreads`. */
  | {
    type: 'start';
    module: WasmModule;
    memory: WasmMemory;
    control: SharedArrayBuffer;
    tid: number;
    nthreads: number;
    model: string;
    /** With SessionOptions.profile: the KernelProfile buffer this worker adds its timings to. */
    profile?: SharedArrayBuffer;
  };

/** Worker -> main thread. */
type FromWorker =
  | { type: 'ready'; tid: number }
  | { type: 'start-failed'; tid: number; message: string };

/** What the platform glue (embed/*.ts) reports about a worker: its messages, and its death
 *  (an uncaught error, an exit, or terminate() from outside the pool). */
type WorkerEvent = FromWorker | { type: 'died'; reason: string };
