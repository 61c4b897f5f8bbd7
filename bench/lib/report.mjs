// Merges what the child processes measured into one report: per model and thread count the
// engines' timings, the other engines' p50 over accelc's, accelc's achieved GFLOP/s and its fraction
// of the measured peak; per thread count the geometric means of the ratios over the models; above
// one thread, accelc's speedup over its 1-thread session, timed in alternating blocks in the same child,
// and onnxruntime-node's own, measured the same way in its child.
import { ENGINES } from './engines.mjs';

export { buildReport, RATIOS };

const PEERS = ENGINES.filter((e) => e !== 'accelc');
const RATIOS = PEERS.map((e) => `${e}_over_accelc`);
const round2 = (v) => Math.round(v * 100) / 100;

/**
 * header: the report's fields before models (date, machine, options, peak).
 * timings: { [threads]: { results: { [model]: child result }, error? } }.
 * rss: { [model]: { [engine]: MB | { error } } }.
 */
function buildReport(header, modelNames, timings, rss) {
  const threadCounts = header.threads;
  const models = modelNames.map((name) => {
    const row = { model: name, by_threads: {} };
    for (const t of threadCounts) row.by_threads[t] = threadRow(header.peak, t, timings[t], name);
    for (const t of threadCounts.slice(1)) {
      const measured = timings[t]?.results?.[name];
      const accelc = scalingOf(measured?.accelc_scaling), ortNode = scalingOf(measured?.ort_node_scaling);
      if (accelc) {
        row.by_threads[t].scaling = accelc;
        // An N-thread session that ran inline (below its inlineWork) is one thread against one: the
        // machine was measured, but accelc has no share of its N-worker speedup.
        if (row.by_threads[t].engines.accelc?.inline === true) {
          delete accelc.of_machine;
          accelc.inline = true;
        }
      }
      if (ortNode) row.by_threads[t].ort_node_scaling = ortNode;
    }
    const accelc = row.by_threads[threadCounts[0]].engines.accelc;
    Object.assign(row, { compile_ms: accelc.compile_ms, wasm_mb: accelc.wasm_mb, gflop: accelc.flops && accelc.flops / 1e9, accelc_simd: accelc.simd });
    row.rss_mb = rss[name] ?? {};
    return row;
  });
  const geomean = Object.fromEntries(threadCounts.map((t) => [t, Object.fromEntries(RATIOS.map((k) => [k, geometricMean(models.map((m) => m.by_threads[t].ratios[k]))]))]));
  const flavours = [...new Set(models.map((m) => m.accelc_simd).filter(Boolean))];
  return { ...header, accelc_simd: flavours.join(', ') || 'unknown', models, geomean };
}

function threadRow(peak, threads, timing, model) {
  const measured = timing?.results?.[model];
  const engines = measured ? measured.engines : Object.fromEntries(ENGINES.map((e) => [e, { error: timing?.error ?? 'not measured' }]));
  const accelc = engines.accelc;
  const p50 = (e) => engines[e]?.p50_ms;
  const ratios = Object.fromEntries(PEERS.map((e) => [`${e}_over_accelc`, p50(e) && p50('accelc') ? round2(p50(e) / p50('accelc')) : undefined]));
  if (accelc?.flops && accelc.p50_ms) {
    accelc.gflops = Math.round(accelc.flops / accelc.p50_ms / 1e5) / 10;
    const perCore = peakFor(peak, accelc.simd);
    if (perCore) accelc.peak_fraction = round2(accelc.gflops / (perCore * (accelc.inline ? 1 : threads)));
  }
  return { engines, ratios };
}

/** An engine's scaling figures from what its child measured (time-child.mjs scaling), or undefined. */
function scalingOf(s) {
  const one = s?.one_thread, many = s?.many_threads;
  if (!one?.p50_ms || !many?.p50_ms) return undefined;
  return {
    one_thread: one, many_threads: many, speedup: round2(one.p50_ms / many.p50_ms), ...pairedSpeedup(one, many),
    speedup_of_mins: round2(one.min_ms / many.min_ms), ...againstMachine(one, many, s.machine_round_speedups),
  };
}

/** The peak (GFLOP/s per core) to hold accelc's kernels against, for the SIMD flavour they ran. */
function peakFor(peak, flavour) {
  if (!peak) return undefined;
  return flavour === 'relaxed' ? peak.relaxed_gflops ?? peak.plain_gflops : peak.plain_gflops;
}

/**
 * The thread scaling of adjacent blocks: each 1-thread block over the N-thread block timed next to
 * it (their p50s), and the median of those ratios. The pooled p50s compare whatever the machine
 * did during all of one side's blocks with all of the other's; a pair shares the machine's state of
 * the moment, so a slow stretch that lands on a few blocks moves one pair, not the whole figure.
 */
function pairedSpeedup(one, many) {
  const ratios = pairRatios(one, many).filter(Number.isFinite).sort((x, y) => x - y);
  if (!ratios.length) return {};
  return { paired_speedup: round2(median(ratios)), pair_speedups: ratios.map(round2) };
}

/**
 * What the machine gave code that needs no synchronisation in the same rounds
 * (parallel-control.mjs: SIMD arithmetic, L3 reads), and accelc's share of the arithmetic figure:
 * the median over rounds of (the round's paired speedup / the machine's SIMD speedup in that round).
 * A share near 1 says the code scales as far as the machine lets any code.
 */
function againstMachine(one, many, machine) {
  const simd = (machine ?? []).map((m) => m.simd), l3 = (machine ?? []).map((m) => m.l3);
  const shares = pairRatios(one, many).map((r, i) => r / simd[i]).filter(Number.isFinite);
  if (!shares.length) return {};
  return {
    machine_speedup: round2(median(simd)), machine_speedups: [...simd].sort((x, y) => x - y),
    machine_l3_speedup: round2(median(l3)), of_machine: round2(median(shares)),
  };
}

/** Round i's 1-thread block p50 over its N-thread block p50, in round order (NaN where one is missing). */
function pairRatios(one, many) {
  const a = one.block_p50s_ms ?? [], b = many.block_p50s_ms ?? [];
  return a.slice(0, b.length).map((v, i) => v / b[i]);
}

function median(values) {
  const v = [...values].sort((x, y) => x - y), n = v.length;
  return n % 2 ? v[n >> 1] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/** { value, models } over the defined values; value undefined when there are none. */
function geometricMean(values) {
  const v = values.filter((x) => typeof x === 'number' && x > 0);
  return { value: v.length ? round2(Math.exp(v.reduce((a, x) => a + Math.log(x), 0) / v.length)) : undefined, models: v.length };
}
