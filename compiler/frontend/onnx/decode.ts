// Bytes -> onnx.ModelProto. Framing and nesting depth are checked by a linear scan first, so that
// protobufjs never sees input that makes it recurse without bound; any decoder failure becomes E_DECODE.

import { fail } from '../../errors.js';
import { onnx } from './proto.js';
import { scanWire } from './wire-scan.js';

export { decodeModel };

function decodeModel(bytes: Uint8Array, modelName: string): onnx.ModelProto {
  const where = { model: modelName };
  if (bytes.length === 0) fail('E_DECODE', 'empty file (0 bytes), not an ONNX model', where);
  const problem = scanWire(bytes);
  if (problem) fail('E_DECODE', problem, where);
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    const overflow = e instanceof RangeError && /call stack/i.test(e.message);
    const why = overflow ? 'messages nested too deeply' : firstLine(e);
    fail('E_DECODE', `cannot decode the protobuf: ${why}`, where);
  }
  if (!model.graph) fail('E_DECODE', 'not an ONNX model (the protobuf has no graph)', where);
  return model;
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n', 1)[0];
}
