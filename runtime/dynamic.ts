// Dynamic shapes by recompiling: an ONNX model whose inputs have symbolic dims (a batch 'N') is
// kept as ONNX, and each distinct set of input shapes it is run with is compiled on first use into
// its own module, the last few kept (LRU, DEFAULT_CAPACITY). A .wasm is always fixed.
//
// A Specializer also binds the values of inputs that decide shapes: some models take a shape as an
// input (Reshape's target, Slice's starts, Expand's shape, Range's bounds...). When the compiler
// reports that a shape depends on a value computed at run time (DynamicShapeError), the graph inputs
// that value is computed from (at most MAX_BOUND_ELEMENTS elements each) are compiled in as
// constants, and their values join the cache key. Only those inputs: data inputs stay inputs.
//
// InferenceSession.create uses openDynamic for ONNX sources: for a model with symbolic dims it
// compiles the default specialisation (symbolic dims = 1, or the shapes given) and hands runs
// whose shapes differ to the Specializer. It loads the compiler (compiler.ts) only for ONNX.

import type { CompileOptions } from '../compiler/compile.js';
import { DynamicShapeError } from '../compiler/errors.js';
import { loadCompiler } from './compiler.js';
import type { Tensor as GraphTensor } from '../compiler/ir/graph.js';
import type { InferenceSession, SessionOptions } from './session.js';
import type { Tensor } from './tensor.js';

export { Specializer, openDynamic, DEFAULT_CAPACITY, MAX_BOUND_ELEMENTS };
export type { SpecializerOptions };

const DEFAULT_CAPACITY = 4;
const MAX_BOUND_ELEMENTS = 64;

interface SpecializerOptions {
  compile?: CompileOptions;
  /** Options for each specialisation's session (threads, queue, timeouts); `compile` is ignored. */
  session?: SessionOptions;
  /** Specialisations kept; the least recently used beyond this are released. */
  capacity?: number;
  /** Bind the inputs that decide shapes ('needed', the default), or never (fail instead). */
  bindValues?: 'needed' | 'never';
}

class Specializer {
  readonly #model: string | Uint8Array;
  readonly #opts: SpecializerOptions;
  readonly #cache = new Map<string, Promise<InferenceSession>>();
  #bound: Set<string> | undefined;
  #producers: Map<string, string[]> | undefined;
  #graphInputs: Set<string> | undefined;
  /** Compilations done so far (a test and diagnostics hook). */
  compiles = 0;

  constructor(model: string | Uint8Array, opts: SpecializerOptions = {}) {
    this.#model = model;
    this.#opts = opts;
  }

