// The post-schedule lowering pipeline, one flat list: every kernel goes through these passes, in
// order, before the wasm backend sees it. `dumpAfter` prints the IR after any step; `verify`
// checks the IR's invariants after every step (tests, debug builds).

import type { Kernel, Program } from '../ir/loop.js';
import { printKernel } from '../ir/print.js';
import { verifyKernel } from '../ir/verify.js';
import { AccelcError } from '../errors.js';
import { simplify } from './simplify.js';
import { unroll } from './unroll.js';
import { vectorize } from './vectorize.js';
import { registerize } from './registerize.js';

export { LOWERING, lowerKernel, lowerProgram };
export type { KernelPass, LowerOptions };

type KernelPass = (k: Kernel, program: Program) => Kernel;

interface LowerOptions {
  /** Pass names after which to print the kernel ('all' for every step). */
  dumpAfter?: string[];
  log?: (text: string) => void;
  verify?: boolean;
}

const LOWERING: ReadonlyArray<{ name: string; run: KernelPass }> = [
  { name: 'simplify', run: simplify },
  { name: 'unroll', run: unroll },
  { name: 'simplify', run: simplify },
  { name: 'vectorize', run: vectorize },
  { name: 'simplify', run: simplify },
  { name: 'registerize', run: registerize },
  { name: 'simplify', run: simplify },
];

function lowerKernel(k: Kernel, program: Program, opts: LowerOptions = {}): Kernel {
  let out = k;
  LOWERING.forEach((pass, i) => {
    out = pass.run(out, program);
    if (opts.dumpAfter?.includes(pass.name) || opts.dumpAfter?.includes('all'))
      opts.log?.(`// after ${pass.name} (step ${i + 1})\n${printKernel(out)}`);
    if (opts.verify) {
      const problems = verifyKernel(out, program);
      if (problems.length) {
        const text = problems.map((p) => `${p.where}: ${p.message}`).join('; ');
        throw new AccelcError({ code: 'E_CODEGEN', message: `kernel ${k.name}: invalid IR after ${pass.name}: ${text}` });
      }
    }
  });
  return out;
}

function lowerProgram(p: Program, opts: LowerOptions = {}): Program {
  return { ...p, kernels: p.kernels.map((k) => lowerKernel(k, p, opts)) };
}
