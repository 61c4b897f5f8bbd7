// The example services (examples/node-server.mjs, examples/deno-server.ts) on loopback: each
// classifies a posted tensor exactly as a session here does, answers /health, and refuses bad
// input, a body too large as soon as it passes the limit. They import the runtime from dist/ (build first; npm test does).

import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceSession } from '../../runtime/session.js';
import { Tensor } from '../../runtime/tensor.js';
import { compiled, hasModel } from '../helpers/models.js';
import { DENO, DENO_ENV } from '../helpers/deno.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Server { url: string; child: ChildProcess }

function start(command: string, args: string[]): Promise<Server> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: DENO_ENV });
  return new Promise((resolve, reject) => {
    let out = '', err = '';
    const timer = setTimeout(() => reject(new Error(`no 'listening' line within 30 s: ${out}${err}`)), 30_000);
    child.stderr!.on('data', (d) => (err += d));
    child.on('exit', (code) => reject(new Error(`exited with ${code}: ${err}`)));
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ url: m[1]!, child });
    });
  });
}

/**
 * Posts `bytes` bytes to /classify in chunks and never ends the upload: resolves with the answer
 * if the server gives one before the upload ends, and rejects after 10 s otherwise.
 */
function endlessUpload(url: string, bytes: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (f: () => void) => { if (!settled) { settled = true; clearTimeout(timer); f(); } req.destroy(); };
    const timer = setTimeout(() => done(() => reject(new Error('no answer within 10 s while the upload went on'))), 10_000);
    const req = request(`${url}/classify`, { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' } });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => done(() => resolve({ status: res.statusCode!, body })));
      res.on('error', (e) => done(() => reject(e)));
    });
    req.on('error', (e) => done(() => reject(e)));
    const chunk = Buffer.alloc(4096);
    let sent = 0;
    const pump = () => { while (!settled && sent < bytes) { sent += chunk.length; if (!req.write(chunk)) return void req.once('drain', pump); } };
    pump();
  });
}

/** A request with a whole body of `bytes` zero bytes, sent with node:http (fetch sends no body with GET): the status. */
function sendWithBody(url: string, method: string, path: string, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, headers: { 'content-type': 'application/octet-stream', 'content-length': bytes } });
    req.on('response', (res) => { res.resume(); res.on('end', () => resolve(res.statusCode!)); });
    req.on('error', reject);
    req.end(Buffer.alloc(bytes));
  });
}

