// The ONNX frontend in one call: read (file or bytes) -> import -> shape inference + folding.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fail } from '../../errors.js';
import type { Graph, Tensor } from '../../ir/graph.js';
import { importModel } from './import.js';
import { inferShapes } from './infer.js';

export { loadOnnx, importModel, inferShapes };
export type { LoadOptions };

interface LoadOptions {
  /** Name used in messages; defaults to the file's base name (or '(in-memory)' for bytes). */
  modelName?: string;
  /** Folder for external data; defaults to the file's folder (none for bytes). */
  modelDir?: string;
  shapes?: Record<string, number[]>;
  /** Graph inputs fixed to these values (they become constants). */
  bind?: Record<string, Tensor>;
}

function loadOnnx(pathOrBytes: string | Uint8Array, opts: LoadOptions = {}): { graph: Graph; warnings: string[] } {
  let bytes: Uint8Array;
  let modelName = opts.modelName ?? '(in-memory)';
  let modelDir = opts.modelDir;
  if (typeof pathOrBytes === 'string') {
    modelName = opts.modelName ?? path.basename(pathOrBytes).replace(/\.onnx$/i, '');
    modelDir = opts.modelDir ?? path.dirname(path.resolve(pathOrBytes));
    try {
      bytes = fs.readFileSync(pathOrBytes);
    } catch (e) {
      const code = e instanceof Error && 'code' in e ? String(e.code) : String(e);
      return fail('E_FILE', `cannot read '${pathOrBytes}': ${code}`, { model: modelName });
    }
  } else {
    bytes = pathOrBytes;
  }
  const { graph, warnings } = importModel(bytes, { modelName, modelDir, shapes: opts.shapes, bind: opts.bind });
  return { graph: inferShapes(graph, modelName, warnings), warnings };
}
