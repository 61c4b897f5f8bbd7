// Counting results: per category, the numeric node subset (the coverage target), unsupported ops by
// case count, and the check against the committed baseline.

import type { CaseResult, Status } from './outcome.js';

export { summarize, printSummary, checkBaseline };
export type { Summary, Baseline, Counts };

type Counts = Record<Status, number> & { total: number };

interface Summary {
  categories: Record<string, Counts>;
  /** Node cases whose I/O are numeric tensors and ops in the default domain (the suite is opset <= 17). */
  numericNode: Counts & { passRate: number };
  /** Unsupported cases by what is missing, most common first. */
  unsupported: Array<[string, number]>;
  /** Failing cases by kind ('mismatch' or an error code). */
  failKinds: Record<string, number>;
  crashes: string[];
}

interface Baseline { suite: string; pass: Record<string, number> }

const zero = (): Counts => ({ total: 0, pass: 0, fail: 0, unsupported: 0, crash: 0 });

function summarize(results: CaseResult[], categories: readonly string[]): Summary {
  const cats: Record<string, Counts> = Object.fromEntries(categories.map((c) => [c, zero()]));
  const numeric = zero();
  const missing = new Map<string, number>();
  const failKinds: Record<string, number> = {};
  for (const r of results) {
    const c = (cats[r.category] ??= zero());
    c.total++; c[r.status]++;
    if (r.category === 'node' && r.numeric) { numeric.total++; numeric[r.status]++; }
    if (r.status === 'unsupported') for (const m of r.missing ?? ['(other)']) missing.set(m, (missing.get(m) ?? 0) + 1);
    if (r.status === 'fail') failKinds[r.kind ?? '?'] = (failKinds[r.kind ?? '?'] ?? 0) + 1;
  }
  return {
    categories: cats,
    numericNode: { ...numeric, passRate: numeric.total ? numeric.pass / numeric.total : 0 },
    unsupported: [...missing].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])),
    failKinds,
    crashes: results.filter((r) => r.status === 'crash').map((r) => `${r.category}/${r.name}: ${r.detail ?? ''}`),
  };
}

function printSummary(s: Summary, results: CaseResult[], opts: { listFails: boolean; seconds: number }): void {
  const row = (name: string, c: Counts) =>
    `${name.padEnd(20)} ${String(c.total).padStart(5)} ${String(c.pass).padStart(5)} ${String(c.fail).padStart(5)} ${String(c.unsupported).padStart(11)} ${String(c.crash).padStart(5)}`;
  console.log(`${'category'.padEnd(20)} ${'total'.padStart(5)} ${'pass'.padStart(5)} ${'fail'.padStart(5)} ${'unsupported'.padStart(11)} ${'crash'.padStart(5)}`);
  const all = Object.values(s.categories).reduce((a, c) => {
    for (const k of Object.keys(a) as Array<keyof Counts>) a[k] += c[k];
    return a;
  }, zero());
  for (const [name, c] of Object.entries(s.categories)) console.log(row(name, c));
  console.log(row('all', all));
  const n = s.numericNode;
  console.log(`numeric node cases (numeric tensor I/O, default domain, opset <= 17): ${n.pass}/${n.total} pass (${(100 * n.passRate).toFixed(1)}%)`);
  console.log(`unsupported, by what is missing (cases): ${s.unsupported.slice(0, 40).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
  console.log(`fail kinds: ${Object.entries(s.failKinds).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
  for (const c of s.crashes) console.log(`CRASH ${c}`);
  if (opts.listFails) {
    for (const r of results.filter((x) => x.status === 'fail')) console.log(`FAIL ${r.category}/${r.name} [${r.kind}] ${r.detail ?? ''}`);
  }
  console.log(`${results.length} cases in ${opts.seconds.toFixed(0)} s`);
}

function checkBaseline(s: Summary, baseline: Baseline | undefined, categories: readonly string[]): string[] {
  const problems = s.crashes.map((c) => `crash: ${c}`);
  if (!baseline) return [...problems, 'no baseline file'];
  for (const c of categories) {
    const want = baseline.pass[c] ?? 0, got = s.categories[c]?.pass ?? 0;
    if (got < want) problems.push(`${c}: ${got} pass, the baseline records ${want}`);
  }
  return problems;
}
