// Statements of a lowered kernel -> the body of `kernel_<i>(tid, nthreads)`.
// Loops count up from their start with the pointer IVs of address.ts. A stage's lone top-level
// 'parallel' loop is scheduled dynamically (sched.ts: threads claim chunks); any other runs the
// static chunk [min + tid*chunk, min + min(extent, (tid+1)*chunk)),
// chunk = ceil(extent / nthreads). Each stage (the code between barriers, and the kernel's end)
// finishes with the cheapest sync that is safe: a wait for its loops' chunks when all its stores
// are in dynamically scheduled loops, else the arrival barrier. lets and register buffers become
// locals.

import type { Kernel, Program, Stmt } from '../../ir/loop.js';
import { regTypeOf } from '../../ir/loop.js';
import { bounds } from '../../ir/affine.js';
import { isRegisterBuf } from '../../lower/registerize.js';
import { KernelCtx, valType, type EmitOptions } from './context.js';
import type { Ref, WasmModule } from './module.js';
import type { MathLib } from './math.js';
import { enterLoop } from './address.js';
import { emitScalar, truthy } from './expr.js';
import { emitVector, asValue } from './simd.js';
import { emitStore } from './memory.js';
import { addBarrier, BARRIER_FN } from './barrier.js';
import { chunkCap, claimLoop, dynamicLoops, waitComplete, waitSites } from './sched.js';

export { emitKernel };

/** Add function `name` (params tid, nthreads) running the lowered kernel. */
function emitKernel(w: WasmModule, math: MathLib, program: Program, k: Kernel, name: string, opts: EmitOptions): void {
  const fn = w.fn(['i32', 'i32']);
  const ctx = new KernelCtx(w, fn, program, k, math, opts);
  ctx.dynamic = dynamicLoops(k.body);
  const flow = opts.flow, nthreads = () => fn.get(1), local = (t: 'i32') => ctx.local(t);
  const before = flow?.before !== undefined ? waitComplete(w, fn, nthreads, flow.before, local) : w.nop();
  const body = emitStmt(ctx, k.body);
  // a kernel the next one follows by group ends without waiting (its one stage has only its loop's chunks)
  const end = flow?.publish ? w.nop() : endStage(ctx);
  const after = flow?.after !== undefined ? waitComplete(w, fn, nthreads, flow.after, local) : w.nop();
  w.addFunction(name, fn, 'none', w.block(null, [before, body, end, after]));
}

/** The sync that ends the current stage; starts the next one. */
function endStage(ctx: KernelCtx): Ref {
  const { sites, unclaimed } = ctx.segment;
  ctx.segment = { sites: [], unclaimed: false };
  if (unclaimed) {
    addBarrier(ctx.w);
    return ctx.w.call(BARRIER_FN, [ctx.fn.get(1)], 'none');
  }
  return waitSites(ctx.w, ctx.fn, () => ctx.fn.get(1), sites, (t) => ctx.local(t));
}

function emitStmt(ctx: KernelCtx, s: Stmt): Ref {
  const w = ctx.w;
  switch (s.k) {
    case 'barrier':
      if (ctx.depth > 0) ctx.fail('a barrier inside a loop or an if');
      return endStage(ctx);
    case 'store':
      if (!ctx.inDynamic && !ctx.regs.has(s.buf)) ctx.segment.unclaimed = true;   // (a register is no memory another thread sees)
      return emitStore(ctx, s);
    case 'seq': return s.body.length === 0 ? w.nop() : w.block(null, s.body.map((b) => emitStmt(ctx, b)));
    case 'if': {
      if (ctx.scope.type(s.cond).lanes > 1) ctx.fail('if on a vector condition');
      ctx.depth++;
      const then = emitStmt(ctx, s.then), els = s.else && emitStmt(ctx, s.else);
      ctx.depth--;
      return w.if(truthy(ctx, s.cond), then, els);
    }
    case 'let': {
      const t = ctx.scope.type(s.value);
      const value = t.lanes > 1 ? asValue(ctx, emitVector(ctx, s.value)) : emitScalar(ctx, s.value);
      const local = ctx.local(valType(t));
      const undo = ctx.bindVar(s.v, local, { type: t, range: t.t === 'i32' && t.lanes === 1 ? bounds(s.value, ctx.scope) : undefined });
      const body = emitStmt(ctx, s.body);
      undo();
      return w.block(null, [ctx.fn.set(local, value), body]);
    }
    case 'alloc': {
      const b = s.buf;
      if (!isRegisterBuf(b)) ctx.fail(`local buffer '${b.name}' of shape [${b.shape}] was not registerized`);
      const local = ctx.local(b.shape.length === 0 ? regTypeOf(b.dtype) : 'v128');
      const oldReg = ctx.regs.get(b.name);
      ctx.regs.set(b.name, local);
      const undoBuf = ctx.scope.bindBuf(b);
      const body = emitStmt(ctx, s.body);
      undoBuf();
      if (oldReg === undefined) ctx.regs.delete(b.name); else ctx.regs.set(b.name, oldReg);
      return body;
    }
    case 'for': return emitFor(ctx, s);
  }
}

