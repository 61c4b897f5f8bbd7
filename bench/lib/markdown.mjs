// The benchmark report as Markdown: timings and ratios per model and thread count with their
// geometric means, then load, first run, memory and accuracy at the first thread count.
import { ENGINES } from './engines.mjs';
import { RATIOS } from './report.mjs';

export { reportMarkdown };

const SHORT = { accelc: 'accelc', ort_web: 'ort-web', tfjs: 'tfjs', ort_node: 'ort-node' };
const f = (v, digits = 2) => (typeof v === 'number' ? v.toFixed(digits) : '–');
const sci = (v) => (typeof v === 'number' ? v.toExponential(1) : '–');
const pct = (v) => (typeof v === 'number' ? `${Math.round(v * 100)}%` : '–');
const span = (xs) => (Array.isArray(xs) && xs.length ? `${f(Math.min(...xs))}-${f(Math.max(...xs))}` : '–');
/**
 * Steal at or above this share of the machine's time (as printed, in whole percent) during either
 * side's blocks flags accelc's row, or onnxruntime-node's paired cell for its own blocks: the
 * hypervisor ran other guests on this VM's cores, so the figure measures the host more than the
 * runtime (session 17's s17b-plain: 31% at 2 threads, MobileNetV2 1.50x paired against 1.82x two runs earlier).
 */
const STEAL_FLAG = 0.1;
const stolen = (s) => [s.one_thread.cpu, s.many_threads.cpu].some((c) => typeof c?.steal === 'number' && Math.round(c.steal * 100) >= STEAL_FLAG * 100);
const shares = (c) => (c ? `${pct(c.others)} / ${pct(c.steal)}` : '–');
/** A p50 cell: the time, or 'n/a' / 'error' (the message goes under the table). */
const cell = (s) => (typeof s?.p50_ms === 'number' ? f(s.p50_ms) : s?.na ? 'n/a' : s?.error ? 'error' : '–');