  /** The names of the inputs compiled in as constants (empty until a compile needed them). */
  get boundInputs(): string[] {
    return [...(this.#bound ?? [])];
  }

  async run(feeds: Record<string, Tensor>, options?: Parameters<InferenceSession['run']>[1]): Promise<Record<string, Tensor>> {
    const session = await this.sessionFor(feeds);
    const bound = this.#bound ?? new Set<string>();
    const rest = Object.fromEntries(Object.entries(feeds).filter(([name]) => !bound.has(name)));
    return session.run(rest, options);
  }

  /** The session compiled for these feeds' shapes (and bound values), compiling it if needed. */
  async sessionFor(feeds: Record<string, Tensor>): Promise<InferenceSession> {
    const key = this.#key(feeds);
    const hit = this.#cache.get(key);
    if (hit) {
      this.#cache.delete(key);   // most recently used last
      this.#cache.set(key, hit);
      return hit;
    }
    const pending = this.#compile(feeds);
    this.#cache.set(key, pending);
    let session: InferenceSession;
    try {
      session = await pending;
    } catch (e) {
      this.#cache.delete(key);
      throw e;
    }
    const settled = this.#key(feeds);   // binding inputs makes their values part of the key
    if (settled !== key) {
      this.#cache.delete(key);
      this.#cache.set(settled, pending);
    }
    while (this.#cache.size > Math.max(1, this.#opts.capacity ?? DEFAULT_CAPACITY)) {
      const [oldest, evicted] = this.#cache.entries().next().value as [string, Promise<InferenceSession>];
      this.#cache.delete(oldest);
      evicted.then((s) => s.release(), () => undefined);
    }
    return session;
  }

  async release(): Promise<void> {
    const all = [...this.#cache.values()];
    this.#cache.clear();
    await Promise.all(all.map((p) => p.then((s) => s.release(), () => undefined)));
  }

  #key(feeds: Record<string, Tensor>): string {
    const parts = Object.keys(feeds).sort().map((name) => {
      const t = feeds[name];
      const value = this.#bound?.has(name) ? `=${Array.from(t.data as ArrayLike<number | bigint>, String).join(',')}` : '';
      return `${name}:${t.type}[${t.dims.join('x')}]${value}`;
    });
    return parts.join(';');
  }

  async #compile(feeds: Record<string, Tensor>): Promise<InferenceSession> {
    const { compile } = await loadCompiler('a run with new input dims');
    const { InferenceSession } = await import('./session.js');
    const attempt = async (bound: Set<string>) => {
      this.compiles++;
      const shapes: Record<string, number[]> = { ...this.#opts.compile?.shapes };
      const bind: Record<string, GraphTensor> = {};
      for (const [name, t] of Object.entries(feeds)) {
        if (bound.has(name)) bind[name] = toGraphTensor(t);
        else shapes[name] = [...t.dims];
      }
      for (const name of bound) delete shapes[name];
      const { wasm } = await compile(this.#model, { ...this.#opts.compile, shapes, bind });
      return InferenceSession.create(wasm, { ...this.#opts.session, compile: undefined });
    };
    const bound = new Set(this.#bound ?? []);
    for (;;) {
      try {
        const session = await attempt(bound);
        if (bound.size) this.#bound = bound;
        return session;
      } catch (e) {
        // A shape that depends on a run-time value: bind the graph inputs that value is computed from.
        if (!(e instanceof DynamicShapeError) || this.#opts.bindValues === 'never') throw e;
        const more = (await this.#inputsBehind(e.value)).filter((n) => !bound.has(n) && feeds[n] && isBindable(feeds[n]));
        if (!more.length) throw e;
        for (const n of more) bound.add(n);
      }
    }
  }

  /** The graph inputs `value` is computed from (itself, if it is one). */
  async #inputsBehind(value: string): Promise<string[]> {
    if (!this.#producers) {
      const { readFileBytes } = await import('./platform.js');
      const { decodeModel } = await import('../compiler/frontend/onnx/decode.js');
      const bytes = typeof this.#model === 'string' ? await readFileBytes(this.#model) : this.#model;
      const g = decodeModel(bytes, '(inputs)').graph!;
      this.#producers = new Map();
      for (const n of g.node ?? []) for (const o of n.output ?? []) this.#producers.set(o, (n.input ?? []).filter(Boolean));
      this.#graphInputs = new Set((g.input ?? []).map((v) => v.name ?? ''));
    }
    const found: string[] = [], seen = new Set<string>(), stack = [value];
    while (stack.length) {
      const v = stack.pop()!;
      if (seen.has(v)) continue;
      seen.add(v);
      if (this.#graphInputs!.has(v)) found.push(v);
      stack.push(...(this.#producers.get(v) ?? []));
    }
    return found;
  }
}

/** Small enough to compile in as a constant. */
function isBindable(t: Tensor): boolean {
  return t.data.length <= MAX_BOUND_ELEMENTS;
}

function toGraphTensor(t: Tensor): GraphTensor {
  return { dtype: t.type, shape: [...t.dims], data: t.data.slice() };
}

/**
 * For an ONNX model with a symbolic (or unknown) input dim: the default specialisation's module and
 * a Specializer for the other shapes. Undefined when every input shape is fixed, or when the bytes
 * cannot be read or decoded here (the static path then reports the problem).
 */
async function openDynamic(model: string | Uint8Array, options: SessionOptions): Promise<{ wasm: Uint8Array; specializer: Specializer } | undefined> {
  if (!(await hasSymbolicInput(model))) return undefined;
  const { compile } = await loadCompiler('given an ONNX model');
  const { wasm } = await compile(model, options.compile);
  return { wasm, specializer: new Specializer(model, { compile: options.compile, session: options }) };
}

async function hasSymbolicInput(model: string | Uint8Array): Promise<boolean> {
  try {
    const { readFileBytes } = await import('./platform.js');
    const { decodeModel } = await import('../compiler/frontend/onnx/decode.js');
    const { readValueInfo } = await import('../compiler/frontend/onnx/value-info.js');
    const bytes = typeof model === 'string' ? await readFileBytes(model) : model;
    const g = decodeModel(bytes, '(peek)').graph!;
    const inits = new Set((g.initializer ?? []).map((t) => t.name));
    return (g.input ?? []).filter((vi) => !inits.has(vi.name)).some((vi) => {
      const shape = readValueInfo(vi).shape;
      return shape !== undefined && shape.some((d) => typeof d !== 'number');
    });
  } catch {
    return false;
  }
}
