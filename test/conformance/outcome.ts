// What running one case gives, and how an error is classified:
//   pass         every data set's outputs match
//   fail         wrong numbers, or a valid model refused with an AccelcError other than E_UNSUPPORTED
//   unsupported  an AccelcError E_UNSUPPORTED (an op, dtype or attribute accelc does not implement)
//   crash        anything else: an exception that is not an AccelcError, a dead worker, a hang

export { classifyError, unsupportedKeys };
export type { Status, Outcome, CaseResult };

type Status = 'pass' | 'fail' | 'unsupported' | 'crash';

interface Outcome {
  status: Status;
  /** One line: the mismatch, the error message, or why the worker died. */
  detail?: string;
  /** For unsupported: what is missing, by op (or '(dtype X)', '(other)'). */
  missing?: string[];
  /** For fail: 'mismatch' or the AccelcError code. */
  kind?: string;
}

interface CaseResult extends Outcome {
  category: string;
  name: string;
  ops: string[];
  numeric: boolean;
  ms: number;
}

interface ErrorLike { name?: string; code?: string; op?: string; message?: string; stack?: string }

function classifyError(e: unknown, modelOps: readonly string[]): Outcome {
  const err = (e ?? {}) as ErrorLike;
  const message = firstLine(err.message ?? String(e));
  if (err.name !== 'AccelcError' || typeof err.code !== 'string') {
    return { status: 'crash', detail: firstLine(err.stack ?? message, 3), kind: err.name ?? typeof e };
  }
  if (err.code === 'E_UNSUPPORTED') return { status: 'unsupported', detail: message, missing: unsupportedKeys(err, message, modelOps) };
  return { status: 'fail', kind: err.code, detail: message };
}

/** The ops an E_UNSUPPORTED names: the error's node op, the list of unsupported operators, or a dtype. */
function unsupportedKeys(err: ErrorLike, message: string, modelOps: readonly string[]): string[] {
  const listed = [...message.matchAll(/([\w.]+) \(opset \d+\) at node/g)].map((m) => m[1]);
  if (listed.length) return [...new Set(listed)];
  if (/is not a tensor/.test(message)) return ['(non-tensor I/O)'];
  const dtype = /\b(float64|float16|bfloat16|uint32|uint64|string|complex\d+)\b/i.exec(message);
  if (dtype) return [`(dtype ${dtype[1].toLowerCase()})`];
  if (err.op) return [err.op];
  const real = modelOps.filter((o) => o !== 'Constant');
  return real.length === 1 ? [real[0]] : ['(other)'];
}

function firstLine(s: string, lines = 1): string {
  return s.split('\n').slice(0, lines).join(' | ').slice(0, 400);
}
