// What every emitter of one kernel function shares: the module, the function's locals, the IR
// scope (types, ranges, buffers), where each variable and register buffer lives, and the
// pointer induction variables of the enclosing loops (address.ts).

import type { Buf, Kernel, Program, RegType, Stmt, Storage } from '../../ir/loop.js';
import type { VType, VarInfo } from '../../ir/expr-type.js';
import { Scope } from '../../ir/expr-type.js';
import { AccelcError } from '../../errors.js';
import type { FnBuilder, Ref, ValType, WasmModule } from './module.js';
import type { MathLib } from './math.js';
import type { SchedSites, Segment } from './sched.js';
import type { KernelSync } from './group-sync.js';

export { KernelCtx, valType, TID };
export type { EmitOptions, LoopFrame, IV };

interface EmitOptions {
  relaxedSimd: boolean;
  /** Bytes between one thread's scratch and the next (address = offset + tid * stride). */
  scratchStride: number;
  /** Most threads the module runs on (the runtime refuses more): tid < maxThreads. */
  maxThreads: number;
  /** Counter sites for dynamically scheduled loops. */
  sched: SchedSites;
  /** How the kernel follows the one before and is followed by the next (dataflow.ts), with addresses. */
  flow?: KernelSync;
}

/** A pointer induction variable: sum of `terms` (byte address parts), kept in `local`. */
interface IV { local: number; step: number }

/** A loop being emitted: its variable, what was in scope at its entry, and its IVs by key. */
interface LoopFrame { v: string; avail: ReadonlySet<string>; ivs: Map<string, IV> }

/** The thread id as address generation refers to it (a name no IR variable can shadow). */
const TID = '%tid';

function valType(t: VType | RegType): ValType {
  if (typeof t === 'string') return t;
  return t.lanes > 1 ? 'v128' : t.t;
}

class KernelCtx {
  readonly scope: Scope;
  readonly vars = new Map<string, number>();
  /** Register buffers (after registerize): buffer name -> its wasm local. */
  readonly regs = new Map<string, number>();
  readonly frames: LoopFrame[] = [];
  inParallel = false;
  /** Enclosing loops and ifs: a parallel loop is scheduled dynamically only at depth 0. */
  depth = 0;
  /** Inside a dynamically scheduled loop: its stores are claimed by chunk. */
  inDynamic = false;
  /** The parallel loops of this kernel that are scheduled dynamically (sched.ts). */
  dynamic = new Set<Stmt>();
  /** The stage being emitted (since the last barrier). */
  segment: Segment = { sites: [], unclaimed: false };

  constructor(
    readonly w: WasmModule,
    readonly fn: FnBuilder,
    readonly program: Program,
    readonly kernel: Kernel,
    readonly math: MathLib,
    readonly opts: EmitOptions,
  ) {
    this.scope = new Scope(program);
    this.vars.set('tid', 0);
    this.vars.set('nthreads', 1);
    this.vars.set(TID, 0);
    // tid's true range, so tid * scratchStride is known to stay small and scratch addresses keep
    // their constants in the load's offset (a loose range made every scratch access add them)
    this.scope.bind(TID, { type: { t: 'i32', lanes: 1 }, range: [0, Math.max(0, opts.maxThreads - 1)] });
  }

  fail(message: string): never {
    throw new AccelcError({ code: 'E_CODEGEN', message: `kernel ${this.kernel.name}: ${message}`, node: this.kernel.nodes[0] });
  }

  local(t: ValType): number { return this.fn.local(t); }

  /** Bind an IR variable to a wasm local for the duration of a body; returns the undo. */
  bindVar(name: string, local: number, info: VarInfo): () => void {
    const old = this.vars.get(name);
    this.vars.set(name, local);
    const undoScope = this.scope.bind(name, info);
    return () => { undoScope(); if (old === undefined) this.vars.delete(name); else this.vars.set(name, old); };
  }

  varLocal(name: string): number {
    const l = this.vars.get(name);
    if (l === undefined) this.fail(`unbound variable '${name}'`);
    return l;
  }

  buf(name: string): Buf {
    const b = this.scope.buf(name);
    if (!b) this.fail(`unknown buffer '${name}'`);
    return b;
  }

  storage(b: Buf): Storage {
    const s = this.program.storages.get(b.storage);
    if (!s) this.fail(`buffer '${b.name}' lives in unknown storage '${b.storage}'`);
    return s;
  }

  /** A fresh local holding v, and a getter for more uses (set must be evaluated first). */
  temp(v: Ref, t: ValType): { set: Ref; get: () => Ref } {
    const i = this.local(t);
    return { set: this.fn.set(i, v), get: () => this.fn.get(i) };
  }

  /** v used twice or more: the first use tees it into a local, later uses read the local. */
  twice(v: Ref, t: ValType): { first: Ref; get: () => Ref } {
    const i = this.local(t);
    return { first: this.fn.tee(i, v), get: () => this.fn.get(i) };
  }
}