describe.skipIf(!hasModel('digits_cnn'))('example services', () => {
  const dir = mkdtempSync(join(tmpdir(), 'accelc-examples-'));
  const wasmPath = join(dir, 'digits.wasm');
  const x = new Float32Array(256).map((_, i) => Math.cos(i * 0.05));
  let expected: { index: number; score: number }[];
  const servers: Server[] = [];

  beforeAll(async () => {
    // plain SIMD only, so Node 20 and Deno (which has relaxed SIMD) run the same kernels, bit for bit
    const { wasm } = await compiled('digits_cnn', { relaxedSimd: false, shapes: { image: [1, 1, 16, 16] } });
    writeFileSync(wasmPath, wasm);
    const session = await InferenceSession.create(wasm, { threads: 1 });
    const scores = (await session.run({ image: new Tensor('float32', x, [1, 1, 16, 16]) })).logits!.data as Float32Array;
    expected = Array.from(scores.keys()).sort((a, b) => scores[b]! - scores[a]! || a - b).slice(0, 5).map((index) => ({ index, score: scores[index]! }));
    await session.release();
  }, 60_000);

  afterAll(() => {
    for (const s of servers) s.child.kill('SIGKILL');
  });

  const pool = { what: 'on 2 workers', flags: ['--threads', '2'], health: { sessions: 1, threads: 2, worker: false, workerStarts: 1, maxQueue: 64, capacity: 65 } };
  const sessions = { what: 'on 2 sessions of 1 worker each', flags: ['--threads', '1', '--worker', '1', '--sessions', '2'], health: { sessions: 2, threads: 1, worker: true, workerStarts: 2, maxQueue: 64, capacity: 130 } };
  const cases = [
    { name: 'node', ...pool, command: process.execPath, args: () => [join(root, 'examples', 'node-server.mjs'), wasmPath, '--port', '0', ...pool.flags, '--inline-work', '0'] },
    { name: 'node', ...sessions, command: process.execPath, args: () => [join(root, 'examples', 'node-server.mjs'), wasmPath, '--port', '0', ...sessions.flags, '--inline-work', '0'] },
    { name: 'deno', ...pool, command: DENO ?? 'deno', args: () => ['run', '--allow-read', '--allow-net=127.0.0.1', join(root, 'examples', 'deno-server.ts'), wasmPath, '--port', '0', ...pool.flags, '--inline-work', '0'] },
  ];
  it('node: a bad flag stops the server with one line and exit code 1', async () => {
    for (const [flags, line] of [
      [['--worker', '2'], 'node-server: --worker must be 0 or 1, got 2'],
      [['--threads', '2', '--worker', '1'], 'node-server: E_USAGE: model digits_cnn: worker: true runs the kernels on one worker, so threads must be 1 or left out, got 2 (for 2 workers, leave worker out)'],
    ] as const) {
      const err = await start(process.execPath, [join(root, 'examples', 'node-server.mjs'), wasmPath, '--port', '0', ...flags]).then(
        (s) => { s.child.kill('SIGKILL'); throw new Error('the server started'); }, (e: Error) => e.message);
      expect(err).toBe(`exited with 1: ${line}\n`);
    }
  });

  for (const c of cases) {
    it.skipIf(c.name === 'deno' && !DENO)(`${c.name}: classifies a posted tensor ${c.what}, answers /health, refuses bad input`, async () => {
      const server = await start(c.command, c.args());
      servers.push(server);
      const post = (body: Uint8Array | string, type: string) => fetch(`${server.url}/classify`, { method: 'POST', body, headers: { 'content-type': type } });

      const raw = await post(new Uint8Array(x.buffer), 'application/octet-stream');
      expect(raw.status).toBe(200);
      const top = ((await raw.json()) as { top: { index: number; score: number }[] }).top;
      expect(top.map(({ index, score }) => ({ index, score }))).toEqual(expected);
      const json = await post(JSON.stringify({ data: Array.from(x) }), 'application/json');
      expect(((await json.json()) as { top: unknown[] }).top).toEqual(top);
      const together = await Promise.all(Array.from({ length: 8 }, () => post(new Uint8Array(x.buffer), 'application/octet-stream').then((r) => r.json())));
      for (const answer of together) expect((answer as { top: unknown[] }).top).toEqual(top);   // concurrent requests, each its own answer

      const health = (await (await fetch(`${server.url}/health`)).json()) as Record<string, unknown>;
      expect(health).toMatchObject({ ok: true, model: 'digits_cnn', ...c.health, inline: false, pending: 0 });
      const bad = await post(new Uint8Array(12), 'application/octet-stream');
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: string }).error).toBe('expected 256 float32 values, got 3');
      expect((await fetch(`${server.url}/nowhere`)).status).toBe(404);
      // a body past the most the input takes (256 floats as JSON: 16 KB) is refused while it is still coming
      const huge = await endlessUpload(server.url, 1 << 20);
      expect(huge.status).toBe(413);
      expect(JSON.parse(huge.body)).toEqual({ error: 'body over 16384 bytes; the input takes 256 float32 values' });
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
      // only POST /classify reads a body: other routes answer as they would without one
      expect(await sendWithBody(server.url, 'GET', '/health', 20_000)).toBe(200);
      expect(await sendWithBody(server.url, 'POST', '/nowhere', 20_000)).toBe(404);
      const over = await post(new Uint8Array(20_000), 'application/octet-stream');   // a whole body over the limit
      expect(over.status).toBe(413);
      await new Promise((r) => setTimeout(r, 1200));   // past the server's linger: a connection whose body ended stays usable
      expect((await post(new Uint8Array(x.buffer), 'application/octet-stream')).status).toBe(200);
      server.child.kill('SIGTERM');
    }, 60_000);
  }
});
