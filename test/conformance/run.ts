// `npm run conformance`: the ONNX backend test suite (Debian's libonnx-testdata, ONNX 1.12) through
// accelc. Cases run in child processes (--jobs, default 2), each with a time limit; a case is pass,
// fail, unsupported or crash (outcome.ts). Prints counts per category, the numeric node subset's pass
// rate and the most common unsupported ops, and writes a JSON report.
//
//   node dist/test/conformance/run.js [--jobs N] [--timeout S] [--filter REGEX] [--category a,b]
//       [--report FILE] [--baseline FILE] [--check] [--write-baseline] [--root DIR] [--list-fails]
//
// --check exits 1 when any case crashed or a category passes fewer cases than the baseline records.

import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CATEGORIES, describeModel, listCases, SUITE_ROOT, type CaseInfo, type ModelInfo } from './cases.js';
import type { FromWorker, ToWorker } from './messages.js';
import type { CaseResult, Outcome, Status } from './outcome.js';
import { summarize, printSummary, checkBaseline, type Baseline } from './summary.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, existsSync(join(HERE, '..', '..', 'package.json')) ? '../..' : '../../..');

interface Options {
  jobs: number; timeout: number; filter?: RegExp; categories: string[]; root: string;
  report: string; baseline: string; check: boolean; writeBaseline: boolean; listFails: boolean; recycle: number;
}

