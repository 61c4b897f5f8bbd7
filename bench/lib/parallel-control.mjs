// The machine's parallel speedup at this moment, for work that needs no synchronisation at all:
// the SIMD peak loop (peak.mjs's flopsProbe, plain SIMD) on 1 worker, then the same loop on N
// workers at once. A benchmark that times a thread-scaling measurement takes a sample beside each
// of its blocks, so each block has what the machine gave perfectly parallel code in the same
// stretch. On this project's shared VM the two vCPUs at times act as one: two workers then take
// as long as one worker doing both loops, and nothing in the code under test can change that.
import { Worker } from 'node:worker_threads';
import { flopsProbe } from './peak.mjs';

export { parallelControl };

/** Trips of the probe loop per worker and sample: ~2 ms at this machine's ~40-50 GFLOP/s a core. */
const TRIPS = 1_000_000;

const WORKER = `const { parentPort, workerData } = require('node:worker_threads');
  const peak = new WebAssembly.Instance(new WebAssembly.Module(workerData)).exports.peak;
  peak(10000);
  parentPort.on('message', (n) => { const t = performance.now(); peak(n); parentPort.postMessage(performance.now() - t); });`;

/**
 * N workers with the probe compiled; sample() resolves to N x (one worker's time) / (the slowest
 * worker's time when all N run at once): N when the machine gives N cores, 1 when it gives one.
 * Each worker times its own loop, so message latency is not counted.
 */
async function parallelControl(threads) {
  const bytes = flopsProbe(false);
  const workers = Array.from({ length: threads }, () => new Worker(WORKER, { eval: true, workerData: bytes }));
  const job = (w, n) => new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
    w.postMessage(n);
  });
  await Promise.all(workers.map((w) => job(w, TRIPS / 10)));
  return {
    async sample() {
      const one = await job(workers[0], TRIPS);
      const all = await Promise.all(workers.map((w) => job(w, TRIPS)));
      return (threads * one) / Math.max(...all);
    },
    close: () => Promise.all(workers.map((w) => w.terminate())),
  };
}
