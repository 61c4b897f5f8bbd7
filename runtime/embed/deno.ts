// Web Worker glue, for Deno (and browsers): module workers, structured-cloned messages.
// Web Workers report no exit, so terminate() reports the death itself.

import type { FromWorker, ToWorker } from '../messages.js';
import type { Embed } from './embed.js';

export { webEmbed };

// The parts of the Web Worker API used here (the project compiles without the DOM lib).
interface WebWorker {
  postMessage(message: unknown): void;
  terminate(): void;
  onmessage: ((e: { data: FromWorker }) => void) | null;
  onerror: ((e: { message: string; preventDefault(): void }) => void) | null;
  onmessageerror: ((e: unknown) => void) | null;
}
interface WorkerScope {
  postMessage(message: unknown): void;
  close(): void;
  onmessage: ((e: { data: ToWorker }) => void) | null;
}
const WorkerCtor = (globalThis as unknown as { Worker: new (url: URL, opts: { type: 'module' }) => WebWorker }).Worker;

const webEmbed: Embed = {
  spawn(url, onEvent) {
    const worker = new WorkerCtor(url, { type: 'module' });
    let alive = true;
    const died = (reason: string) => {
      if (!alive) return;
      alive = false;
      onEvent({ type: 'died', reason });
    };
    worker.onmessage = (e) => onEvent(e.data);
    worker.onerror = (e) => {
      e.preventDefault(); // else Deno rethrows the worker's error in the main thread
      died(`uncaught error: ${e.message}`);
    };
    worker.onmessageerror = () => died('a message could not be deserialized');
    return {
      post: (message) => worker.postMessage(message),
      terminate: () => {
        worker.terminate();
        died('terminated');
      },
      keepAlive: () => {},
    };
  },
  workerPort() {
    const scope = globalThis as unknown as WorkerScope;
    return {
      post: (message) => scope.postMessage(message),
      onMessage: (handler) => {
        scope.onmessage = (e) => handler(e.data);
      },
      close: () => scope.close(),
    };
  },
};
