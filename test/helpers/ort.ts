// onnxruntime-node as the reference for end-to-end tests: run an .onnx on our Tensors, get our
// Tensors back. Sessions are cached per model path; releaseOrtSessions() frees them.

import ort from 'onnxruntime-node';
import { Tensor, type TensorType } from '../../runtime/tensor.js';

const sessions = new Map<string, Promise<ort.InferenceSession>>();

/** opts.optimize false: onnxruntime's graph optimizations off (the model's own ops, e.g. QDQ not fused into QLinearConv). */
export async function runOrtNode(modelPath: string, feeds: Record<string, Tensor>, opts: { threads?: number; optimize?: boolean } = {}): Promise<Record<string, Tensor>> {
  const threads = opts.threads ?? 1, optimize = opts.optimize ?? true;
  const key = `${modelPath}\0${threads}\0${optimize}`;
  let session = sessions.get(key);
  if (!session) {
    session = ort.InferenceSession.create(modelPath, {
      executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1, ...(optimize ? {} : { graphOptimizationLevel: 'disabled' as const }),
    });
    sessions.set(key, session);
  }
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor(t.type, t.data, t.dims);
  const results = await (await session).run(ortFeeds);
  const out: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(results)) {
    out[name] = new Tensor(t.type as TensorType, t.data as Float32Array, t.dims);
  }
  return out;
}

export async function releaseOrtSessions(): Promise<void> {
  const all = [...sessions.values()];
  sessions.clear();
  for (const s of all) await (await s).release();
}
