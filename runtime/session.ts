// The user-facing runtime, shaped like onnxruntime-web's InferenceSession so code can switch:
//   const s = await InferenceSession.create('model.wasm', { threads: 2 });
//   const { logits } = await s.run({ input: new Tensor('float32', data, [1, 3, 224, 224]) });
// Given an ONNX model (a path ending in .onnx, or bytes that are not WebAssembly) it compiles it
// first, loading the compiler only then: users who ship .wasm never load binaryen.
// threads > 1 runs the kernels on a worker pool (pool.ts); threads 1 runs them on the calling
// thread, or with worker: true on a pool of one worker. Either way runs go one at a time through a
// bounded queue (run-queue.ts).

import type { CompileOptions } from '../compiler/compile.js';
import { fail } from '../compiler/errors.js';
import { loadModel, type LoadedModel, type LoadOptions } from './loader.js';
import type { Specializer } from './dynamic.js';
import type { ModuleMeta, TensorMeta } from './meta.js';
import { availableCores, readFileBytes } from './platform.js';
import { WorkerPool } from './pool.js';
import { KernelProfile, type KernelTiming } from './profile.js';
import { loadCompiler } from './compiler.js';
import { isWasmBytes, tensorBytes } from './read-meta.js';
import { RunError } from './run-error.js';
import { RunQueue, type RunStop } from './run-queue.js';
import { dtypeInfo, shapeSize, Tensor } from './tensor.js';
import { checkFeeds } from './feed-checks.js';
import type { WasmModule } from './wasm-api.js';

export { InferenceSession, DEFAULT_MAX_QUEUE };
export type { SessionOptions, RunOptions, ModelSource, KernelTiming };

const DEFAULT_MAX_QUEUE = 64;

interface SessionOptions extends LoadOptions {
  /**
   * Threads that run the kernels. 1: no workers, runs execute on the calling thread (and block it
   * for their duration), or on one worker with `worker`. N > 1: N workers over one shared memory;
   * the calling thread only waits. Default: 1 with `worker`; else the available cores, at most the
   * module's scratch.maxThreads (accelc --max-threads), and 1 for a model with less than ~1 ms of
   * work per run (workers would cost more than they save).
   */
  threads?: number;
  /**
   * Run the kernels on one worker of the session's own instead of on the calling thread (threads
   * must be 1 or left out). run() then never blocks the caller's event loop, a timeout or an
   * AbortSignal stops a run between two kernels, and several such sessions in one process run side
   * by side on different cores: throughput, where threads > 1 shortens each run instead. A model
   * below inlineWork still runs on the calling thread.
   */
  worker?: boolean;
  /**
   * With threads > 1 (or worker), a model with less work than this per run (flops + 4 x bytes
   * moved) still runs on the calling thread: handing it to the workers and awaiting them costs more
   * than the whole run. Default 10e6 (~0.2 ms on one core here); 0 = always use the workers.
   */
  inlineWork?: number;
  /** Runs that may wait behind the one in flight; past that run() rejects (reason 'queue-full'). Default 64. */
  maxQueue?: number;
  /** Default timeout of each run in ms, counted from the call to run(); a run's own timeoutMs wins. */
  timeoutMs?: number;
  /** Run the model at create, on zero inputs, so the first real run is not the slow one: true = once, or a count. */
  warmup?: boolean | number;
  /** Time every kernel on every thread (a little overhead per kernel); read with kernelProfile(). */
  profile?: boolean;
  /** Options for compiling, when the session is created from an ONNX model. */
  compile?: CompileOptions;
}

interface RunOptions {
  /** Cancels the run: a waiting run leaves the queue, a running one is stopped at its next barrier. */
  signal?: AbortSignal;
  /** Fail the run (reason 'timeout') if it has not finished this many ms after the call. */
  timeoutMs?: number;
}

type ModelSource = string | Uint8Array | ArrayBuffer | WasmModule;

class InferenceSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly meta: ModuleMeta;
  /** Threads the kernels run on (1: the calling thread, or one worker with options.worker; N > 1: N workers). */
  readonly threads: number;
  /**
   * Workers were asked for (threads > 1, or options.worker), but the model is below
   * options.inlineWork: runs execute on the calling thread, no workers start.
   */
  readonly inline: boolean;
  readonly maxQueue: number;
  #model: LoadedModel | undefined;
  #pool: WorkerPool | undefined;
  readonly #queue: RunQueue;
  readonly #timeoutMs: number | undefined;
  readonly #profile: KernelProfile | undefined;
  /** For an ONNX model with symbolic input dims: compiles other shapes on demand (dynamic.ts). */
  #dynamic: Specializer | undefined;

  private constructor(model: LoadedModel, pool: WorkerPool | undefined, opts: { threads: number; maxQueue: number; timeoutMs?: number; profile?: KernelProfile; inline: boolean }) {
    this.#model = model;
    this.inline = opts.inline;
    this.#pool = pool;
    this.#profile = opts.profile;
    this.meta = model.meta;
    this.threads = opts.threads;
    this.maxQueue = opts.maxQueue;
    this.#timeoutMs = opts.timeoutMs;
    this.#queue = new RunQueue(opts.maxQueue, model.meta.name);
    this.inputNames = Object.freeze(model.meta.inputs.map((t) => t.name));
    this.outputNames = Object.freeze(model.meta.outputs.map((t) => t.name));
  }

  static async create(source: ModelSource, options: SessionOptions = {}): Promise<InferenceSession> {
    const maxQueue = checkCount('maxQueue', options.maxQueue ?? DEFAULT_MAX_QUEUE);
    const timeoutMs = checkTimeout(options.timeoutMs);
    const warmup = checkWarmup(options.warmup);
    const worker = checkFlag('worker', options.worker);
    const inlineWork = checkCount('inlineWork', options.inlineWork ?? DEFAULT_INLINE_WORK);   // checked even when no workers are asked for
    if (options.threads !== undefined) checkThreads(options.threads);
    const dynamic = await openDynamicOnnx(source, options);
    const wasmSource = dynamic?.wasm ?? await resolveSource(source, options.compile);
    const model = await loadModel(wasmSource, options);
    const threads = worker ? checkOneWorker(options.threads, model.meta) : await chooseThreads(options.threads, model.meta);
    const workers = threads > 1 || worker;
    const inline = workers && modelWork(model.meta) < inlineWork;
    const profile = options.profile ? new KernelProfile(model.meta.kernels.length, threads) : undefined;
    const pool = workers && !inline ? await WorkerPool.create(model, threads, profile) : undefined;
    const session = new InferenceSession(model, pool, { threads, maxQueue, timeoutMs, profile, inline });
    session.#dynamic = dynamic?.specializer;
    try {
      for (let i = 0; i < warmup; i++) await session.run(zeroFeeds(model.meta));
    } catch (e) {
      await session.release();
      throw e;
    }
    return session;
  }

  /**
   * Runs the model on `feeds` and resolves to fresh output tensors. Concurrent calls queue (at most
   * maxQueue waiting); each run's outputs are its own. Do not modify the feeds' data until the
   * returned promise settles. Failures are RunErrors (E_RUNTIME, with a `reason`) or E_INPUT.
   */
  async run(feeds: Record<string, Tensor>, options: RunOptions = {}): Promise<Record<string, Tensor>> {
    if (!this.#model) throw released(this.meta.name);
    if (this.#dynamic && !sameDims(this.meta, feeds)) return this.#dynamic.run(feeds, options);
    checkFeeds(this.meta, feeds);
    const timeoutMs = checkTimeout(options.timeoutMs) ?? this.#timeoutMs;
    return this.#queue.submit((stop) => this.#execute(feeds, stop), { signal: options.signal, timeoutMs });
  }

  /**
   * With `profile: true`: per kernel, the mean ms per run each thread spent in it and waiting at
   * the barrier after it, over the runs since the last reset (warm-up runs included).
   */
  kernelProfile(opts: { reset?: boolean } = {}): KernelTiming[] | undefined {
    const timings = this.#profile?.report(this.meta);
    if (opts.reset) this.#profile?.reset();
    return timings;
  }

  /** Runs waiting in the queue plus the one in flight. */
  get pending(): number {
    return this.#queue.pending;
  }

  /** Terminates the workers and drops the module and its memory; runs not yet finished fail ('released'). */
  async release(): Promise<void> {
    await this.#dynamic?.release();
    if (!this.#model) return;
    this.#model = undefined;
    this.#queue.rejectAll(released(this.meta.name));
    this.#pool?.release();
    this.#pool = undefined;
  }

  /** Times the workers were started: 1 + respawns after faults (0 when runs execute on the calling thread). */
  get workerStarts(): number {
    return this.#pool?.starts ?? 0;
  }

  /** Test hook: the spin settings the pool's threads read now (spin-policy.ts); undefined without workers. @internal */
  get _spinsForTest(): [number, number] | undefined {
    return this.#pool?._spinsForTest;
  }

  /** Test hook: the kernel worker `tid` is running now, -1 when idle; undefined without workers. @internal */
  _runningKernelForTest(tid: number): number | undefined {
    return this.#pool?._runningKernelForTest(tid);
  }

  /** Test hook: terminates worker `tid` of the pool, as a crash would. @internal */
  _terminateWorkerForTest(tid: number): void {
    this.#pool?._terminateWorkerForTest(tid);
  }

  async #execute(feeds: Record<string, Tensor>, stop: RunStop | undefined): Promise<Record<string, Tensor>> {
    const model = this.#model;
    if (!model) throw released(this.meta.name);
    const write = () => writeInputs(model, feeds);
    const profile = this.#profile;
    const read = () => {
      if (profile) profile.runs++;
      return readOutputs(model);
    };
    if (this.#pool) return this.#pool.run(write, read, stop);
    if (stop?.reason) throw stop.reason;
    write();
    runHere(model, profile);
    return read();
  }
}

function released(model: string): RunError {
  return new RunError('released', 'the session was released', model);
}

/** threads 1: every kernel in order on the calling thread (what the module's run() does), naming the one that traps. */
function runHere(model: LoadedModel, profile?: KernelProfile): void {
  const { kernels } = model.exports;
  for (let i = 0; i < kernels.length; i++) {
    const t0 = profile ? performance.now() : 0;
    try {
      kernels[i]!(0, 1);
      if (profile) profile.add(i, 0, performance.now() - t0);
    } catch (e) {
      throw new RunError('trap', `kernel ${i} '${model.meta.kernels[i]?.name ?? '?'}' trapped: ${(e as Error).message ?? String(e)}`, model.meta.name);
    }
  }
}

function writeInputs(model: LoadedModel, feeds: Record<string, Tensor>): void {
  const { memory, meta } = model;
  for (const t of meta.inputs) {
    const data = feeds[t.name]!.data;
    new Uint8Array(memory.buffer, t.offset, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
}

function readOutputs(model: LoadedModel): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const t of model.meta.outputs) out[t.name] = copyOut(model.memory.buffer, t);
  return out;
}

function zeroFeeds(meta: ModuleMeta): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  for (const t of meta.inputs) {
    const info = dtypeInfo(t.dtype);
    feeds[t.name] = new Tensor(info.type, new info.array(shapeSize(t.shape)), t.shape);
  }
  return feeds;
}

function checkThreads(threads: unknown): number {
  if (!Number.isInteger(threads) || (threads as number) < 1) fail('E_USAGE', `threads must be a positive integer, got ${String(threads)}`);
  return threads as number;
}

/**
 * Below this much work per run (flops + 4 x bytes moved: ~1 ms on one core here), the default is
 * one thread: waking workers and awaiting them would cost more than they save (digits_cnn in
 * npm run bench: 0.25 ms a run on 2 workers, 0.08 ms on one thread). An explicit `threads` is
 * honoured, though runs of models below inlineWork still go on the calling thread.
 */
const SMALL_MODEL_WORK = 50e6;

/** See SessionOptions.inlineWork: digits_cnn (~2e6) runs inline, SqueezeNet (~7e8) on the workers. */
const DEFAULT_INLINE_WORK = 10e6;

function modelWork(meta: ModuleMeta): number {
  return meta.kernels.reduce((a, k) => a + k.flops + 4 * k.bytes, 0);
}

async function chooseThreads(threads: number | undefined, meta: ModuleMeta): Promise<number> {
  const max = Math.max(1, meta.scratch.maxThreads);
  if (threads === undefined) {
    return modelWork(meta) < SMALL_MODEL_WORK ? 1 : Math.min(await availableCores(), max);
  }
  if (threads > max) {
    fail('E_USAGE', `threads=${threads}, but the module was compiled for at most ${max} threads (recompile with --max-threads ${threads})`, { model: meta.name });
  }
  return threads;
}

/** worker: true runs one thread on a worker: threads must be 1 or left out. */
function checkOneWorker(threads: number | undefined, meta: ModuleMeta): number {
  if (threads !== undefined && threads !== 1) {
    fail('E_USAGE', `worker: true runs the kernels on one worker, so threads must be 1 or left out, got ${threads} (for ${threads} workers, leave worker out)`, { model: meta.name });
  }
  return 1;
}

function checkFlag(name: string, v: unknown): boolean {
  if (v !== undefined && typeof v !== 'boolean') fail('E_USAGE', `${name} must be true or false, got ${String(v)}`);
  return v === true;
}

function checkCount(name: string, n: unknown): number {
  if (!Number.isInteger(n) || (n as number) < 0) fail('E_USAGE', `${name} must be a non-negative integer, got ${String(n)}`);
  return n as number;
}

function checkTimeout(ms: unknown): number | undefined {
  if (ms === undefined) return undefined;
  if (typeof ms !== 'number' || !(ms > 0) || !Number.isFinite(ms)) fail('E_USAGE', `timeoutMs must be a positive number of milliseconds, got ${String(ms)}`);
  return ms;
}

function checkWarmup(warmup: unknown): number {
  if (warmup === undefined || warmup === false) return 0;
  if (warmup === true) return 1;
  return checkCount('warmup', warmup);
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

/** An ONNX source whose inputs have symbolic dims: its default module and a Specializer (dynamic.ts). */
async function openDynamicOnnx(source: ModelSource, options: SessionOptions): Promise<{ wasm: Uint8Array; specializer: Specializer } | undefined> {
  const bytes = source instanceof ArrayBuffer ? new Uint8Array(source) : source;
  const onnx = typeof bytes === 'string' ? /\.onnx$/i.test(bytes) : bytes instanceof Uint8Array && !isWasmBytes(bytes);
  if (!onnx) return undefined;
  return (await import('./dynamic.js')).openDynamic(bytes as string | Uint8Array, options);
}

/** Whether every feed the module takes has the dims it was compiled for. */
function sameDims(meta: ModuleMeta, feeds: Record<string, Tensor>): boolean {
  return meta.inputs.every((t) => {
    const dims = feeds?.[t.name]?.dims;
    return Array.isArray(dims) && dims.length === t.shape.length && dims.every((d, i) => d === t.shape[i]);
  });
}

async function compileOnnx(model: string | Uint8Array, options?: CompileOptions): Promise<Uint8Array> {
  return (await (await loadCompiler('given an ONNX model')).compile(model, options)).wasm;
}

/** A fresh, unshared copy of an output: never a view of the module's memory. */
function copyOut(buffer: ArrayBufferLike, t: TensorMeta): Tensor {
  const bytes = tensorBytes(t);
  const copy = new Uint8Array(bytes);
  copy.set(new Uint8Array(buffer, t.offset, bytes));
  const info = dtypeInfo(t.dtype);
  return new Tensor(info.type, new info.array(copy.buffer), t.shape);
}