function usage(msg: string): never {
  process.stderr.write(`conformance: ${msg}\nusage: node dist/test/conformance/run.js [--jobs N] [--timeout S] [--filter REGEX] [--category a,b] [--report FILE] [--baseline FILE] [--check] [--write-baseline] [--root DIR] [--list-fails] [--layout auto|nchw|nhwc]\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    jobs: 2, timeout: 60, categories: [...CATEGORIES], root: SUITE_ROOT, recycle: 150,
    report: join(REPO, 'conformance', 'report.json'), baseline: join(REPO, 'conformance', 'baseline.json'),
    check: false, writeBaseline: false, listFails: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
    const int = () => { const v = val(); if (!/^\d+$/.test(v) || Number(v) < 1) usage(`${a} needs a positive integer`); return Number(v); };
    switch (a) {
      case '--jobs': o.jobs = int(); break;
      case '--timeout': o.timeout = int(); break;
      case '--filter': o.filter = new RegExp(val()); break;
      case '--category': o.categories = val().split(','); break;
      case '--root': o.root = val(); break;
      case '--report': o.report = resolve(val()); break;
      case '--baseline': o.baseline = resolve(val()); break;
      case '--check': o.check = true; break;
      case '--write-baseline': o.writeBaseline = true; break;
      case '--list-fails': o.listFails = true; break;
      // the convolution layout every case compiles with (the workers read it from the environment)
      case '--layout': { const l = val(); if (!['auto', 'nchw', 'nhwc'].includes(l)) usage(`--layout takes auto, nchw or nhwc, got '${l}'`); process.env.ACCELC_CONFORMANCE_LAYOUT = l; break; }
      default: usage(`unknown argument '${a}'`);
    }
  }
  for (const c of o.categories) if (!(CATEGORIES as readonly string[]).includes(c)) usage(`unknown category '${c}' (${CATEGORIES.join(', ')})`);
  return o;
}

interface Job { id: number; c: CaseInfo; info: ModelInfo }

/** Runs jobs on `n` workers; a worker that hangs is killed and replaced. */
function runPool(jobs: Job[], o: Options, onResult: (j: Job, out: Outcome, ms: number) => void): Promise<void> {
  const queue = [...jobs];
  let running = 0;
  return new Promise((done) => {
    const startWorker = () => {
      const child: ChildProcess = fork(join(HERE, 'worker.js'), [], { execArgv: ['--max-old-space-size=2048'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
      running++;
      let current: Job | undefined, timer: NodeJS.Timeout | undefined, served = 0, t0 = 0, stderr = '';
      child.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-2000); });
      const next = () => {
        if (served >= o.recycle) { child.send({ type: 'exit' } satisfies ToWorker); return; }
        current = queue.shift();
        if (!current) { child.send({ type: 'exit' } satisfies ToWorker); return; }
        served++;
        t0 = performance.now();
        timer = setTimeout(() => {
          const j = current!;
          current = undefined;
          onResult(j, { status: 'crash', kind: 'hang', detail: `no result after ${o.timeout} s (killed)` }, o.timeout * 1000);
          child.kill('SIGKILL');
        }, o.timeout * 1000);
        child.send({ type: 'case', id: current.id, c: current.c, info: current.info } satisfies ToWorker);
      };
      child.on('message', (m: FromWorker) => {
        if (m.type === 'ready') return next();
        if (!current || m.id !== current.id) return;
        clearTimeout(timer);
        const j = current;
        current = undefined;
        onResult(j, m.outcome, m.ms);
        next();
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        running--;
        if (current) {
          const last = stderr.trim().split('\n').slice(-3).join(' | ');
          onResult(current, { status: 'crash', kind: 'worker died', detail: `worker exited (${signal ?? `code ${code}`}) ${last}`.slice(0, 500) }, Math.round(performance.now() - t0));
          current = undefined;
        }
        if (queue.length) startWorker();
        else if (running === 0) done();
      });
    };
    const n = Math.min(o.jobs, Math.max(1, jobs.length));
    if (!jobs.length) return done();
    for (let i = 0; i < n; i++) startWorker();
  });
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (!existsSync(o.root)) {
    process.stderr.write(`conformance: the suite is not installed at ${o.root} (apt-get install libonnx-testdata)\n`);
    process.exit(1);
  }
  const cases = listCases(o.root, o.categories).filter((c) => !o.filter || o.filter.test(`${c.category}/${c.name}`));
  const jobs: Job[] = [];
  const results: CaseResult[] = [];
  for (const [id, c] of cases.entries()) {
    let info: ModelInfo;
    try {
      info = describeModel(join(c.dir, 'model.onnx'));
    } catch (e) {
      results.push({ category: c.category, name: c.name, ops: [], numeric: false, ms: 0, status: 'fail', kind: 'harness', detail: `model.onnx unreadable: ${(e as Error).message}` });
      continue;
    }
    jobs.push({ id, c, info });
  }
  const t0 = performance.now();
  let done = 0;
  const tick = (s: Status) => {
    done++;
    if (process.stderr.isTTY) process.stderr.write(`\r${done}/${jobs.length} ${s.padEnd(12)}`);
  };
  await runPool(jobs, o, (j, out, ms) => {
    results.push({ category: j.c.category, name: j.c.name, ops: j.info.ops, numeric: j.info.numeric, ms, ...out });
    tick(out.status);
  });
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  results.sort((a, b) => a.category.localeCompare(b.category) || a.name.localeCompare(b.name));
  const summary = summarize(results, o.categories);
  printSummary(summary, results, { listFails: o.listFails, seconds: (performance.now() - t0) / 1000 });
  mkdirSync(dirname(o.report), { recursive: true });
  writeFileSync(o.report, JSON.stringify({ suite: o.root, summary, cases: results }, null, 1) + '\n');
  console.log(`report: ${o.report}`);
  if (o.writeBaseline) {
    const baseline: Baseline = { suite: 'libonnx-testdata 1.12 (ONNX 1.12 backend tests)', pass: Object.fromEntries(Object.entries(summary.categories).map(([k, v]) => [k, v.pass])) };
    writeFileSync(o.baseline, JSON.stringify(baseline, null, 2) + '\n');
    console.log(`baseline: ${o.baseline}`);
  }
  if (o.check) {
    const baseline = existsSync(o.baseline) ? (JSON.parse(readFileSync(o.baseline, 'utf8')) as Baseline) : undefined;
    const problems = checkBaseline(summary, baseline, o.categories);
    for (const p of problems) console.log(`CHECK FAILED: ${p}`);
    if (problems.length) process.exit(1);
    console.log('check: no crash, every category at or above the baseline');
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`conformance: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(70);
});
