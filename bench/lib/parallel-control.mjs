// What the machine gives N threads at this moment, for two kinds of work that need no
// synchronisation: arithmetic in registers (the SIMD peak loop, peak.mjs's flopsProbe, plain SIMD)
// and reads of a 2 MB buffer per worker (peak.mjs's bandwidthProbe; past a core's 512 KB L2, within
// the shared L3). Each is timed on 1 worker, then on N workers at once. A benchmark that times a
// thread-scaling measurement takes a sample beside each of its blocks, so each block has what the
// machine gave such code in the same stretch. On this project's shared VM the two vCPUs at times
// act as one (both figures fall to ~1), and reads from L3 scale less than arithmetic
// (one-off probe: 2 MB a worker 1.43x p50, 0.25 MB 1.85x): a model whose kernels stream
// activations through L3 is held to somewhere between the two.
import { Worker } from 'node:worker_threads';
import { bandwidthProbe, flopsProbe } from './peak.mjs';

export { parallelControl };

/** Trips of the SIMD loop per worker and sample: ~2 ms at this machine's ~40-50 GFLOP/s a core. */
const TRIPS = 1_000_000;
/** Bytes each worker reads, and how many times a sample: 64 MB, ~1.3 ms at the ~50 GB/s one worker read from L3 (one-off probe). */
const READ_BYTES = 2 * 2 ** 20, READ_REPS = 32;

const WORKER = `const { parentPort, workerData } = require('node:worker_threads');
  const peak = new WebAssembly.Instance(new WebAssembly.Module(workerData.flops)).exports.peak;
  const { read, write } = new WebAssembly.Instance(new WebAssembly.Module(workerData.read)).exports;
  const { bytes, reps } = workerData;
  write(0, bytes);
  peak(10000);
  let sink = 0;
  parentPort.on('message', (kind) => {
    const t = performance.now();
    if (kind === 'simd') sink ^= peak(${TRIPS}) | 0;
    else for (let r = 0; r < reps; r++) sink ^= read(0, bytes);
    parentPort.postMessage(performance.now() - t + (sink === 0.5 ? 1 : 0));
  });`;

/**
 * N workers with the probes compiled; sample() resolves to { simd, l3 }: for each, N x (one
 * worker's time) / (the slowest worker's time when all N run at once): N when the machine gives
 * N cores, 1 when it gives one. Each worker times its own loop, so message latency is not counted.
 */
async function parallelControl(threads) {
  const workerData = { flops: flopsProbe(false), read: bandwidthProbe(READ_BYTES / 65536), bytes: READ_BYTES, reps: READ_REPS };
  const workers = Array.from({ length: threads }, () => new Worker(WORKER, { eval: true, workerData }));
  // Each job's listeners go when it settles: a sample runs 3N jobs, a bench run hundreds.
  const job = (w, kind) => new Promise((resolve, reject) => {
    const done = (ms) => { w.off('error', fail); resolve(ms); };
    const fail = (e) => { w.off('message', done); reject(e); };
    w.once('message', done);
    w.once('error', fail);
    w.postMessage(kind);
  });
  const speedup = async (kind) => {
    const one = await job(workers[0], kind);
    const all = await Promise.all(workers.map((w) => job(w, kind)));
    return (threads * one) / Math.max(...all);
  };
  await Promise.all(workers.map((w) => job(w, 'read')));
  return {
    async sample() {
      return { simd: await speedup('simd'), l3: await speedup('read') };
    },
    close: () => Promise.all(workers.map((w) => w.terminate())),
  };
}
