// accelc's public API: the compiler, and an onnxruntime-web-shaped runtime for what it produces.
// (A runtime-only user can import 'accelc/dist/runtime/session.js' and never load the compiler.)

export { InferenceSession } from './runtime/session.js';
export type { SessionOptions, RunOptions, ModelSource } from './runtime/session.js';
export { RunError, isRunError } from './runtime/run-error.js';
export type { RunFailure } from './runtime/run-error.js';
export { Tensor } from './runtime/tensor.js';
export type { TensorType, TypedArray } from './runtime/tensor.js';
export { compile } from './compiler/compile.js';
export type { CompileOptions, CompileResult } from './compiler/compile.js';
export { AccelcError, isAccelcError } from './compiler/errors.js';
export type { ErrorCode, ErrorInfo } from './compiler/errors.js';
export type { ModuleMeta, TensorMeta, KernelMeta } from './runtime/meta.js';
export { loadModel, supportsRelaxedSimd } from './runtime/loader.js';
export type { LoadOptions, LoadedModel } from './runtime/loader.js';
export { loadTopk } from './runtime/kernels/topk.js';
export type { TopkFn, TopkResult } from './runtime/kernels/topk.js';
export { parseNpy, encodeNpy, readNpy, writeNpy } from './runtime/npy.js';
export { parseNpz, encodeNpz, readNpz, writeNpz } from './runtime/npz.js';
