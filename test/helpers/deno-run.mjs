// Runs a compiled model once under whatever engine runs this script (Deno in the tests, or Node)
// and prints its outputs as JSON, the bytes base64-encoded so callers can compare bit for bit:
//   deno run --allow-read test/helpers/deno-run.mjs model.wasm inputs.npz THREADS [worker]
// ('worker': the session's option worker: true, for THREADS 1). Imports the package's entry from
// dist/ (build first), as a service would.
import { InferenceSession, readNpz } from '../../dist/index.js';

const args = globalThis.Deno ? Deno.args : process.argv.slice(2);
const [model, inputs, threads, worker] = args;
const session = await InferenceSession.create(model, { threads: Number(threads ?? 2), inlineWork: 0, worker: worker === 'worker' });
const feeds = await readNpz(inputs);
const outputs = await session.run(feeds);
const result = { engine: globalThis.Deno ? `deno ${Deno.version.deno}` : `node ${process.version}`, threads: session.threads, workerStarts: session.workerStarts, outputs: {} };
for (const [name, t] of Object.entries(outputs)) {
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  result.outputs[name] = { type: t.type, dims: t.dims, base64: btoa(bin) };
}
await session.release();
console.log(JSON.stringify(result));
