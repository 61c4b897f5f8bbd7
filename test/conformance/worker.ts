// A conformance worker: a child process that runs the cases the runner sends, one at a time.
// An exception escaping a case is reported as a crash; the runner kills the worker on a hang.

import type { FromWorker, ToWorker } from './messages.js';
import { classifyError } from './outcome.js';
import { runCase } from './run-case.js';

const send = (m: FromWorker) => process.send!(m);

process.on('message', (m: ToWorker) => {
  if (m.type === 'exit') process.exit(0);
  const t0 = performance.now();
  runCase(m.c, m.info)
    .catch((e: unknown) => {
      const o = classifyError(e, m.info.ops);
      return o.status === 'crash' ? o : { ...o, status: 'crash' as const, detail: `escaped the case: ${o.detail}` };
    })
    .then((outcome) => send({ type: 'result', id: m.id, outcome, ms: Math.round(performance.now() - t0) }));
});

process.on('uncaughtException', (e) => {
  process.stderr.write(`conformance worker: uncaught ${e.stack ?? e}\n`);
  process.exit(70);
});
process.on('unhandledRejection', (e) => {
  process.stderr.write(`conformance worker: unhandled rejection ${String((e as Error)?.stack ?? e)}\n`);
  process.exit(70);
});

send({ type: 'ready' });
