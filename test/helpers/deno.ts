// The Deno binary from the `deno` npm package, wherever npm put it (node_modules/deno/deno, or the
// platform package @deno/<os>-<arch>-glibc on a fresh install), or undefined when it is not
// installed. The binary itself: node_modules/.bin/deno is a Node wrapper that would start it as a child.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const DENO: string | undefined = [
  join(root, 'node_modules', 'deno', 'deno'),
  join(root, 'node_modules', '@deno', `${process.platform}-${process.arch}-glibc`, 'deno'),
  join(root, 'node_modules', '.bin', 'deno'),
].find((p) => existsSync(p));

/** The environment Deno runs in for tests: no update check, no colours. */
export const DENO_ENV = { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' };
