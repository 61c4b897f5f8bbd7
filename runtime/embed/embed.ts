// What the pool needs from a platform to run workers, and the choice of platform. The glue itself
// (node.ts: worker_threads; deno.ts: Web Workers, as in Deno and browsers) is loaded on demand, so
// the runtime imports no node: module on Deno or in a browser.

import { isNode } from '../platform.js';
import type { FromWorker, ToWorker, WorkerEvent } from '../messages.js';

export { loadEmbed };
export type { Embed, WorkerHandle, WorkerPort };

/** The main thread's side of one worker. */
interface WorkerHandle {
  post(message: ToWorker): void;
  /** Stops the worker at once, even in the middle of a kernel or a wait. */
  terminate(): void;
  /** Whether this worker keeps the process alive (Node; a no-op where the platform has no such notion). */
  keepAlive(on: boolean): void;
}

/** The worker's side of its channel to the main thread. */
interface WorkerPort {
  post(message: FromWorker): void;
  onMessage(handler: (message: ToWorker) => void): void;
  /** Ends this worker. */
  close(): void;
}

interface Embed {
  /** Starts the worker module at `url`; its messages and its death arrive through `onEvent`. */
  spawn(url: URL, onEvent: (event: WorkerEvent) => void): WorkerHandle;
  /** In a worker: the channel to the main thread. */
  workerPort(): WorkerPort;
}

function loadEmbed(): Promise<Embed> {
  return isNode() ? import('./node.js').then((m) => m.nodeEmbed) : import('./deno.js').then((m) => m.webEmbed);
}
