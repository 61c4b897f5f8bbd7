// External tensor data: read relative to the model's folder, never outside it.

import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importModel } from '../../compiler/frontend/onnx/import.js';
import { loadOnnx } from '../../compiler/frontend/onnx/index.js';
import { encode, expectError, FLOAT, node, valueInfo } from './build-model.js';

const root = mkdtempSync(join(tmpdir(), 'accelc-ext-'));
const dir = join(root, 'model');
mkdirSync(dir);
writeFileSync(join(dir, 'w.bin'), Buffer.from(new Float32Array([0, 0, 1, 2, 3, 4]).buffer));
writeFileSync(join(root, 'outside.bin'), Buffer.from(new Float32Array([9, 9, 9, 9]).buffer));
symlinkSync(join(root, 'outside.bin'), join(dir, 'link.bin'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function modelWith(location: string, offset = '8', length?: string): string {
  const entries = [{ key: 'location', value: location }, { key: 'offset', value: offset }];
  if (length !== undefined) entries.push({ key: 'length', value: length });
  const bytes = encode({
    nodes: [node('Add', ['x', 'w'], ['y'], 'add')],
    inputs: [valueInfo('x', FLOAT, [4])],
    outputs: [valueInfo('y', FLOAT, [4])],
    initializers: [{ name: 'w', dims: [4], dataType: FLOAT, dataLocation: 1, externalData: entries }],
  });
  const path = join(dir, `m${Math.random().toString(36).slice(2)}.onnx`);
  writeFileSync(path, bytes);
  return path;
}

describe('external data', () => {
  it('reads data at an offset relative to the model folder', () => {
    const { graph } = loadOnnx(modelWith('w.bin', '8', '16'));
    expect(graph.values.get('w')!.const!.data).toEqual(Float32Array.of(1, 2, 3, 4));
  });
  it("refuses '..' components", () => {
    expectError(() => loadOnnx(modelWith('../outside.bin', '0')), 'E_MODEL', /tensor 'w'.*contains '\.\.'/);
    expectError(() => loadOnnx(modelWith('sub/../../outside.bin', '0')), 'E_MODEL', /'\.\.'/);
  });
  it('refuses absolute paths', () => {
    expectError(() => loadOnnx(modelWith(join(root, 'outside.bin'), '0')), 'E_MODEL', /absolute path/);
    expectError(() => loadOnnx(modelWith('C:\\x\\w.bin', '0')), 'E_MODEL', /absolute path/);
  });
  it('refuses symlinks that resolve outside the folder', () => {
    expectError(() => loadOnnx(modelWith('link.bin', '0')), 'E_MODEL', /resolves outside/);
  });
  it('refuses ranges outside the file and wrong lengths', () => {
    expectError(() => loadOnnx(modelWith('w.bin', '16')), 'E_MODEL', /range \[16, 32\) is outside 'w.bin' \(24 bytes\)/);
    expectError(() => loadOnnx(modelWith('w.bin', '8', '12')), 'E_MODEL', /length 12/);
    expectError(() => loadOnnx(modelWith('w.bin', '-4')), 'E_MODEL', /offset/);
  });
  it('reports a missing file, and bytes without a folder', () => {
    expectError(() => loadOnnx(modelWith('nope.bin', '0')), 'E_FILE', /nope.bin.*ENOENT/);
    const bytes = encode({
      nodes: [node('Relu', ['w'], ['y'])],
      outputs: [valueInfo('y', FLOAT, [4])],
      initializers: [{ name: 'w', dims: [4], dataType: FLOAT, dataLocation: 1, externalData: [{ key: 'location', value: 'w.bin' }] }],
    });
    expectError(() => importModel(bytes, { modelName: 'm' }), 'E_FILE', /model's folder/);
  });
});
