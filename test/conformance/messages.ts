// The runner <-> worker protocol: one typed union each way.

import type { CaseInfo, ModelInfo } from './cases.js';
import type { Outcome } from './outcome.js';

export type ToWorker = { type: 'case'; id: number; c: CaseInfo; info: ModelInfo } | { type: 'exit' };
export type FromWorker = { type: 'ready' } | { type: 'result'; id: number; outcome: Outcome; ms: number };
