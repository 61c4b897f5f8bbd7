// The one place that loads the generated ONNX protobuf bindings (onnx-proto is CommonJS).
// Everything else imports `onnx` (value and types) from here.

import onnxProto from 'onnx-proto';

export import onnx = onnxProto.onnx;

/** An int64 as protobufjs hands it out: a Long object when `long` is installed, else a number. */
export type LongLike = number | { low: number; high: number; unsigned?: boolean };
