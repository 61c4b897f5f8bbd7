// Timing statistics for bench: percentiles (linear interpolation, as numpy's default) and a summary.

export interface TimingSummary {
  p50_ms: number;
  p90_ms: number;
  mean_ms: number;
  min_ms: number;
  max_ms: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const at = (sorted.length - 1) * (p / 100);
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

export function summarize(times: readonly number[]): TimingSummary {
  const sorted = [...times].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length);
  return {
    p50_ms: round(percentile(sorted, 50)),
    p90_ms: round(percentile(sorted, 90)),
    mean_ms: round(mean),
    min_ms: round(sorted[0] ?? NaN),
    max_ms: round(sorted[sorted.length - 1] ?? NaN),
  };
}

/** Milliseconds to 3 decimals (microseconds): what a benchmark report needs, no more. */
export function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
