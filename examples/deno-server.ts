// @ts-nocheck: run by Deno, outside the project's tsconfig (Deno does not type-check on run)
// The same HTTP classification service on Deno (see classify.mjs for the endpoints). Loopback only.
//   npm run build && node dist/compiler/cli/main.js test/models/squeezenet1_1.onnx -o squeezenet.wasm
//   node_modules/deno/deno run --allow-read --allow-net=127.0.0.1 examples/deno-server.ts squeezenet.wasm --port 8080
// (Unlike the Node server it does not cancel the run of a client that disconnects: Deno 2.9's
// request.signal also fires after every successful response, and warns when it is read.)

import { openClassifier, parseFlags } from './classify.mjs';

const HOST = '127.0.0.1';
let opts, classifier;
try {
  opts = parseFlags(Deno.args, { port: 8080, threads: 0, sessions: 1, worker: 0, maxQueue: 64, timeoutMs: 0, top: 5, inlineWork: -1 });
  classifier = await openClassifier(opts, () => Deno.memoryUsage().rss);
} catch (e) {
  console.error(`deno-server: ${e.message ?? e}`);   // one line, no stack trace
  Deno.exit(1);
}

const server = Deno.serve({
  hostname: HOST,
  port: opts.port,
  onListen: ({ port }) => console.log(`listening on http://${HOST}:${port} (${classifier.banner})`),
}, async (req: Request) => {
  const path = new URL(req.url).pathname;
  // Only POST /classify reads its body; every other route answers without reading one.
  const body = classifier.readsBody(req.method, path) ? await readBody(req, classifier.maxBody) : new Uint8Array(0);
  const { status, json } = body ? await classifier.handle(req.method, path, body, req.headers.get('content-type')) : classifier.tooLarge();
  return Response.json(json, { status });
});

/**
 * The request's body, or undefined as soon as it passes `max` bytes. The rest is not read: the
 * reader lets go of the stream without cancelling it, so the client's upload stalls on TCP's flow
 * control instead of being read and dropped at full speed (which cancelling did: 13 GB in 5 s of an
 * endless upload, in a review's probe). Deno closes the connection after the answer only when the
 * client gives up.
 */
async function readBody(req: Request, max: number): Promise<Uint8Array | undefined> {
  const parts: Uint8Array[] = [];
  let bytes = 0;
  const reader = req.body?.getReader();
  while (reader) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.length;
    if (bytes > max) {
      reader.releaseLock();
      return undefined;
    }
    parts.push(value);
  }
  const body = new Uint8Array(bytes);
  let at = 0;
  for (const p of parts) { body.set(p, at); at += p.length; }
  return body;
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  Deno.addSignalListener(signal, async () => {
    await server.shutdown();
    await classifier.close();
    Deno.exit(0);
  });
}
