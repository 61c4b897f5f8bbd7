// Child process: times every engine on every model at one thread count, round-robin (the starting
// engine rotates each round, so machine noise lands on all alike), and sends one message per model.
// Config: { threads, models: [{ name, path, saveWasm? }], iters, scalingRuns?, warmup, simd, quiet, engines? }
// (engines: only these, the others are left out of the result).
import { childMain } from './children.mjs';
import { ENGINES, TFJS_NO_THREADS, createEngine, enableSimdFlavour, importDist } from './engines.mjs';
import { cpuMark, cpuShare } from './cpu-share.mjs';
import { parallelControl } from './parallel-control.mjs';

// accelc's loader sets process-wide V8 flags (no Liftoff, eager compilation) when it loads its
// first module, so the other engines are created first: their modules compile with V8's default
// tiering, as in a browser. After warm-up all run optimized code; the first-run columns compare
// less like with like than the p50 columns.
const CREATION_ORDER = ['ort_web', 'tfjs', 'ort_node', 'accelc'];
/** Runs per block of the thread-scaling measurement (scaling, below). */
const BLOCK = 5;
/**
 * Engines whose thread scaling is measured: each session takes its own thread count
 * (onnxruntime-web's is process-wide, set once; TF.js has no threads in Node). onnxruntime-node's
 * is the native reference for what the machine gives a model.
 */
const SCALED = ['accelc', 'ort_node'];
/**
 * Below this many ticks of machine time (0.1 s of 2 CPUs) over a side's blocks, /proc/stat's 10 ms
 * ticks say nothing: one tick of anything would read as a large share (digits_cnn's blocks last
 * ~0.3 ms, and its 'others' once read 94%).
 */
const MIN_TICKS = 20;

await childMain(async (config, send) => {
  enableSimdFlavour(config.simd);
  const [{ randomFeeds }, { summarize, round }] = await Promise.all([importDist('compiler/cli/feeds.js'), importDist('compiler/cli/stats.js')]);
  const ort = (await import('onnxruntime-node')).default;
  const lib = { randomFeeds, summarize, round, ort };
  for (const model of config.models) {
    if (!config.quiet) console.error(`bench: ${config.threads} thread${config.threads > 1 ? 's' : ''}: ${model.name}...`);
    await send({ type: 'model', result: await benchModel(model, config, lib) });
  }
});

/** Input names, dtypes and shapes as onnxruntime sees the model (symbolic dims -> 1), and accelc's --shape for those. */
async function probeInputs(ort, modelPath) {
  const probe = await ort.InferenceSession.create(modelPath);
  const meta = probe.inputMetadata;
  await probe.release();
  const inputs = meta.map((m) => ({ name: m.name, dtype: m.type, offset: 0, shape: m.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1)) }));
  const symbolic = inputs.filter((_, i) => meta[i].shape.some((d) => typeof d !== 'number'));
  return { inputs, shapes: symbolic.length ? Object.fromEntries(symbolic.map((t) => [t.name, t.shape])) : undefined };
}

async function benchModel(model, config, { randomFeeds, summarize, round, ort }) {
  const { threads, simd } = config;
  const { inputs, shapes } = await probeInputs(ort, model.path);
  const feeds = randomFeeds(inputs, 42);
  const result = { model: model.name, threads, inputs, shapes, engines: Object.fromEntries(ENGINES.map((e) => [e, {}])) };
  const live = [];
  for (const name of CREATION_ORDER) {
    if (config.engines && !config.engines.includes(name)) {
      delete result.engines[name];
      continue;
    }
    const stats = result.engines[name];
    if (name === 'tfjs' && threads > 1) {
      stats.na = TFJS_NO_THREADS;
      continue;
    }
    try {
      const t0 = performance.now();
      const handle = await createEngine(name, { modelPath: model.path, saveWasm: model.saveWasm, threads, shapes, simd, feeds });
      stats.load_ms = round(performance.now() - t0);
      Object.assign(stats, handle.info);
      const t1 = performance.now();
      const output = await handle.run();
      stats.first_run_ms = round(performance.now() - t1);
      live.push({ name, handle, stats, times: [], output });
    } catch (e) {
      stats.error = String(e?.message ?? e).split('\n')[0];
    }
  }
  live.sort((a, b) => ENGINES.indexOf(a.name) - ENGINES.indexOf(b.name));
  for (let r = 0; r < config.warmup + config.iters; r++) {
    for (let k = 0; k < live.length; k++) {
      const e = live[(r + k) % live.length];
      const t = performance.now();
      await e.handle.run();
      if (r >= config.warmup) e.times.push(performance.now() - t);
    }
  }
  if (threads > 1) {
    for (const e of live.filter((x) => SCALED.includes(x.name))) {
      result[`${e.name}_scaling`] = await scaling(e.name, e.handle, { modelPath: model.path, shapes, simd, feeds }, threads, config.scalingRuns ?? config.iters, summarize);
    }
  }
  const reference = live.find((e) => e.name === 'ort_node')?.output;
  for (const e of live) {
    Object.assign(e.stats, summarize(e.times));
    if (reference && e.name !== 'ort_node') e.stats.max_abs_diff = maxAbsDiff(e.output, reference);
    await e.handle.release();
  }
  return result;
}

