// The child processes of the benchmark: the parent forks a bench/lib script with one JSON config
// argument and collects the messages it sends back over IPC. A child is one thread count's timing
// run (onnxruntime-web fixes its thread count at its first session) or one engine's memory probe
// (maxRSS is per process).
import { fork } from 'node:child_process';

export { runChild, childMain };

/**
 * Runs script on config, its stdout and stderr going to this process's stderr (stdout stays free
 * for --json). Resolves to { messages, error }, error set when the child failed or timed out.
 */
function runChild(script, config, { timeoutMs } = {}) {
  return new Promise((resolve) => {
    const child = fork(script, [JSON.stringify(config)], { execArgv: process.execArgv, stdio: ['ignore', 2, 2, 'ipc'] });
    const messages = [];
    let failure;
    const timer = timeoutMs ? setTimeout(() => { failure = `timed out after ${timeoutMs / 1000} s`; child.kill('SIGKILL'); }, timeoutMs) : undefined;
    child.on('message', (m) => {
      if (m?.type === 'error') failure = m.error;
      else messages.push(m);
    });
    child.on('error', (e) => { failure ??= e.message; });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) failure ??= `the child process exited with ${signal ?? `code ${code}`}`;
      resolve({ messages, error: failure });
    });
  });
}

/**
 * The child's side: runs main(config, send) and exits (engines' worker threads would keep the
 * process alive); an exception is sent to the parent as { type: 'error' } and exits 1.
 */
async function childMain(main) {
  const send = (message) => new Promise((resolve) => process.send(message, resolve));
  try {
    await main(JSON.parse(process.argv[2]), send);
    process.exit(0);
  } catch (e) {
    await send({ type: 'error', error: String(e?.message ?? e).split('\n')[0] });
    process.exit(1);
  }
}
