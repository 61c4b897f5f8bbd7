// The list of hostile files, one case each, in one place: every one is refused with a clean,
// one-line AccelcError (no crash, hang or stack trace), before any large allocation. Cases tested
// at length elsewhere (decode.test.ts, external-data.test.ts, import.test.ts) are repeated here in
// brief so the list can be checked at a glance; external data is also checked never to open a file
// outside the model's folder (fs.openSync is watched).

import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { loadOnnx } from '../../compiler/frontend/onnx/index.js';
import { encode, expectError, FLOAT, node, valueInfo } from './build-model.js';

const opened = vi.hoisted(() => [] as string[]);
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const openSync = ((p: import('node:fs').PathLike, ...rest: unknown[]) => {
    opened.push(resolve(String(p)));
    return (fs.openSync as (...a: unknown[]) => number)(p, ...rest);
  }) as typeof fs.openSync;
  return { ...fs, default: { ...fs, openSync }, openSync };
});

const relu = (inputs = [valueInfo('x', FLOAT, [4])]) => ({
  nodes: [node('Relu', ['x'], ['y'])], inputs, outputs: [valueInfo('y', FLOAT, [4])],
});

describe('hostile model files', () => {
  it('empty, truncated and garbage protobuf', () => {
    expectError(() => loadOnnx(new Uint8Array(0)), 'E_DECODE', /empty/);
    const good = encode(relu());
    for (const n of [1, 5, good.length >> 1, good.length - 1]) expectError(() => loadOnnx(good.slice(0, n)), 'E_DECODE');
    const garbage = new Uint8Array(4096);
    for (let i = 0, s = 7; i < garbage.length; i++) garbage[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
    expectError(() => loadOnnx(garbage), 'E_DECODE');
  });

  it('a protobuf nesting bomb', () => {
    // model.graph.node.attribute.g.node.attribute.g... 100,000 messages deep, built inside out:
    // each level is a length-delimited field (GraphProto.node 0x0a, NodeProto.attribute 0x2a,
    // AttributeProto.g 0x32) holding the next; ModelProto.graph (0x3a) outermost.
    const varint = (n: number) => { const b: number[] = []; while (n > 127) { b.push((n & 127) | 128); n >>>= 7; } b.push(n); return b; };
    const cycle = [0x32, 0x2a, 0x0a];   // from the innermost level outwards
    const heads: number[][] = [];
    let len = 0;
    for (let i = 0; i < 100_000; i++) {
      const head = [i === 99_999 ? 0x3a : cycle[i % 3], ...varint(len)];
      heads.push(head);
      len += head.length;
    }
    const bytes = new Uint8Array(len);
    let at = 0;
    for (let i = heads.length - 1; i >= 0; i--) { bytes.set(heads[i], at); at += heads[i].length; }
    expectError(() => loadOnnx(bytes), 'E_DECODE', /nest|deep/);
  });

  it('dims whose product overflows, negative dims, dims that disagree with the payload', () => {
    const withInit = (t: object) => loadOnnx(encode({ ...relu(), nodes: [node('Add', ['x', 'w'], ['y'])], initializers: [{ name: 'w', dataType: FLOAT, ...t }] }));
    expectError(() => withInit({ dims: [65536, 65536, 65536], rawData: new Uint8Array(16) }), 'E_MODEL', /exceed/);
    expectError(() => withInit({ dims: [4, -1], rawData: new Uint8Array(16) }), 'E_MODEL', /negative/);
    expectError(() => withInit({ dims: [8], rawData: new Uint8Array(16) }), 'E_MODEL', /raw_data holds 16 bytes/);
    expectError(() => loadOnnx(encode(relu([valueInfo('x', FLOAT, [65536, 65536, 65536])]))), 'E_MODEL', /more than 2\^31 elements/);
    expectError(() => loadOnnx(encode(relu([valueInfo('x', FLOAT, [-4])]))), 'E_MODEL', /negative dim/);
  });

  it('cyclic graphs, and an output no node produces', () => {
    const cyclic = encode({
      nodes: [node('Relu', ['a'], ['b']), node('Relu', ['b'], ['a'])],
      outputs: [valueInfo('b', FLOAT, [4])],
    });
    expectError(() => loadOnnx(cyclic), 'E_MODEL', /cycle/);
    const orphan = encode({ ...relu(), outputs: [valueInfo('nobody', FLOAT, [4])] });
    expectError(() => loadOnnx(orphan), 'E_MODEL', /not produced/);
  });

  describe('external data', () => {
    const root = mkdtempSync(join(tmpdir(), 'accelc-hostile-'));
    const dir = join(root, 'model');
    mkdirSync(dir);
    writeFileSync(join(dir, 'w.bin'), new Uint8Array(16));
    writeFileSync(join(root, 'secret.bin'), new Uint8Array(16));
    symlinkSync(join(root, 'secret.bin'), join(dir, 'escape.bin'));
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    const load = (location: string, offset = '0', length?: string) => {
      const entries = [{ key: 'location', value: location }, { key: 'offset', value: offset }, ...(length ? [{ key: 'length', value: length }] : [])];
      const file = join(dir, 'm.onnx');
      writeFileSync(file, encode({ ...relu(), nodes: [node('Add', ['x', 'w'], ['y'])], initializers: [{ name: 'w', dims: [4], dataType: FLOAT, dataLocation: 1, externalData: entries }] }));
      return () => loadOnnx(file);
    };

    it("refuses '..', absolute paths and symlinks out, without opening anything outside the folder", () => {
      opened.length = 0;
      expectError(load('../secret.bin'), 'E_MODEL', /'\.\.'/);
      expectError(load(join(root, 'secret.bin')), 'E_MODEL', /absolute/);
      expectError(load('escape.bin'), 'E_MODEL', /resolves outside/);
      expect(opened.filter((p) => !p.startsWith(dir + '/'))).toEqual([]);
    });

    it('refuses offset + length past the end of the file', () => {
      expectError(load('w.bin', '8'), 'E_MODEL', /outside 'w.bin' \(16 bytes\)/);
      expectError(load('w.bin', '99999999999'), 'E_MODEL', /outside/);
      opened.length = 0;
      expect(() => load('w.bin', '0', '16')()).not.toThrow();
      expect(opened.some((p) => p.endsWith('/w.bin'))).toBe(true);   // the watch sees opens
    });
  });
});
