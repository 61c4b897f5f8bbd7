// A GEMM with a LayerNorm of its A rows folded in (passes/fold-layernorm.ts): B holds
// W' = diag(gamma) W, and per row mu and r = 1/sqrt(var + eps) come from a first stage over the rows:
//   stage 1, parallel over rows o:  mu[o], r[o], far[o] = |mu[o]| * r[o] > FAR
//   stage 2 (each thread): far = max_o far[o]
//           parallel over tiles:    far == 0:  acc = A . W'          -> r * (acc - mu * colsum[j]) + t[j]
//                                   else:      acc = (A - mu) . W'   -> r * acc + t[j]
// then the node's own epilogue. The first form reads A as it is (the GEMM's inner loop unchanged),
// but subtracts mu * colsum after the products, which costs float32 digits when a row's mean is far
// above its spread (relative error ~ 6e-8 * |mu| * r); rows that far make the whole GEMM take the
// second form, which centres each A element as it loads it (slower, exact). Both forms share one
// loop over tiles (dynamically scheduled), branching inside it on a value every thread computed the
// same. When a row op is fused too, the same holds for the row-block GEMM (gemm-rows.ts).

import type { Buf, Expr, Stmt } from '../ir/loop.js';
import { add, bin, c, f, load, loop, max, mul, seq, store, sub, v } from '../ir/loop.js';
import type { LowerCtx, LoweredKernel } from './context.js';
import type { GemmSpec } from './gemm-stage.js';
import { rowStats } from './ops/layernorm.js';
import { ROW_TILE } from './row-reduce.js';
import { mergeOuterLoops, sameLoopHeader } from './merge-loops.js';
import { lowerStage } from '../schedule/lower-stage.js';
import type { FoldedLayerNorm } from '../passes/fold-layernorm.js';

/**
 * |mu| * r above which a row takes the centred form. The folded form's extra error grows with it: at
 * ~9 it measured 9e-7 relative against 4e-7 unfolded, at ~50 7e-6 against 4e-6 (test/passes/fold-layernorm.test.ts).
 */
const FAR = 16;

/** Where a GEMM's A rows are: all of them as [rows, K], and the row of (batch, row in batch). */
export interface ARows { rows(): Buf; row(b: Expr, i: Expr): Expr }

export function lnFoldKernels(name: string, ctx: LowerCtx, spec: GemmSpec, a: ARows, ln: FoldedLayerNorm, gemm: (s: GemmSpec) => LoweredKernel): LoweredKernel[] {
  const src = a.rows(), [O, D] = src.shape;
  const temp = (what: string) => ctx.temp(`${name}.${what}`, 'f32', [O]);
  const mean = temp('mean'), inv = temp('inv'), far = temp('far');
  const o = v('o');
  const farDef = {
    name: `${name}.ln.far`, out: far.name, type: 'f32' as const, axes: [{ name: 'o', extent: O }],
    body: { k: 'select' as const, c: bin('gt', mul({ k: 'un' as const, op: 'abs' as const, a: load(mean.name, [o]) }, load(inv.name, [o])), f(FAR)), a: f(1), b: f(0) },
  };
  const stats = [
    ...rowStats({
      name: `${name}.ln`, O, D, eps: ln.epsilon, x: (d) => load(src.name, [o, d]), mean, inv,
      part: D >= ROW_TILE && O > 1 ? ctx.temp(`${name}.part`, 'f32', [O, ROW_TILE]) : undefined,
    }),
    lowerStage(farDef, [{ p: 'parallel', axis: 'o' }]),   // the rows' loop, merged with the statistics'
  ];
  const colsum = ctx.buf(ln.colsum), shift = ctx.buf(ln.shift);
  const rLoad = (b: Expr, i: Expr) => load(inv.name, [a.row(b, i)]);
  const folded = gemm({ ...spec, finalize: (acc, b, i, j) =>
    add(mul(rLoad(b, i), sub(acc, mul(load(mean.name, [a.row(b, i)]), load(colsum.name, [j])))), load(shift.name, [j])) });
  const centred = gemm({ ...spec,
    a: (b, ib, ii, i, k) => sub(spec.a(b, ib, ii, i, k), load(mean.name, [a.row(b, i)])),
    finalize: (acc, b, i, j) => add(mul(rLoad(b, i), acc), load(shift.name, [j])) });
  // every thread: far = max over the rows' flags, then the tiles of whichever form it says
  const flag: Buf = { name: `${name}.far.any`, dtype: 'f32', shape: [1], strides: [1], offset: 0, storage: '', scope: 'local' };
  const any = load(flag.name, [c(0)]);
  const body: Stmt = {
    k: 'alloc', buf: flag, body: seq(
      store(flag.name, [c(0)], f(0)),
      loop('lnrow', O, store(flag.name, [c(0)], max(any, load(far.name, [v('lnrow')])))),
      branchTiles(folded.body, centred.body, bin('eq', any, f(0))),
    ),
  };
  return [{ name: `${name}.ln`, body: mergeOuterLoops(stats), flops: 5 * O * D }, { name, body, flops: folded.flops }];
}

/**
 * The two GEMM forms (the same loop nest down to their parallel loop) as one, the parallel loop's
 * body chosen by `cond`: the serial loops around it (a batch loop of extent 1) are walked through.
 */
function branchTiles(a: Stmt, b: Stmt, cond: Expr): Stmt {
  if (!sameLoopHeader(a, b) || a.k !== 'for' || b.k !== 'for') throw new Error('internal: the two forms of a LayerNorm-folded GEMM do not share their loops');
  return { ...a, body: a.kind === 'parallel' ? { k: 'if', cond, then: a.body, else: b.body } : branchTiles(a.body, b.body, cond) };
}
