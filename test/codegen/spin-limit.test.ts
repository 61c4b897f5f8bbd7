// A thread waiting at a kernel's barrier polls SPIN_LIMIT times (the runtime's word in the module's
// reserved memory; 0 = the module's default) before it sleeps: thread 0 of 2 runs a kernel that
// ends at the arrival barrier (LRN: serial code every thread runs) alone, and the process's CPU
// time while it waits shows whether it spins or sleeps. Thread 1, on this thread, then lets it finish.

import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.js';
import { SPIN_LIMIT } from '../../runtime/meta.js';
import { requestEagerWasmTierUp } from '../../runtime/platform.js';
import { attr, encode, FLOAT, node, valueInfo } from '../frontend/build-model.js';

const WAITER = `
const { parentPort, workerData: d } = require('node:worker_threads');
const inst = new WebAssembly.Instance(d.module, { env: { memory: d.memory } });
parentPort.on('message', () => { inst.exports.kernel_0(0, 2); parentPort.postMessage('done'); });`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

describe('the spin limit word', () => {
  it('a waiter spins while the word allows it and sleeps when it is small', async () => {
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
    /** CPU the process burns over 200 ms while thread 0 waits at the first barrier with the word at `limit`. */
    const waitCpu = async (limit: number) => {
      Atomics.store(words, SPIN_LIMIT / 4, limit);
      const done = new Promise((r) => waiter.once('message', r));
      waiter.postMessage('go');
      await sleep(50);                    // thread 0 reaches the barrier at the kernel's end
      const c0 = cpuMs();
      await sleep(200);
      const used = cpuMs() - c0;
      kernel!(1, 2);                      // thread 1 arrives at every barrier; both finish
      await done;
      return used;
    };
    try {
      await waitCpu(1);   // untimed: the worker's start
      // The compile above leaves V8's collector busy on other threads for a while: wait until this
      // process burns (almost) no CPU, so the windows below see only the waiter.
      for (let t = 0; t < 50; t++) {
        const c0 = cpuMs();
        await sleep(100);
        if (cpuMs() - c0 < 5) break;
      }
      const spun: number[] = [], slept: number[] = [];
      for (let r = 0; r < 2; r++) {
        spun.push(await waitCpu(1 << 30));   // ~seconds of polls: spins through the window
        slept.push(await waitCpu(1));        // one poll, then asleep
      }
      // Spinning, the waiter burns CPU through the window (all of it when it has a core to itself,
      // ~70 ms of 200 with the other test fork busy on this 2-core machine); asleep, almost none.
      const why = `CPU while spinning ${spun}, while asleep ${slept}`;
      expect(Math.min(...spun), why).toBeGreaterThan(15);
      expect(Math.max(...slept), why).toBeLessThan(Math.min(...spun) / 4);
    } finally {
      await waiter.terminate();
    }
  }, 30_000);
});
