// The user-facing runtime, shaped like onnxruntime-web's InferenceSession so code can switch:
//   const s = await InferenceSession.create('model.wasm');
//   const { logits } = await s.run({ input: new Tensor('float32', data, [1, 3, 224, 224]) });
// Given an ONNX model (a path ending in .onnx, or bytes that are not WebAssembly) it compiles it
// first, loading the compiler only then: users who ship .wasm never load binaryen.

import type { CompileOptions } from '../compiler/compile.js';
import { fail } from '../compiler/errors.js';
import { loadModel, type LoadedModel, type LoadOptions } from './loader.js';
import type { ModuleMeta, TensorMeta } from './meta.js';
import { readFileBytes } from './platform.js';
import { isWasmBytes, tensorBytes } from './read-meta.js';
import { dtypeInfo, formatDims, shapeSize, Tensor } from './tensor.js';
import type { WasmModule } from './wasm-api.js';

export { InferenceSession };
export type { SessionOptions, ModelSource };

interface SessionOptions extends LoadOptions {
  /** Threads to run on. Only 1 for now. */
  threads?: number;
  /** Options for compiling, when the session is created from an ONNX model. */
  compile?: CompileOptions;
}

type ModelSource = string | Uint8Array | ArrayBuffer | WasmModule;

class InferenceSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly meta: ModuleMeta;
  readonly threads: number;
  #model: LoadedModel | undefined;

  private constructor(model: LoadedModel, threads: number) {
    this.#model = model;
    this.meta = model.meta;
    this.threads = threads;
    this.inputNames = Object.freeze(model.meta.inputs.map((t) => t.name));
    this.outputNames = Object.freeze(model.meta.outputs.map((t) => t.name));
  }

  static async create(source: ModelSource, options: SessionOptions = {}): Promise<InferenceSession> {
    const threads = checkThreads(options.threads);
    const wasmSource = await resolveSource(source, options.compile);
    const model = await loadModel(wasmSource, options);
    return new InferenceSession(model, threads);
  }

  async run(feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
    const model = this.#model;
    if (!model) fail('E_RUNTIME', 'the session was released', { model: this.meta.name });
    checkFeeds(this.meta, feeds);
    const { memory, exports, meta } = model;
    for (const t of meta.inputs) {
      const data = feeds[t.name]!.data;
      new Uint8Array(memory.buffer, t.offset, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    }
    try {
      exports.run();
    } catch (e) {
      fail('E_RUNTIME', `the model trapped: ${(e as Error).message ?? String(e)}`, { model: meta.name });
    }
    const out: Record<string, Tensor> = {};
    for (const t of meta.outputs) out[t.name] = copyOut(memory.buffer, t);
    return out;
  }

  async release(): Promise<void> {
    this.#model = undefined;
  }
}

function checkThreads(threads: number | undefined): number {
  const n = threads ?? 1;
  if (!Number.isInteger(n) || n < 1) fail('E_USAGE', `threads must be a positive integer, got ${String(threads)}`);
  if (n > 1) fail('E_UNSUPPORTED', `threads=${n}: threads > 1 lands with the worker runtime; use threads=1`);
  return n;
}

async function resolveSource(source: ModelSource, compileOptions?: CompileOptions): Promise<Uint8Array | WasmModule> {
  if (typeof source === 'string') {
    if (/\.onnx$/i.test(source)) return compileOnnx(source, compileOptions);
    const bytes = await readFileBytes(source);
    if (/\.wasm$/i.test(source) || isWasmBytes(bytes)) return bytes;
    return compileOnnx(bytes, compileOptions);
  }
  if (source instanceof ArrayBuffer) source = new Uint8Array(source);
  if (source instanceof Uint8Array && !isWasmBytes(source)) return compileOnnx(source, compileOptions);
  return source;
}

async function compileOnnx(model: string | Uint8Array, options?: CompileOptions): Promise<Uint8Array> {
  let compiler: typeof import('../compiler/compile.js');
  try {
    compiler = await import('../compiler/compile.js');
  } catch (e) {
    const missing = /Cannot find module '([^']+)'/.exec((e as Error).message ?? '')?.[1] ?? '';
    if ((e as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND' || !/compiler\/compile\.[jt]s$/.test(missing)) throw e;
    fail('E_UNSUPPORTED', `given an ONNX model, but the accelc compiler is not installed here (${(e as Error).message})`);
  }
  return (await compiler.compile(model, options)).wasm;
}

function checkFeeds(meta: ModuleMeta, feeds: Record<string, Tensor>): void {
  const ctx = { model: meta.name };
  if (typeof feeds !== 'object' || feeds === null) fail('E_INPUT', 'feeds must be an object mapping input names to tensors', ctx);
  const names = meta.inputs.map((t) => t.name);
  for (const name of Object.keys(feeds)) {
    if (!names.includes(name)) fail('E_INPUT', `unknown input '${name}'; the model's inputs are: ${names.join(', ')}`, ctx);
  }
  for (const t of meta.inputs) checkFeed(t, feeds[t.name], ctx);
}

function checkFeed(t: TensorMeta, given: Tensor | undefined, ctx: { model: string }): void {
  const want = `${t.dtype} ${formatDims(t.shape)}`;
  if (given === undefined || given === null) fail('E_INPUT', `missing input '${t.name}' (expected ${want})`, ctx);
  if (typeof given !== 'object' || !Array.isArray(given.dims) || !ArrayBuffer.isView(given.data)) {
    fail('E_INPUT', `input '${t.name}': expected a Tensor (${want}), got ${typeof given}`, ctx);
  }
  if (given.type !== t.dtype) {
    fail('E_INPUT', `input '${t.name}': expected dtype ${t.dtype}, got ${String(given.type)}`, ctx);
  }
  const dimsMatch = given.dims.length === t.shape.length && given.dims.every((d, i) => d === t.shape[i]);
  if (!dimsMatch) fail('E_INPUT', `input '${t.name}': expected dims ${formatDims(t.shape)}, got ${formatDims(given.dims)}`, ctx);
  const info = dtypeInfo(t.dtype);
  if (!(given.data instanceof info.array)) {
    fail('E_INPUT', `input '${t.name}': expected ${t.dtype} data in a ${info.array.name}, got a ${given.data.constructor.name}`, ctx);
  }
  const size = shapeSize(t.shape);
  if (given.data.length !== size) {
    fail('E_INPUT', `input '${t.name}': expected ${size} elements, got ${given.data.length}`, ctx);
  }
}

/** A fresh, unshared copy of an output: never a view of the module's memory. */
function copyOut(buffer: ArrayBufferLike, t: TensorMeta): Tensor {
  const bytes = tensorBytes(t);
  const copy = new Uint8Array(bytes);
  copy.set(new Uint8Array(buffer, t.offset, bytes));
  const info = dtypeInfo(t.dtype);
  return new Tensor(info.type, new info.array(copy.buffer), t.shape);
}
