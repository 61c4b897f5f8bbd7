// Child process: the peak resident memory of one engine on one model, at 1 thread: load, run a
// few times, report this process's high-water RSS. Engine 'none' measures the bare child (node and
// this harness) as the baseline. Config: { engine, modelPath, wasmPath?, inputs, shapes?, runs, simd }.
import { readFileSync } from 'node:fs';
import { childMain } from './children.mjs';
import { createEngine, enableSimdFlavour, importDist } from './engines.mjs';

await childMain(async ({ engine, modelPath, wasmPath, inputs, shapes, runs, simd }, send) => {
  enableSimdFlavour(simd);
  const { randomFeeds } = await importDist('compiler/cli/feeds.js');
  if (engine !== 'none') {
    const handle = await createEngine(engine, { modelPath, wasmPath, threads: 1, shapes, simd, feeds: randomFeeds(inputs, 42) });
    for (let i = 0; i < runs; i++) await handle.run();
    await handle.release();
  }
  await send({ type: 'rss', maxrss_mb: Math.round(peakRssKiB() / 1024) });
});

/**
 * On Linux, VmHWM of /proc/self/status: getrusage's maxRSS (process.resourceUsage) of a forked
 * child starts at the parent's RSS at the fork (Linux carries the pre-exec high-water mark over).
 */
function peakRssKiB() {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Number(hwm[1]);
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS;
}
