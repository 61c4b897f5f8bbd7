// Tuning records, one JSON object a line: the log `accelc tune` appends to and `--tuning-log`
// replays (the choice they lead to: choose.ts).

import { fail } from '../errors.js';
import { GEMM_SITES, MAX_MR, MAX_NR, validTile } from '../lower/gemm-workload.js';

export { parseTuningLog, checkRecords, formatRecord };
export type { TuningRecord, Simd };

type Simd = 'plain' | 'relaxed';

interface TuningRecord {
  v: 1;
  /** workloadKey() of the GEMM. */
  workload: string;
  /** The tile as the GEMM ran it (clipped to its sizes): [rows, 4-lane column vectors]. */
  tile: [number, number];
  simd: Simd;
  /** Median ms of the kernel holding the GEMM, one thread. */
  ms: number;
  /** Median, over interleaved pairs of calls, of this tile's time over the default tile's. */
  ratio: number;
  model: string;
  node: string;
  /** When it was measured (ISO 8601). */
  at: string;
}

/** The records of a log's text; a line that is not one is an E_FILE naming `source` and the line. */
function parseTuningLog(text: string, source: string): TuningRecord[] {
  const records: TuningRecord[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const where = `${source}:${i + 1}`;
    let r: unknown;
    try {
      r = JSON.parse(line);
    } catch (e) {
      fail('E_FILE', `${where}: not a JSON line (${(e as Error).message})`);
    }
    const why = recordProblem(r);
    if (why) fail('E_FILE', `${where}: not a tuning record: ${why}`);
    records.push(r as TuningRecord);
  });
  return records;
}

/** Records given through the API (CompileOptions.tuning): E_USAGE naming the first that is not one. */
function checkRecords(records: readonly unknown[]): TuningRecord[] {
  if (!Array.isArray(records)) fail('E_USAGE', 'tuning must be an array of tuning records');
  records.forEach((r, i) => {
    const why = recordProblem(r);
    if (why) fail('E_USAGE', `tuning[${i}] is not a tuning record: ${why}`);
  });
  return records as TuningRecord[];
}

function recordProblem(r: unknown): string | undefined {
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return 'expected an object';
  const o = r as Record<string, unknown>;
  if (o.v !== 1) return `unknown version ${JSON.stringify(o.v)} (this accelc reads version 1)`;
  for (const k of ['workload', 'model', 'node', 'at']) if (typeof o[k] !== 'string') return `'${k}' must be a string`;
  const site = /^(\S+) \d+x\d+x\d+x\d+$/.exec(o.workload as string)?.[1];
  if (!site || !(GEMM_SITES as readonly string[]).includes(site)) return `'workload' must be a GEMM site (${GEMM_SITES.join(', ')}) and its sizes BxMxNxK, got ${JSON.stringify(o.workload)}`;
  if (o.simd !== 'plain' && o.simd !== 'relaxed') return `'simd' must be "plain" or "relaxed"`;
  const t = o.tile;
  if (!Array.isArray(t) || t.length !== 2 || !validTile(t[0], t[1])) {
    return `'tile' must be [rows 1..${MAX_MR}, vectors 1..${MAX_NR}]`;
  }
  for (const k of ['ms', 'ratio']) if (typeof o[k] !== 'number' || !Number.isFinite(o[k]) || (o[k] as number) <= 0) return `'${k}' must be a positive number`;
  return undefined;
}

function formatRecord(r: TuningRecord): string {
  return JSON.stringify(r);
}
