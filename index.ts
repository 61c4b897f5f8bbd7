// accelc's public API: the compiler, and an onnxruntime-web-shaped runtime for what it produces.
// Importing it loads the runtime only: compile() loads the compiler (binaryen, protobufjs) on its
// first call, as InferenceSession.create does for an ONNX model, so a service that ships .wasm
// files never loads them (test/runtime/entry.test.ts).

export { InferenceSession } from './runtime/session.js';
export type { SessionOptions, RunOptions, ModelSource } from './runtime/session.js';
export { RunError, isRunError } from './runtime/run-error.js';
export type { RunFailure } from './runtime/run-error.js';
export { Tensor } from './runtime/tensor.js';
export type { TensorType, TypedArray } from './runtime/tensor.js';
import type { CompileOptions, CompileResult } from './compiler/compile.js';
import { loadCompiler } from './runtime/compiler.js';
export type { CompileOptions, CompileResult };
export type { TuningRecord } from './compiler/tune/log.js';

/** Compiles an ONNX model (a path or its bytes) to a WebAssembly module; loads the compiler on first use. */
export async function compile(model: string | Uint8Array, options?: CompileOptions): Promise<CompileResult> {
  return (await loadCompiler('compile() was called')).compile(model, options);
}
export { AccelcError, isAccelcError } from './compiler/errors.js';
export type { ErrorCode, ErrorInfo } from './compiler/errors.js';
export type { ModuleMeta, TensorMeta, KernelMeta } from './runtime/meta.js';
export { loadModel, supportsRelaxedSimd } from './runtime/loader.js';
export type { LoadOptions, LoadedModel } from './runtime/loader.js';
export { loadTopk } from './runtime/kernels/topk.js';
export type { TopkFn, TopkResult } from './runtime/kernels/topk.js';
export { parseNpy, encodeNpy, readNpy, writeNpy } from './runtime/npy.js';
export { parseNpz, encodeNpz, readNpz, writeNpz } from './runtime/npz.js';
