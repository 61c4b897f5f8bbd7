// The package's entry (index.ts, built to dist/index.js) loads the runtime only: its static import
// graph reaches no npm package and none of the compiler but its error type, so a service that runs
// .wasm files never loads binaryen or protobufjs (a fresh `node` importing the package: 958-1045 ms
// and 115-145 MB RSS while the entry imported the compiler too, 26-43 ms and 49-50 MB since; one-off,
// session 17). compile() from the entry still compiles, loading the compiler on first use.
// A copy of dist/ without the compiler runs models, and says E_UNSUPPORTED when asked to compile
// (runtime/compiler.ts). The first three tests read the built dist/ (npm test builds first).

import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compile } from '../../index.js';
import { DENO, DENO_ENV } from '../helpers/deno.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Files and packages a built module reaches through static imports and re-exports (not import()). */
function staticGraph(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>(), packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const src = readFileSync(file, 'utf8');
    const specs = [...src.matchAll(/^\s*(?:import|export)\s(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
    for (const s of specs) {
      if (s.startsWith('.')) visit(resolve(dirname(file), s));
      else if (!s.startsWith('node:')) packages.add(s);
    }
  };
  visit(entry);
  return { files: [...files].map((f) => relative(ROOT, f)).sort(), packages: [...packages].sort() };
}

/** A copy of dist/ without the compiler: the entry, the runtime, and the compiler's error type. */
function runtimeOnlyCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'accelc-runtime-only-'));
  for (const f of ['index.js', 'index.js.map']) cpSync(join(ROOT, 'dist', f), join(dir, f));
  cpSync(join(ROOT, 'dist/runtime'), join(dir, 'runtime'), { recursive: true });
  mkdirSync(join(dir, 'compiler'));
  for (const f of ['errors.js', 'errors.js.map']) cpSync(join(ROOT, 'dist/compiler', f), join(dir, 'compiler', f));
  return dir;
}

describe('package entry', () => {
  const copies: string[] = [];
  afterAll(() => { for (const d of copies) rmSync(d, { recursive: true, force: true }); });

  it('loads the runtime without the compiler or any npm package', () => {
    const { files, packages } = staticGraph(join(ROOT, 'dist/index.js'));
    expect(files).toContain('dist/runtime/session.js');
    expect(files).toContain('dist/runtime/pool.js');
    expect(packages).toEqual([]);
    expect(files.filter((f) => f.startsWith('dist/compiler/'))).toEqual(['dist/compiler/errors.js']);
  });

  it('finds what a static import of the compiler would pull in', () => {
    const { files, packages } = staticGraph(join(ROOT, 'dist/compiler/compile.js'));
    expect(packages).toContain('binaryen');
    expect(files.some((f) => f.startsWith('dist/compiler/codegen/'))).toBe(true);
  });

  it('runs from a copy of dist/ without the compiler, and asking it to compile is E_UNSUPPORTED', async () => {
    const dir = runtimeOnlyCopy();
    copies.push(dir);
    const api = await import(pathToFileURL(join(dir, 'index.js')).href);
    const { wasm } = await compile(join(ROOT, 'test/models/digits_cnn.onnx'), { shapes: { image: [1, 1, 16, 16] } });
    for (const threads of [1, 2]) {
      const s = await api.InferenceSession.create(wasm, { threads, inlineWork: 0 });
      const { logits } = await s.run({ image: new api.Tensor('float32', new Float32Array(256).fill(0.5), [1, 1, 16, 16]) });
      expect(logits.dims).toEqual([1, 10]);
      await s.release();
    }
    const unsupported = { code: 'E_UNSUPPORTED', message: expect.stringContaining('the accelc compiler is not installed here') };
    await expect(api.compile(join(ROOT, 'test/models/digits_cnn.onnx'))).rejects.toMatchObject(unsupported);
    await expect(api.InferenceSession.create(join(ROOT, 'test/models/digits_cnn.onnx'))).rejects.toMatchObject(unsupported);
  });

  it.skipIf(!DENO)('under Deno too, the copy without the compiler answers compile() with E_UNSUPPORTED', async () => {
    const dir = runtimeOnlyCopy();
    copies.push(dir);
    const script = join(dir, 'probe.mjs');
    writeFileSync(script, `import { compile } from './index.js';\ntry { await compile('${join(ROOT, 'test/models/digits_cnn.onnx')}'); console.log('compiled'); } catch (e) { console.log(e.code + ' | ' + e.message.split(' (')[0]); }\n`);
    const { stdout } = await promisify(execFile)(DENO!, ['run', '--allow-read', script], { env: DENO_ENV, timeout: 60_000 });
    expect(stdout.trim()).toBe('E_UNSUPPORTED | E_UNSUPPORTED: compile() was called, but the accelc compiler is not installed here');
  });

  it("compile() from the entry compiles a model, loading the compiler on first use", async () => {
    const { wasm, meta } = await compile(join(ROOT, 'test/models/digits_cnn.onnx'), { shapes: { image: [1, 1, 16, 16] } });
    expect([...wasm.subarray(0, 4)]).toEqual([0, 0x61, 0x73, 0x6d]);
    expect(meta.inputs.map((t) => t.name)).toEqual(['image']);
  });
});
