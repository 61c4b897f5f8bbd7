// The compiler, loaded on first use: by the package entry's compile(), by InferenceSession.create
// given an ONNX model, and by the dynamic-shape path (dynamic.ts) for a run with new input dims.
// The runtime never imports it statically, so a service that ships .wasm files
// never loads binaryen or protobufjs, and a runtime-only copy of dist/ (no dist/compiler/ but
// errors.js) works until something asks it to compile, which then fails with E_UNSUPPORTED.

import { fail } from '../compiler/errors.js';

type Compiler = typeof import('../compiler/compile.js');

/** The compiler module; `why` says what needed it, for the error when it is not installed. */
export async function loadCompiler(why: string): Promise<Compiler> {
  try {
    return await import('../compiler/compile.js');
  } catch (e) {
    // Node: Cannot find module '/…/compiler/compile.js'; Deno: Module not found "file:///…/compiler/compile.js".
    const missing = /(?:Cannot find module '|Module not found ")([^'"]+)/.exec((e as Error).message ?? '')?.[1] ?? '';
    if ((e as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND' || !/compiler[\\/]compile\.[jt]s$/.test(missing)) throw e;
    fail('E_UNSUPPORTED', `${why}, but the accelc compiler is not installed here (${(e as Error).message})`);
  }
}
