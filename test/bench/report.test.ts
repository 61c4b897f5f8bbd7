// The benchmark report's thread-scaling figures (bench/lib/report.mjs, markdown.mjs): the pooled
// p50 speedup, the median over adjacent block pairs, the share of the machine's own speedup in the
// same rounds, and their rows in the markdown table.

import { describe, expect, it } from 'vitest';
import { buildReport } from '../../bench/lib/report.mjs';
import { reportMarkdown } from '../../bench/lib/markdown.mjs';

const side = (p50: number, blocks: number[]) => ({ p50_ms: p50, min_ms: Math.min(...blocks), block_p50s_ms: blocks });
const engines = (p50: number) => ({ accelc: { p50_ms: p50, flops: 1e9, simd: 'plain' }, ort_web: { p50_ms: 2 * p50 }, tfjs: { error: 'x' }, ort_node: { p50_ms: p50 / 2 } });

/** Rounds' machine samples: the SIMD figures given, L3 reads 0.5 below each. */
const machine = (simd: number[]) => simd.map((v) => ({ simd: v, l3: v - 0.5 }));

const cpu = (steal?: number) => (steal === undefined ? {} : { cpu: { others: 0.01, steal } });

interface Native { one: number[]; many: number[]; rounds: { simd: number; l3: number }[] }

function report(one: number[], many: number[], rounds?: { simd: number; l3: number }[], inline = false, native?: Native, steal?: [number, number]) {
  const header = { date: 'd', node: 'v20', cpu: 'c', cores: 2, load_avg: [0, 0, 0], threads: [1, 2], iters: 20, scaling_runs: 5 * one.length, warmup: 3, peak: undefined, rss_runs: 3, skipped: [] };
  const timings = {
    1: { results: { m: { engines: engines(20) } } },
    2: { results: { m: { engines: { ...engines(11), accelc: { ...engines(11).accelc, ...(inline ? { inline } : {}) } }, accelc_scaling: { threads: 2, one_thread: { ...side(20, one), ...cpu(steal?.[0]) }, many_threads: { ...side(11, many), ...cpu(steal?.[1]) }, machine_round_speedups: rounds },
      ...(native ? { ort_node_scaling: { threads: 2, one_thread: side(10, native.one), many_threads: side(7, native.many), machine_round_speedups: native.rounds } } : {}) } } },
  };
  return buildReport(header, ['m'], timings, {});
}