function reportMarkdown(r) {
  const t0 = r.threads[0];
  const peak = r.peak ? `peak ${f(r.peak.plain_gflops, 1)} GFLOP/s per core plain, ${f(r.peak.relaxed_gflops, 1)} relaxed (${r.peak_source})` : 'peak not measured';
  const lines = [
    '# accelc benchmark',
    '',
    `${r.date} · node ${r.node} · ${r.cpu}, ${r.cores} cores, load ${r.load_avg.join(' ')} · ${r.iters} iters after ${r.warmup} warm-up · accelc SIMD ${r.accelc_simd} · ${peak}`,
    '',
    'p50 in ms (p90, min and mean in latest.json); ratios are the other runtime\'s p50 over accelc\'s (> 1: accelc is faster); ' +
      '% of peak is accelc\'s GFLOP/s over threads × the per-core peak of the SIMD flavour it ran. GFLOP/s are effective: they count a convolution\'s direct FLOPs, and Winograd layers (3x3 stride 1) do 2.25x fewer multiplications, so a model can exceed 100%.',
    '',
    `| model | threads | ${ENGINES.map((e) => SHORT[e]).join(' | ')} | ${RATIOS.map((k) => `${SHORT[k.replace('_over_accelc', '')]}/accelc`).join(' | ')} | accelc GFLOP/s | % of peak |`,
    `|---|---:|${ENGINES.map(() => '---:').join('|')}|${RATIOS.map(() => '---:').join('|')}|---:|---:|`,
  ];
  for (const m of r.models) {
    for (const t of r.threads) {
      const { engines, ratios } = m.by_threads[t];
      lines.push(`| ${m.model} | ${t} | ${ENGINES.map((e) => cell(engines[e])).join(' | ')} | ${RATIOS.map((k) => f(ratios[k])).join(' | ')} | ` +
        `${f(engines.accelc?.gflops, 1)} | ${pct(engines.accelc?.peak_fraction)} |`);
    }
  }
  for (const t of r.threads) {
    lines.push(`| **geometric mean** | ${t} | ${ENGINES.map(() => '').join(' | ')} | ${RATIOS.map((k) => `**${f(r.geomean[t][k].value)}**`).join(' | ')} | | |`);
  }
  const scaled = r.threads.slice(1).filter((t) => r.models.some((m) => m.by_threads[t].scaling));
  if (scaled.length) {
    const machine = typeof r.machine_speedup_before === 'number' ? ` The machine itself (a JavaScript busy loop on 2 workers against 1, best of 3) gave ${f(r.machine_speedup_before)}x before the timings and ${f(r.machine_speedup_after)}x after.` : '';
    lines.push('', `Thread scaling: accelc's 1-thread and N-thread sessions of each model in one process, timed in alternating blocks of 5 runs (${r.scaling_runs ?? r.iters} runs each), each block after an untimed run (p50 and min in ms).${machine}`, '',
      '| model | threads | accelc 1T | accelc | speedup | paired | pairs | machine (SIMD / L3) | of machine | ort-node paired (of machine) | min 1T | min | speedup of mins | block p50s 1T | block p50s | others / steal 1T | others / steal |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const m of r.models) {
      for (const t of scaled) {
        const s = m.by_threads[t].scaling, o = m.by_threads[t].ort_node_scaling;
        const native = o ? `${f(o.paired_speedup)} (${pct(o.of_machine)})${stolen(o) ? ' (steal)' : ''}` : '–';
        if (s) lines.push(`| ${m.model}${stolen(s) ? ' (steal)' : ''} | ${t} | ${f(s.one_thread.p50_ms)} | ${f(s.many_threads.p50_ms)} | **${f(s.speedup)}** | **${f(s.paired_speedup)}** | ${span(s.pair_speedups)} | ${f(s.machine_speedup)} / ${f(s.machine_l3_speedup)} | ${s.inline ? 'n/a (inline)' : pct(s.of_machine)} | ${native} | ${f(s.one_thread.min_ms)} | ${f(s.many_threads.min_ms)} | ${f(s.speedup_of_mins)} | ` +
          `${span(s.one_thread.block_p50s_ms)} | ${span(s.many_threads.block_p50s_ms)} | ${shares(s.one_thread.cpu)} | ${shares(s.many_threads.cpu)} |`);
      }
    }
    const flagged = (key) => r.models.filter((m) => scaled.some((t) => m.by_threads[t][key] && stolen(m.by_threads[t][key]))).map((m) => m.model);
    const ours = flagged('scaling'), theirs = flagged('ort_node_scaling');
    if (ours.length || theirs.length) {
      const which = [ours.length ? `accelc's rows: ${ours.join(', ')}` : '', theirs.length ? `onnxruntime-node's cells: ${theirs.join(', ')}` : ''].filter(Boolean).join('; ');
      lines.push('', `(steal): the hypervisor took ${pct(STEAL_FLAG)} or more of the machine's time during one side's blocks (${which}): other guests ran on this VM's cores, so those figures say more about the host than about the runtime.`);
    }
    lines.push('', 'Speedup: the p50 of all 1-thread runs over the p50 of all N-thread runs. Paired: the median, over adjacent pairs of blocks, of the 1-thread block\'s p50 over the N-thread block\'s; pairs: the range of those ratios. Machine: the medians, over the same rounds, of the machine\'s own speedup on N workers for code that needs no synchronisation, sampled before each block (bench/lib/parallel-control.mjs): SIMD arithmetic in registers, and reads of 2 MB per worker (from L3); of machine: the median over rounds of the paired speedup over that round\'s SIMD figure. Ort-node paired: onnxruntime-node\'s own 1-thread and N-thread sessions (native code, intra-op threads spinning as it comes) timed the same way in its own child, minutes apart, with its own machine samples. A model whose kernels stream activations through L3 is held to somewhere between the two machine figures. Block p50s: the range of the blocks\' own p50s. Others / steal: the share of the machine\'s CPU time that other processes took, and the hypervisor (steal), during that side\'s blocks (/proc/stat less this process; bench/lib/cpu-share.mjs). Another virtual machine on the same physical cores or caches shows in neither, only in the timings.');
  }
  const list = (get, format) => ENGINES.map((e) => format(get(e))).join(' / ');
  lines.push(
    '',
    `At ${t0} thread${t0 > 1 ? 's' : ''}: compile time (accelc, ONNX to .wasm; the first model's includes warming up the compiler), first run after load (accelc / ort-web / tfjs / ort-node), ` +
      `peak RSS of a process that loads one runtime and the model and runs it ${r.rss_runs} times (a bare child process: ${f(r.baseline_rss_mb, 0)} MB), ` +
      'and the largest difference of the first output from onnxruntime-node\'s.',
    '',
    '| model | GFLOP | compile ms | wasm MB | first run ms | peak RSS MB | max\\|diff\\| vs ort-node (accelc / ort-web / tfjs) |',
    '|---|---:|---:|---:|---:|---:|---:|',
  );
  for (const m of r.models) {
    const e = m.by_threads[t0].engines;
    const rss = (k) => (typeof m.rss_mb[k] === 'number' ? m.rss_mb[k] : undefined);
    lines.push(`| ${m.model} | ${typeof m.gflop === 'number' ? +m.gflop.toPrecision(3) : '–'} | ${f(m.compile_ms, 0)} | ${f(m.wasm_mb, 2)} | ${list((k) => e[k]?.first_run_ms, (v) => f(v, 1))} | ` +
      `${list(rss, (v) => f(v, 0))} | ${['accelc', 'ort_web', 'tfjs'].map((k) => sci(e[k]?.max_abs_diff)).join(' / ')} |`);
  }
  const notes = [];
  for (const m of r.models) {
    for (const t of r.threads) {
      for (const k of ENGINES) {
        const s = m.by_threads[t].engines[k];
        if (s?.error) notes.push(`- ${m.model}, ${SHORT[k]}, ${t} thread${t > 1 ? 's' : ''}: ${s.error}`);
        if (s?.na) notes.push(`- ${SHORT[k]}, ${t} threads: ${s.na}`);
        if (s?.inline) notes.push(`- ${m.model}, ${SHORT[k]}, ${t} threads: ran on the calling thread (a model below the session's inlineWork: workers would cost more than the run)`);
      }
    }
    for (const k of ENGINES) if (m.rss_mb[k]?.error) notes.push(`- ${m.model}, ${SHORT[k]}, peak RSS: ${m.rss_mb[k].error}`);
  }
  const unique = [...new Set(notes)];
  if (unique.length) lines.push('', 'Notes and errors:', '', ...unique);
  if (r.skipped.length) lines.push('', `Skipped (no such model in the models folder): ${r.skipped.join(', ')}`);
  return lines.join('\n') + '\n';
}
