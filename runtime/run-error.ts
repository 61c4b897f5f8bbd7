// Why a run failed, as data: an E_RUNTIME AccelcError with a `reason` a service can branch on
// (answer 503 to 'queue-full', 504 to 'timeout', and so on) without parsing the message.

import { AccelcError } from '../compiler/errors.js';

export { RunError, isRunError, errorFromSignal };
export type { RunFailure };

type RunFailure =
  | 'trap'           // a kernel trapped (the message names it)
  | 'worker-died'    // a worker exited or was terminated during the run
  | 'cancelled'      // the run's AbortSignal fired
  | 'timeout'        // the run took longer than its timeoutMs
  | 'queue-full'     // maxQueue runs were already waiting
  | 'released'       // the session was released
  | 'start-failed';  // the workers could not be started

class RunError extends AccelcError {
  readonly reason: RunFailure;
  constructor(reason: RunFailure, message: string, model?: string) {
    super({ code: 'E_RUNTIME', message, model });
    this.name = 'RunError';
    this.reason = reason;
  }
}

function isRunError(e: unknown): e is RunError {
  return e instanceof RunError;
}

/** The error a fired AbortSignal stands for: its reason when that is a RunError, else 'cancelled'. */
function errorFromSignal(signal: AbortSignal, model: string): RunError {
  const reason: unknown = signal.reason;
  if (reason instanceof RunError) return reason;
  const why = reason instanceof Error ? `: ${reason.message}` : typeof reason === 'string' ? `: ${reason}` : '';
  return new RunError('cancelled', `the run was cancelled${why}`, model);
}
