// A thread waiting at a kernel's barrier polls SPIN_LIMIT times (the runtime's word in the module's
// reserved memory; 0 = the module's default) before it sleeps: thread 0 of 2 runs a kernel that
// ends at the arrival barrier (LRN: serial code every thread runs) alone, on a worker that reads its
// own CPU time (Linux's /proc/thread-self/schedstat) around the call; thread 1, on this thread,
// arrives 150 ms later and lets it finish. Spinning, the waiter burns CPU all that time; asleep,
// almost none. The chunk waits are checked in the emitted code.

import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import binaryen from 'binaryen';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.js';
import { SPIN_LIMIT } from '../../runtime/meta.js';
import { requestEagerWasmTierUp } from '../../runtime/platform.js';
import { attr, encode, FLOAT, node, valueInfo } from '../frontend/build-model.js';

const WAITER = `
const { parentPort, workerData: d } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const inst = new WebAssembly.Instance(d.module, { env: { memory: d.memory } });
const cpuNs = () => Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
parentPort.on('message', () => { const c0 = cpuNs(); inst.exports.kernel_0(0, 2); parentPort.postMessage((cpuNs() - c0) / 1e6); });`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const THREAD_CPU = existsSync('/proc/thread-self/schedstat');

describe('the spin limit word', () => {
  it.skipIf(!THREAD_CPU)('a waiter at a barrier spins while the word allows it and sleeps when it is small', async () => {
    const onnx = encode({ nodes: [node('LRN', ['x'], ['y'], 'lrn', [attr('size', 3)])],
      inputs: [valueInfo('x', FLOAT, [1, 16, 8, 8])], outputs: [valueInfo('y', FLOAT, [1, 16, 8, 8])] });
    const { wasm, meta } = await compile(onnx, { maxThreads: 2 });
    await requestEagerWasmTierUp();   // optimized code from the start: the module's default 2^18 polls then take ~ms, not ~0.1 s
    const memory = new WebAssembly.Memory({ initial: meta.memory.pages, maximum: meta.memory.maxPages, shared: true });
    const module = new WebAssembly.Module(wasm);
    const inst = new WebAssembly.Instance(module, { env: { memory } });
    const { init, kernel_0: kernel } = inst.exports as Record<string, (...a: number[]) => void>;
    init!();
    const words = new Int32Array(memory.buffer, 0, 64);
    const waiter = new Worker(WAITER, { eval: true, workerData: { module, memory } });
    /** CPU ms thread 0 burns in the kernel, waiting 150 ms at its barrier with the word at `limit`. */
    const waitCpu = async (limit: number) => {
      Atomics.store(words, SPIN_LIMIT / 4, limit);
      let returned = false;
      const done = new Promise<number>((r) => waiter.once('message', (ms: number) => { returned = true; r(ms); }));
      waiter.postMessage('go');
      await sleep(150);
      expect(returned, 'thread 0 did not wait for thread 1 at the barrier').toBe(false);
      kernel!(1, 2);                      // thread 1 arrives at the barrier; both finish
      return done;
    };
    try {
      await waitCpu(1);   // untimed: the worker's start
      const spun: number[] = [], slept: number[] = [];
      for (let r = 0; r < 2; r++) {
        spun.push(await waitCpu(1 << 30));   // ~seconds of polls: spins until thread 1 comes
        slept.push(await waitCpu(1));        // one poll, then asleep
      }
      // Spinning: ~150 ms with a core to itself, less when other work shares it (30 ms seen on a
      // busy machine); asleep: ~0.
      const why = `thread 0's CPU ms while spinning ${spun}, while asleep ${slept}`;
      expect(Math.min(...spun), why).toBeGreaterThan(15);
      expect(Math.max(...slept), why).toBeLessThan(10);
    } finally {
      await waiter.terminate();
    }
  }, 30_000);

  it('the waits for other threads\' chunks read it too', async () => {
    // A ReLU is one dynamically scheduled loop and no barrier: its only wait is for the chunks.
    const onnx = encode({ nodes: [node('Relu', ['x'], ['y'], 'relu')], inputs: [valueInfo('x', FLOAT, [1, 64, 56, 56])], outputs: [valueInfo('y', FLOAT, [1, 64, 56, 56])] });
    const { wasm } = await compile(onnx, { maxThreads: 2 });
    const m = binaryen.readBinary(wasm);
    try {
      // kernel_0's own body (a barrier would be a call to another function, not inlined here)
      const kernel = m.getFunction(binaryen.getExportInfo(m.getExport('kernel_0')).value);
      const body = binaryen.emitText(binaryen.getFunctionInfo(kernel).body);
      expect(body).toMatch(new RegExp(`i32\\.atomic\\.load[^\\n]*\\n\\s*\\(i32\\.const ${SPIN_LIMIT}\\)`));
    } finally {
      m.dispose();
    }
  });
});