describe('bench report: thread scaling', () => {
  it('takes the median of the adjacent block pairs, apart from the pooled p50s', () => {
    // A slow stretch on three pairs: both sides slower together; the pairs still say 2x.
    const r = report([20, 20, 36, 36, 36, 20, 20], [10, 10, 18, 18, 18, 10, 10]);
    const s = r.models[0].by_threads[2].scaling;
    expect(s.speedup).toBeCloseTo(20 / 11, 2);
    expect(s.paired_speedup).toBe(2);
    expect(s.pair_speedups).toEqual([2, 2, 2, 2, 2, 2, 2]);
    expect(s.speedup_of_mins).toBe(2);
  });

  it('averages the middle two of an even number of pairs, and ignores an unpaired last block', () => {
    const r = report([18, 20, 30, 40, 99], [10, 10, 10, 10]);
    const s = r.models[0].by_threads[2].scaling;
    expect(s.pair_speedups).toEqual([1.8, 2, 3, 4]);
    expect(s.paired_speedup).toBe(2.5);
  });

  it('sets each round\'s pair against the machine\'s speedup in that round, not against the pooled machine figure', () => {
    // Rounds where the machine gave one core (1.0) and the code 1.0x; rounds where it gave 2 and the code 1.9x.
    const r = report([10, 19, 10, 19, 19], [10, 10, 10, 10, 10], machine([1, 2, 1, 2, 2]));
    const s = r.models[0].by_threads[2].scaling;
    expect(s.machine_speedup).toBe(2);
    expect(s.machine_speedups).toEqual([1, 1, 2, 2, 2]);
    expect(s.machine_l3_speedup).toBe(1.5);
    expect(s.of_machine).toBe(0.95);   // shares 1, 0.95, 1, 0.95, 0.95: median 0.95 (pooled 1.9 / 2 would agree only by chance)
    // Round by round: shares 1.9 / 2, 1 / 1, 1.9 / 1.5 = 0.95, 1, 1.27: median 1. Pairing the sorted
    // ratios with the rounds, or pooling (1.9 / 1.5), would say 1.27.
    const byRound = report([19, 10, 19], [10, 10, 10], machine([2, 1, 1.5])).models[0].by_threads[2].scaling;
    expect(byRound.of_machine).toBe(1);
    expect(report([10, 19], [10, 10]).models[0].by_threads[2].scaling.of_machine).toBeUndefined();
  });

  it('prints the figures, the pairs\' range and the machine\'s in the markdown table', () => {
    const md: string = reportMarkdown(report([18, 20, 30], [10, 10, 10], machine([1.9, 2, 1.5])));
    const row = md.split('\n').filter((l) => l.startsWith('| m | 2 |')).at(-1);
    expect(row).toBeDefined();
    expect(row).toContain('| **1.82** | **2.00** | 1.80-3.00 | 1.90 / 1.40 | 100% |');
    expect(md).toContain('(15 runs each)');
  });

  it('gives no share of the machine for an N-thread session that ran inline (one thread against one)', () => {
    const r = report([10, 10, 10], [9, 10, 11], machine([1.9, 2, 1.5]), true);
    const s = r.models[0].by_threads[2].scaling;
    expect(s.paired_speedup).toBe(1);
    expect(s.of_machine).toBeUndefined();
    expect(s.machine_speedup).toBe(1.9);   // the machine was measured all the same
    const row = reportMarkdown(r).split('\n').filter((l: string) => l.startsWith('| m | 2 |')).at(-1);
    expect(row).toContain('| 1.90 / 1.40 | n/a (inline) |');
  });

  it('gives onnxruntime-node\'s own paired scaling and share of the machine beside accelc\'s, from its own rounds', () => {
    const native = { one: [10, 12, 30], many: [8, 6, 30], rounds: machine([1.25, 1.5, 2]) };
    const r = report([18, 20, 30], [10, 10, 10], machine([1.9, 2, 1.5]), false, native);
    const o = r.models[0].by_threads[2].ort_node_scaling;
    expect(o.pair_speedups).toEqual([1, 1.25, 2]);
    expect(o.paired_speedup).toBe(1.25);
    expect(o.of_machine).toBe(1);   // its own rounds: 1.25 / 1.25, 2 / 1.5, 1 / 2 -> 1, 1.33, 0.5; accelc's rounds would give 0.67
    expect(r.models[0].by_threads[2].scaling.paired_speedup).toBe(2);   // accelc's figures unchanged
    const row = reportMarkdown(r).split('\n').filter((l: string) => l.startsWith('| m | 2 |')).at(-1);
    expect(row).toContain('| 100% | 1.25 (100%) |');
    const without = reportMarkdown(report([18, 20, 30], [10, 10, 10], machine([1.9, 2, 1.5]))).split('\n').filter((l: string) => l.startsWith('| m | 2 |')).at(-1);
    expect(without).toContain('| 100% | – |');
  });

  it('flags a row when the hypervisor stole 10% or more during either side\'s blocks', () => {
    const rowOf = (md: string) => md.split('\n').filter((l) => /^\| m( \(steal\))? \| 2 \|/.test(l)).at(-1);
    const quiet = reportMarkdown(report([18, 20, 30], [10, 10, 10], machine([1.9, 2, 1.5]), false, undefined, [0.02, 0.09]));
    expect(rowOf(quiet)).toMatch(/^\| m \| 2 \|.*\| 1% \/ 2% \| 1% \/ 9% \|$/);
    expect(quiet).not.toContain('(steal): ');
    const busy = reportMarkdown(report([18, 20, 30], [10, 10, 10], machine([1.9, 2, 1.5]), false, undefined, [0.02, 0.31]));
    expect(rowOf(busy)).toMatch(/^\| m \(steal\) \| 2 \|.*\| 1% \/ 31% \|$/);
    expect(busy).toContain('(steal): the hypervisor took 10% or more of the machine\'s time during one side\'s blocks (accelc\'s rows: m)');
    const rounded = reportMarkdown(report([18, 20, 30], [10, 10, 10], machine([1.9, 2, 1.5]), false, undefined, [0.02, 0.096]));
    expect(rowOf(rounded)).toMatch(/^\| m \(steal\) \| 2 \|.*\| 1% \/ 10% \|$/);   // flagged as printed
  });

  it("flags onnxruntime-node's paired cell by its own blocks' steal, not accelc's row", () => {
    const native = { one: [10, 12, 30], many: [8, 6, 30], rounds: machine([1.25, 1.5, 2]) };
    const r = report([18, 20, 30], [10, 10, 10], machine([1.9, 2, 1.5]), false, native);
    r.models[0].by_threads[2].ort_node_scaling.many_threads.cpu = { others: 0, steal: 0.32 };
    const md = reportMarkdown(r);
    const row = md.split('\n').filter((l: string) => l.startsWith('| m | 2 |')).at(-1);
    expect(row).toContain('| 1.25 (100%) (steal) |');
    expect(md).toContain("(onnxruntime-node's cells: m)");
  });
});