function emitFor(ctx: KernelCtx, s: Extract<Stmt, { k: 'for' }>): Ref {
  const w = ctx.w, fn = ctx.fn;
  const parallel = s.kind === 'parallel' && !ctx.inParallel;
  const dynamic = parallel && ctx.dynamic.has(s);
  const constMin = s.min.k === 'const' ? Number(s.min.v) : undefined;
  const constExt = s.extent.k === 'const' ? Number(s.extent.v) : undefined;
  const pre: Ref[] = [];
  const i = ctx.local('i32'), end = ctx.local('i32');
  if (dynamic) {
    // claimLoop sets i and end per chunk
  } else if (parallel) {
    const ext = ctx.local('i32'), chunk = ctx.local('i32'), lo = ctx.local('i32');
    const tid = () => fn.get(0), nthreads = () => fn.get(1);
    pre.push(fn.set(ext, emitScalar(ctx, s.extent)), fn.set(lo, emitScalar(ctx, s.min)));
    pre.push(fn.set(chunk, w.binary('i32.div_u', w.binary('i32.sub', w.binary('i32.add', fn.get(ext), nthreads()), w.i32(1)), nthreads())));
    pre.push(fn.set(i, w.binary('i32.add', fn.get(lo), w.binary('i32.mul', tid(), fn.get(chunk)))));
    const hi = w.binary('i32.mul', w.binary('i32.add', tid(), w.i32(1)), fn.get(chunk));
    const capped = ctx.twice(hi, 'i32');
    pre.push(fn.set(end, w.binary('i32.add', fn.get(lo), w.select(w.binary('i32.lt_s', fn.get(ext), capped.get()), fn.get(ext), capped.first))));
  } else {
    pre.push(fn.set(i, emitScalar(ctx, s.min)));
    pre.push(fn.set(end, constMin !== undefined && constExt !== undefined ? w.i32(constMin + constExt) : w.binary('i32.add', fn.get(i), emitScalar(ctx, s.extent))));
  }
  const start = ctx.local('i32');
  const setStart = fn.set(start, fn.get(i));
  if (!dynamic) pre.push(setStart);
  const { frame, inits } = enterLoop(ctx, s.v, () => fn.get(start), s.body);

  const range: [number, number] | undefined = constMin !== undefined && constExt !== undefined && constExt > 0 ? [constMin, constMin + constExt - 1] : undefined;
  const undo = ctx.bindVar(s.v, i, { type: { t: 'i32', lanes: 1 }, range });
  const wasParallel = ctx.inParallel, wasDynamic = ctx.inDynamic;
  ctx.inParallel ||= parallel;
  ctx.inDynamic ||= dynamic;
  ctx.frames.push(frame);
  ctx.depth++;
  const body = emitStmt(ctx, s.body);
  ctx.depth--;
  ctx.frames.pop();
  ctx.inParallel = wasParallel;
  ctx.inDynamic = wasDynamic;
  undo();

  const label = w.label('L');
  const steps = [...frame.ivs.values()].filter((iv) => iv.step !== 0)
    .map((iv) => fn.set(iv.local, w.binary('i32.add', fn.get(iv.local), w.i32(iv.step))));
  const loop = w.loop(label, w.block(null, [
    body,
    fn.set(i, w.binary('i32.add', fn.get(i), w.i32(1))),
    ...steps,
    w.br(label, w.binary('i32.lt_s', fn.get(i), fn.get(end))),
  ]));
  const runs = w.block(null, [...inits, loop]);
  if (dynamic) {
    const site = ctx.opts.sched.next();
    const flow = ctx.opts.flow;
    if (flow && flow.site !== site) ctx.fail(`scheduling site ${site} where the dataflow plan has ${flow.site}`);
    const chunk = w.block(null, [setStart, w.if(w.binary('i32.lt_s', fn.get(i), fn.get(end)), runs)]);
    const { stmt, chunks } = claimLoop({
      w, fn, tid: () => fn.get(0), nthreads: () => fn.get(1), site, lo: emitScalar(ctx, s.min), extent: emitScalar(ctx, s.extent), cap: chunkCap(ctx.kernel.flops, ctx.kernel.bytes),
      begin: i, end, body: chunk, local: (t) => ctx.local(t), publish: flow?.publish, await: flow?.await,
    });
    ctx.segment.sites.push({ addr: site, chunks });
    return stmt;
  }
  const alwaysRuns = !parallel && constExt !== undefined && constExt > 0;
  return w.block(null, [...pre, alwaysRuns ? runs : w.if(w.binary('i32.lt_s', fn.get(i), fn.get(end)), runs)]);
}
