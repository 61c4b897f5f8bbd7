// Node glue: workers are worker_threads. The pool unrefs idle workers, so a session that is never
// released does not keep the process alive, and refs them while they start or run.

import { parentPort, Worker } from 'node:worker_threads';
import type { FromWorker, ToWorker } from '../messages.js';
import type { Embed } from './embed.js';

export { nodeEmbed };

const nodeEmbed: Embed = {
  spawn(url, onEvent) {
    const worker = new Worker(url);
    worker.on('message', (message: FromWorker) => onEvent(message));
    worker.on('error', (e: Error) => onEvent({ type: 'died', reason: `uncaught ${e.name ?? 'error'}: ${e.message}` }));
    worker.on('exit', (code: number) => onEvent({ type: 'died', reason: `exited with code ${code}` }));
    return {
      post: (message) => worker.postMessage(message),
      terminate: () => void worker.terminate(),
      keepAlive: (on) => (on ? worker.ref() : worker.unref()),
    };
  },
  workerPort() {
    const port = parentPort;
    if (!port) throw new Error('accelc: the worker module was loaded outside a worker thread');
    return {
      post: (message) => port.postMessage(message),
      onMessage: (handler) => port.on('message', (message: ToWorker) => handler(message)),
      close: () => process.exit(0), // in a worker thread: ends the thread
    };
  },
};
