// An HTTP classification service on Node (see classify.mjs for the endpoints). Loopback only.
//   npm run build && node dist/compiler/cli/main.js test/models/squeezenet1_1.onnx -o squeezenet.wasm
//   node examples/node-server.mjs squeezenet.wasm --port 8080 --threads 2
//   node examples/node-server.mjs squeezenet.wasm --worker 1 --sessions 2   (throughput)
//   curl -s --data-binary @input.f32 -H 'content-type: application/octet-stream' http://127.0.0.1:8080/classify
// --port 0 picks a free port; the line "listening on http://127.0.0.1:PORT" says which.
// A client that disconnects cancels its run (AbortSignal). SIGTERM/SIGINT: stop, release, exit.

import { createServer } from 'node:http';
import { openClassifier, parseFlags } from './classify.mjs';

const HOST = '127.0.0.1';
/** How long a connection whose body was refused stays open, its data discarded, so the client reads the 413. */
const LINGER_MS = 1000;
let opts, classifier;
try {
  opts = parseFlags(process.argv.slice(2), { port: 8080, threads: 0, sessions: 1, worker: 0, maxQueue: 64, timeoutMs: 0, top: 5, inlineWork: -1 });
  classifier = await openClassifier(opts, () => process.memoryUsage().rss);
} catch (e) {
  console.error(`node-server: ${e.message ?? e}`);   // one line, no stack trace
  process.exit(1);
}

const reply = (res, status, json) => {
  const body = JSON.stringify(json);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  return new Promise((resolve) => res.end(body, resolve));
};

const server = createServer(async (req, res) => {
  const path = new URL(req.url ?? '/', `http://${HOST}`).pathname;
  // Only POST /classify reads its body; every other route answers at once (node discards a body).
  if (!classifier.readsBody(req.method, path)) {
    const { status, json } = await classifier.handle(req.method, path, new Uint8Array(0), req.headers['content-type']);
    return void reply(res, status, json);
  }
  const chunks = [];
  let bytes = 0, refused = false;
  req.on('data', (c) => {
    if (refused) return;
    bytes += c.length;
    if (bytes <= classifier.maxBody) return void chunks.push(c);
    // Past the most any input takes: answer now, keep nothing more (node discards the rest), and
    // close the connection a second later if the body is still coming (a client could send
    // gigabytes). Closing at once would reset the connection before a client still sending had
    // read the answer (nginx's lingering close, in small); a body that ended keeps its connection.
    // Meanwhile node reads and drops what comes: a probe's local client pushed 1.4 GB in that second
    // (the server used ~1 s of CPU), held to the second, with no memory kept.
    refused = true;
    chunks.length = 0;
    const { status, json } = classifier.tooLarge();
    void reply(res, status, json).then(() => setTimeout(() => { if (!req.complete) req.destroy(); }, LINGER_MS).unref());
  });
  req.on('end', async () => {
    if (refused) return;
    const cancel = new AbortController();
    res.on('close', () => { if (!res.writableFinished) cancel.abort(new Error('the client went away')); });
    const { status, json } = await classifier.handle(req.method, path, Buffer.concat(chunks), req.headers['content-type'], cancel.signal);
    await reply(res, status, json);
  });
});
server.keepAliveTimeout = 30_000;

server.listen(opts.port, HOST, () => {
  const { port } = server.address();
  console.log(`listening on http://${HOST}:${port} (${classifier.banner})`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections();
    void classifier.close().then(() => process.exit(0));
  });
}