/**
 * An engine's own thread scaling (accelc's, onnxruntime-node's): its N-thread session and a
 * 1-thread session of the same model in this process, `runs` runs each, in alternating blocks of BLOCK runs, each block after one untimed run (so each
 * session runs from warm caches, as a service running one model does; run for run alternation
 * would make every run start with the other session's weights in the caches). Alternating keeps
 * load that comes and goes on the machine from landing on one of them only; the main table's
 * 1-thread column ran in another child, minutes apart. Each side also reports its blocks' p50s and
 * the share of the machine's CPU time that other processes and the hypervisor (steal) took
 * during its blocks (cpu-share.mjs). Before each block, a sample of the machine's own N-worker
 * speedups on code that needs no synchronisation, SIMD arithmetic and L3 reads
 * (parallel-control.mjs); each round (a block of each side) reports the means of its two samples,
 * so each pair of blocks can be set against what the machine gave in the same stretch.
 */
async function scaling(engine, many, ctx, threads, runs, summarize) {
  let one, control;
  try {
    one = await createEngine(engine, { ...ctx, threads: 1 });
    control = await parallelControl(threads);
  } catch (e) {
    await one?.release();
    return { error: String(e?.message ?? e).split('\n')[0] };
  }
  const times = { one: [], many: [] }, blocks = { one: [], many: [] }, shares = { one: [], many: [] }, machine = [];
  for (let done = 0; done < runs; done += BLOCK) {
    const samples = [];
    for (const [key, h] of done / BLOCK % 2 ? [['one', one], ['many', many]] : [['many', many], ['one', one]]) {
      samples.push(await control.sample());
      await h.run();
      const mark = cpuMark(), block = [];
      for (let k = 0; k < Math.min(BLOCK, runs - done); k++) {
        const t = performance.now();
        await h.run();
        block.push(performance.now() - t);
      }
      times[key].push(...block);
      blocks[key].push(summarize(block).p50_ms);
      shares[key].push(cpuShare(mark, cpuMark()));
    }
    const mean = (k) => Math.round(samples.reduce((a, x) => a + x[k], 0) / samples.length * 100) / 100;
    machine.push({ simd: mean('simd'), l3: mean('l3') });
  }
  await Promise.all([one.release(), control.close()]);
  const side = (key) => ({ ...summarize(times[key]), block_p50s_ms: blocks[key].map((v) => Math.round(v * 100) / 100), cpu: totalShare(shares[key]) });
  return { threads, one_thread: side('one'), many_threads: side('many'), machine_round_speedups: machine };
}

/** The blocks' CPU shares (cpu-share.mjs) weighted by their length; undefined without /proc/stat or too few ticks. */
function totalShare(shares) {
  const known = shares.filter(Boolean);
  const ticks = known.reduce((a, s) => a + s.ticks, 0);
  if (ticks < MIN_TICKS) return undefined;
  const mean = (k) => Math.round(known.reduce((a, s) => a + s[k] * s.ticks, 0) / ticks * 1000) / 1000;
  return { others: mean('others'), steal: mean('steal'), own: mean('own') };
}

function maxAbsDiff(a, b) {
  if (!a || a.length !== b.length) return undefined;
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(Number(a[i]) - Number(b[i])));
  return max;
}
