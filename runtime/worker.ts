// The body of a pool worker: instantiate the module over the shared memory, then serve runs from
// the control block until terminated. A run = kernel_i(tid, nthreads) for each kernel i (kernels
// end synchronised inside the module, ABI format 2); a trap is recorded in the control block (kernel, thread, message) and stops the run for
// every thread. After 'ready' the worker never returns to its event loop: it waits on Atomics,
// until the pool shuts it down (then it closes itself).

import { ControlBlock } from './control-block.js';
import { loadEmbed, type WorkerPort } from './embed/embed.js';
import type { ToWorker } from './messages.js';
import { KernelProfile } from './profile.js';
import { wasm } from './wasm-api.js';

type Kernel = (tid: number, nthreads: number) => void;

const port: WorkerPort = (await loadEmbed()).workerPort();
port.onMessage(onMessage);

function onMessage(message: ToWorker): void {
  switch (message.type) {
    case 'start': {
      const { tid } = message;
      let kernels: Kernel[];
      try {
        kernels = instantiate(message);
      } catch (e) {
        port.post({ type: 'start-failed', tid, message: (e as Error).message ?? String(e) });
        return;
      }
      const control = new ControlBlock(message.memory.buffer, message.nthreads, message.control);
      const profile = message.profile && new KernelProfile(kernels.length, message.nthreads, message.profile);
      const seen = control.generation();
      port.post({ type: 'ready', tid });
      serve(control, kernels, tid, message.nthreads, seen, profile);
      break;
    }
  }
}

function instantiate(start: Extract<ToWorker, { type: 'start' }>): Kernel[] {
  const instance = new wasm.Instance(start.module, { env: { memory: start.memory } });
  const kernels: Kernel[] = [];
  for (let i = 0; ; i++) {
    const k = instance.exports[`kernel_${i}`];
    if (typeof k !== 'function') break;
    kernels.push(k as Kernel);
  }
  return kernels;
}

function serve(control: ControlBlock, kernels: Kernel[], tid: number, nthreads: number, seen: number, profile?: KernelProfile): void {
  for (;;) {
    seen = control.waitForRun(seen);
    if (control.shuttingDown()) return port.close();
    if (profile) runProfiled(control, kernels, tid, nthreads, profile);
    else runOnce(control, kernels, tid, nthreads);
    control.finish(tid);
  }
}

function runOnce(control: ControlBlock, kernels: Kernel[], tid: number, nthreads: number): void {
  for (let i = 0; i < kernels.length; i++) {
    if (control.stopped()) return;
    control.running(tid, i);
    try {
      kernels[i]!(tid, nthreads);
    } catch (e) {
      control.reportTrap(tid, i, (e as Error).message ?? String(e));
      return;
    }
  }
}

/** runOnce, timing each kernel (its in-module synchronisation included). */
function runProfiled(control: ControlBlock, kernels: Kernel[], tid: number, nthreads: number, profile: KernelProfile): void {
  for (let i = 0; i < kernels.length; i++) {
    if (control.stopped()) return;
    control.running(tid, i);
    const t0 = performance.now();
    try {
      kernels[i]!(tid, nthreads);
    } catch (e) {
      control.reportTrap(tid, i, (e as Error).message ?? String(e));
      return;
    }
    profile.add(i, tid, performance.now() - t0);
  }
}
