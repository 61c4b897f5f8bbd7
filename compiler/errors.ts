// Errors are data: a code, the model, the node (when there is one) and a readable one-line message.
// Everything a user can cause ends up as an AccelcError; anything else is a bug in accelc.

export type ErrorCode =
  | 'E_FILE'          // cannot read a file, or it is not what it claims to be
  | 'E_DECODE'        // the bytes are not a valid ONNX protobuf
  | 'E_MODEL'         // the model is structurally invalid (missing value, cycle, bad attribute...)
  | 'E_UNSUPPORTED'   // ops (or dtypes) accelc does not implement
  | 'E_SHAPE'         // shape or dtype inference failed
  | 'E_SCHEDULE'      // an illegal schedule primitive
  | 'E_CODEGEN'       // the backend could not emit or validate the module
  | 'E_INPUT'         // bad feeds at run time (name, dtype, shape)
  | 'E_RUNTIME'       // a kernel trapped, a worker died, memory could not grow
  | 'E_USAGE';        // bad command-line usage

export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  model?: string;
  node?: string;
  op?: string;
}

export class AccelcError extends Error {
  readonly code: ErrorCode;
  readonly model?: string;
  readonly node?: string;
  readonly op?: string;
  constructor(info: ErrorInfo) {
    super(formatError(info));
    this.name = 'AccelcError';
    this.code = info.code;
    this.model = info.model;
    this.node = info.node;
    this.op = info.op;
  }
}

export function formatError(info: ErrorInfo): string {
  const where = [info.model && `model ${info.model}`, info.node && `node '${info.node}'`, info.op && `(${info.op})`]
    .filter(Boolean).join(' ');
  return oneLine(`${info.code}: ${where ? where + ': ' : ''}${info.message}`);
}

/** Messages stay one line whatever names a model carries: control characters are escaped. */
function oneLine(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function fail(code: ErrorCode, message: string, ctx: Omit<ErrorInfo, 'code' | 'message'> = {}): never {
  throw new AccelcError({ code, message, ...ctx });
}

export function isAccelcError(e: unknown): e is AccelcError {
  return e instanceof AccelcError;
}

/**
 * E_SHAPE: an output's shape (or another compile-time decision: Resize's crop box, whether Dropout
 * is the identity) depends on the contents of `value`, which is computed at run time (a Reshape's
 * target shape fed as a graph input, say). A caller that knows the inputs' values can compile again
 * with them bound (runtime/dynamic.ts does).
 */
export class DynamicShapeError extends AccelcError {
  readonly value: string;
  constructor(info: Omit<ErrorInfo, 'code'> & { value: string }) {
    super({ ...info, code: 'E_SHAPE' });
    this.value = info.value;
  }
}
