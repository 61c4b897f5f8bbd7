// Fuzzing the whole path (decode, import, inference, lowering, codegen, load, run) with mutated
// copies of the test models: bit flips, truncations, field and value swaps, deleted and duplicated
// fields, extreme varints, length lies (mutate.ts). Every variant must end in a clean AccelcError
// (one line, no stack) or a successful run; a variant that takes over HANG_MS counts as a hang.
// Variants that run are compared with onnxruntime-node when it accepts them (digits_cnn only).
//
// ACCELC_FUZZ_COUNT variants (default 300; `npm run fuzz` runs 2000), seed ACCELC_FUZZ_SEED (1).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import ort from 'onnxruntime-node';
import { compile } from '../../compiler/compile.js';
import { isAccelcError } from '../../compiler/errors.js';
import { randomFeeds } from '../../compiler/cli/feeds.js';
import { InferenceSession } from '../../runtime/session.js';
import type { Tensor } from '../../runtime/tensor.js';
import { hasModel, modelPath } from '../helpers/models.js';
import { mutate, Rng } from './mutate.js';

const COUNT = Number(process.env.ACCELC_FUZZ_COUNT ?? 300);
const SEED = Number(process.env.ACCELC_FUZZ_SEED ?? 1);
const HANG_MS = 30_000;
/** Modules needing more memory than this compile but are not run (time, not safety). */
const MAX_RUN_PAGES = 4096;
/** Which models the variants come from, and how often. */
const SOURCES: Array<[string, number]> = [['digits_cnn', 0.85], ['squeezenet1_1', 0.05], ['bert_mini', 0.05], ['vit_tiny', 0.05]];

type Outcome = 'error' | 'ran' | 'compiled' | 'crash' | 'hang';

interface Tally { outcomes: Record<Outcome, number>; codes: Record<string, number>; mutations: Record<string, number>; agree: number; disagree: number; ortRefused: number; problems: string[] }

async function runOrt(bytes: Uint8Array, feeds: Record<string, Tensor>): Promise<Record<string, Tensor> | undefined> {
  try {
    const s = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], intraOpNumThreads: 1, logSeverityLevel: 3 });
    const out = await s.run(Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, new ort.Tensor(t.type, t.data, t.dims)])));
    await s.release();
    return out as unknown as Record<string, Tensor>;
  } catch {
    return undefined;
  }
}

function agrees(a: Tensor, b: Tensor): boolean {
  if (a.dims.join() !== b.dims.join()) return false;
  const x = a.data as Float32Array, y = b.data as Float32Array;
  for (let i = 0; i < x.length; i++) {
    const p = Number(x[i]), q = Number(y[i]);
    if (Number.isNaN(q) ? !Number.isNaN(p) : Math.abs(p - q) > 1e-3 * Math.max(1, Math.abs(q))) return false;
  }
  return true;
}

async function fuzz(count: number, seed: number): Promise<Tally> {
  const rng = new Rng(seed);
  const sources = SOURCES.filter(([m]) => hasModel(m)).map(([m, w]) => ({ name: m, w, bytes: new Uint8Array(readFileSync(modelPath(m))) }));
  const total = sources.reduce((a, s) => a + s.w, 0);
  const t: Tally = { outcomes: { error: 0, ran: 0, compiled: 0, crash: 0, hang: 0 }, codes: {}, mutations: {}, agree: 0, disagree: 0, ortRefused: 0, problems: [] };
  for (let i = 0; i < count; i++) {
    let r = rng.next() * total;
    const src = sources.find((s) => (r -= s.w) < 0) ?? sources[0];
    const { name, bytes } = mutate(src.bytes, rng);
    t.mutations[name] = (t.mutations[name] ?? 0) + 1;
    const label = `#${i} ${src.name} ${name}`;
    const t0 = performance.now();
    let outcome: Outcome;
    try {
      const { wasm, meta } = await compile(bytes, { modelName: src.name, maxThreads: 1 });
      outcome = 'compiled';
      if (meta.memory.pages <= MAX_RUN_PAGES) {
        const session = await InferenceSession.create(wasm, { threads: 1 });
        const feeds = randomFeeds(meta.inputs, i);
        try {
          const ours = await session.run(feeds);
          outcome = 'ran';
          if (src.name === 'digits_cnn') {
            const theirs = await runOrt(bytes, feeds);
            if (!theirs) t.ortRefused++;
            else if (Object.keys(ours).every((k) => theirs[k] && agrees(ours[k], theirs[k]))) t.agree++;
            else { t.disagree++; t.problems.push(`${label}: differs from onnxruntime`); }
          }
        } finally {
          await session.release();
        }
      }
    } catch (e) {
      if (isAccelcError(e) && !e.message.includes('\n')) {
        outcome = 'error';
        t.codes[e.code] = (t.codes[e.code] ?? 0) + 1;
      } else {
        outcome = 'crash';
        t.problems.push(`${label}: ${(e as Error)?.stack?.split('\n').slice(0, 3).join(' | ') ?? String(e)}`);
      }
    }
    if (performance.now() - t0 > HANG_MS) {
      outcome = 'hang';
      t.problems.push(`${label}: took ${Math.round(performance.now() - t0)} ms`);
    }
    t.outcomes[outcome]++;
  }
  return t;
}

describe('fuzz: mutated models give clean errors or correct runs', () => {
  it(`${COUNT} variants (seed ${SEED})`, async () => {
    let uncaught = 0;
    const count = () => { uncaught++; };
    process.on('unhandledRejection', count);
    process.on('uncaughtException', count);
    let t: Tally;
    try {
      t = await fuzz(COUNT, SEED);
    } finally {
      process.off('unhandledRejection', count);
      process.off('uncaughtException', count);
    }
    const summary = {
      variants: COUNT, seed: SEED,
      crashes: t.outcomes.crash, hangs: t.outcomes.hang, uncaught,
      cleanErrors: t.outcomes.error, ran: t.outcomes.ran, compiledNotRun: t.outcomes.compiled,
      errorCodes: t.codes, mutations: t.mutations,
      versusOnnxruntime: { agree: t.agree, disagree: t.disagree, ortRefused: t.ortRefused },
    };
    console.log(`fuzz summary ${JSON.stringify(summary)}`);
    for (const p of t.problems.slice(0, 20)) console.log(`fuzz problem ${p}`);
    expect(t.problems).toEqual([]);
    expect(t.outcomes.crash + t.outcomes.hang + uncaught).toBe(0);
  }, 3_600_000);
});
