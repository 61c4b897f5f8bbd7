// Given ONNX, the session compiles it first through compiler/compile.js (mocked here: the
// compiler has its own tests; this checks the routing and that options are passed through).
import { describe, expect, it, vi } from 'vitest';
import { InferenceSession } from '../../runtime/session.js';
import { Tensor } from '../../runtime/tensor.js';
import { buildTinyModule } from '../helpers/tiny-module.js';

const compile = vi.hoisted(() => vi.fn());
vi.mock('../../compiler/compile.js', () => ({ compile }));

describe('InferenceSession.create with an ONNX model', () => {
  it('compiles a path ending in .onnx, and bytes that are not WebAssembly', async () => {
    const { wasm, meta } = buildTinyModule({ shape: [4] });
    compile.mockResolvedValue({ wasm, meta, warnings: [] });
    const s1 = await InferenceSession.create('some/model.onnx', { compile: { shapes: { x: [4] } } });
    expect(compile).toHaveBeenLastCalledWith('some/model.onnx', { shapes: { x: [4] } });
    const onnxBytes = new Uint8Array([0x08, 0x07, 0x12, 0x00]);
    const s2 = await InferenceSession.create(onnxBytes);
    expect(compile).toHaveBeenLastCalledWith(onnxBytes, undefined);
    for (const s of [s1, s2]) {
      const { y } = await s.run({ x: new Tensor(new Float32Array([1, 1, 1, 1]), [4]) });
      expect(Array.from(y!.data as Float32Array)).toEqual([3, 3, 3, 3]);
    }
  });

  it('never calls the compiler for WebAssembly', async () => {
    compile.mockClear();
    await InferenceSession.create(buildTinyModule().wasm);
    expect(compile).not.toHaveBeenCalled();
  });
});
