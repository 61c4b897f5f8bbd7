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
let opts, classifier;
try {
  opts = parseFlags(process.argv.slice(2), { port: 8080, threads: 0, sessions: 1, worker: 0, maxQueue: 64, timeoutMs: 0, top: 5, inlineWork: -1 });
  classifier = await openClassifier(opts, () => process.memoryUsage().rss);
} catch (e) {
  console.error(`node-server: ${e.message ?? e}`);   // one line, no stack trace
  process.exit(1);
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const cancel = new AbortController();
    res.on('close', () => { if (!res.writableFinished) cancel.abort(new Error('the client went away')); });
    const path = new URL(req.url ?? '/', `http://${HOST}`).pathname;
    const { status, json } = await classifier.handle(req.method, path, Buffer.concat(chunks), req.headers['content-type'], cancel.signal);
    const body = JSON.stringify(json);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
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
