// A tuning log for the CLI: `compile --tuning-log` reads one that must exist; `tune --log` reads
// one if there is one and appends to it, one record a line, as each is measured.

import { appendFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fail } from '../errors.js';
import { formatRecord, parseTuningLog, type TuningRecord } from '../tune/log.js';

export async function readTuningLog(path: string, mustExist: boolean): Promise<TuningRecord[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !mustExist) return [];
    return fail('E_FILE', `cannot read the tuning log '${path}': ${code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
  }
  return parseTuningLog(text, path);
}

/** Appends one record at once (sync: a search that is stopped keeps what it measured); '' checks the log can be written. */
export function appendTuningLog(path: string, r?: TuningRecord): void {
  try {
    appendFileSync(path, r ? formatRecord(r) + '\n' : '');
  } catch (e) {
    fail('E_FILE', `cannot write the tuning log '${path}': ${(e as Error).message}`);
  }
}
