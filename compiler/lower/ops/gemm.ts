// Gemm and MatMul as the register-blocked GEMM stage. Constant B operands are prepacked [K][N]
// (transposed at compile time when transB, alpha folded in), so the kernel's vector loads run along N;
// a MatMul's activation B with non-adjacent columns is packed at run time (pack-panels.ts).

import type { Expr } from '../../ir/loop.js';
import { add, c, f, load, mul, bin } from '../../ir/loop.js';
import type { Node } from '../../ir/graph.js';
import type { LowerCtx, LoweredKernel, OpLowerer } from '../context.js';
import { columnTile, gemmKernel, packColumnPanels, type GemmSpec } from '../gemm-stage.js';
import { gemmRowsKernel } from '../gemm-rows.js';
import { fusedRowOp } from '../../passes/fuse-row-ops.js';
import { foldedLayerNorm } from '../../passes/fold-layernorm.js';
import { lnFoldKernels, type ARows } from '../gemm-lnfold.js';
import { broadcastIndex } from '../index-math.js';
import { epilogueOf, epilogueSteps } from '../epilogue.js';
import { packPanels, wantsPacking } from '../pack-panels.js';
import { reshapeStrides } from '../views.js';

export const lowerGemm: OpLowerer = (node, ctx) => {
  const a = ctx.buf(node.inputs[0]);
  const transA = node.attrs.transA === 1, transB = node.attrs.transB === 1;
  const alpha = (node.attrs.alpha as number | undefined) ?? 1, beta = (node.attrs.beta as number | undefined) ?? 1;
  const [M, K] = transA ? [a.shape[1], a.shape[0]] : a.shape;
  const bConst = ctx.constOf(node.inputs[1]);
  const bShape = ctx.graph.values.get(node.inputs[1])!.shape as number[];
  const N = transB ? bShape[0] : bShape[1];
  const bScaled = !!bConst;
  const tn = columnTile(N);
  const bb = bConst ? ctx.weight(`${node.name}.bpack`, 'f32', [Math.ceil(N / tn), K, tn], packColumnPanels(bConst, K, N, tn, transB, alpha)) : ctx.buf(node.inputs[1]);
  const cb = node.inputs[2] ? ctx.buf(node.inputs[2]) : undefined;
  const out = ctx.buf(node.outputs[0]);
  const bT = transB && !bConst;
  return contraction(node, ctx, {
    name: node.name, out: ctx.view(out, [1, M, N]), batch: 1, M, N, K,
    a: (_b, _ib, _ii, i, k) => load(a.name, transA ? [k, i] : [i, k]),
    b: (_b, k, j, jo, jt) => (bConst ? load(bb.name, [jo, k, jt]) : load(bb.name, bT ? [j, k] : [k, j])),
    epilogue: (acc, _b, i, j) => {
      let e: Expr = bScaled || alpha === 1 ? acc : mul(acc, f(alpha));
      if (cb && beta !== 0) {
        const axes = [{ name: 'i', extent: M }, { name: 'j', extent: N }];
        const idx = broadcastIndex(cb.shape, axes).map((x) => (x.k === 'var' ? (x.name === 'i' ? i : j) : x));
        const term = load(cb.name, idx);
        e = add(e, beta === 1 ? term : mul(term, f(beta)));
      }
      return epilogueOf(node, ctx, e, [i, j], [M, N]);
    },
  }, { rows: () => a, row: (_b, i) => i });
};

/**
 * The GEMM stage of a node, with the row op fused into it (passes/fuse-row-ops.ts) if any, and
 * with the LayerNorm of its A rows folded into it (passes/fold-layernorm.ts, gemm-lnfold.ts) if any.
 */
function contraction(node: Node, ctx: LowerCtx, spec: GemmSpec, a: ARows): LoweredKernel[] {
  const rowOp = fusedRowOp(node) !== undefined;
  const gemm = (s: GemmSpec) => (rowOp ? gemmRowsKernel(node, ctx, s) : gemmKernel(s));
  const ln = foldedLayerNorm(node);
  return ln ? lnFoldKernels(node.name, ctx, spec, a, ln, gemm) : [gemm(spec)];
}

export const lowerMatMul: OpLowerer = (node, ctx) => {
  const a = ctx.buf(node.inputs[0]), b = ctx.buf(node.inputs[1]), out = ctx.buf(node.outputs[0]);
  const aS = a.shape.length === 1 ? [1, a.shape[0]] : a.shape;
  const bS = b.shape.length === 1 ? [b.shape[0], 1] : b.shape;
  const M = aS[aS.length - 2], K = aS[aS.length - 1], N = bS[bS.length - 1];
  const rank = Math.max(aS.length, bS.length);
  const outBatch = [...Array(rank - 2)].map((_, d) => {
    const da = aS[d - (rank - aS.length)] ?? 1, db = bS[d - (rank - bS.length)] ?? 1;
    return Math.max(da, db);
  });
  const Bt = outBatch.reduce((x, y) => x * y, 1);
  // Flat batch index of an operand broadcast against the output batch dims.
  const batchOf = (shape: number[], bv: Expr): Expr => {
    const own = shape.slice(0, -2);
    let e: Expr = c(0), outStride = 1, ownStride = 1;
    for (let d = outBatch.length - 1; d >= 0; d--) {
      const od = own[d - (outBatch.length - own.length)];
      if (od !== undefined && od !== 1) e = add(e, mul(bin('rem', bin('div', bv, c(outStride)), c(outBatch[d])), c(ownStride)));
      outStride *= outBatch[d];
      if (od !== undefined) ownStride *= od;
    }
    return e;
  };
  const aBt = aS.slice(0, -2).reduce((x, y) => x * y, 1), bBt = bS.slice(0, -2).reduce((x, y) => x * y, 1);
  // A batched A against one shared B is one GEMM over all rows (not Bt small ones re-reading B),
  // when the epilogue cannot tell the row of a batch from the flattened row (M = 1, or no epilogue).
  // (A strided output, plan-store-through.ts, may not let its batch rows merge: then per batch.)
  const rowsMerge = reshapeStrides(out.shape, out.strides, [1, Bt * M, N]) !== undefined;
  if (bBt === 1 && aBt === Bt && rowsMerge && (Bt === 1 || M === 1 || epilogueSteps(node).length === 0)) {
    const rows = Bt * M, av2 = ctx.view(a, [1, rows, K]);
    const bData = ctx.constOf(node.inputs[1]);
    const tn = columnTile(N);
    const bp = bData ? ctx.weight(`${node.name}.bpack`, 'f32', [Math.ceil(N / tn), K, tn], packColumnPanels(bData, K, N, tn, false, 1)) : ctx.view(b, [1, K, N]);
    const pack = !bData && wantsPacking(bp, N, rows) ? packPanels(ctx, node.name, bp, 1, K, N, tn) : undefined;
    const gemm = contraction(node, ctx, {
      name: node.name, out: ctx.view(out, [1, rows, N]), batch: 1, M: rows, N, K,
      a: (_b, _ib, _ii, i, k) => load(av2.name, [c(0), i, k]),
      b: (_b, k, j, jo, jt) => (bData ? load(bp.name, [jo, k, jt]) : pack ? load(pack.packed.name, [c(0), jo, k, jt]) : load(bp.name, [c(0), k, j])),
      epilogue: (acc, _b, i, j) => epilogueOf(node, ctx, acc, [c(0), i, j], [1, rows, N]),
    }, { rows: () => ctx.view(a, [rows, K]), row: (_b, i) => i });
    return pack ? [pack.stage, ...gemm] : gemm;
  }
  const av = ctx.view(a, [aBt, M, K]), bv = ctx.view(b, [bBt, K, N]);
  const bIdx = (bi: Expr) => (bBt === 1 ? c(0) : batchOf(bS, bi));
  // B with non-adjacent columns (a transposed activation): packed into panels first
  const pack = wantsPacking(bv, N, M) ? packPanels(ctx, node.name, bv, bBt, K, N, columnTile(N)) : undefined;
  const gemm = contraction(node, ctx, {
    name: node.name, out: ctx.view(out, [Bt, M, N]), batch: Bt, M, N, K,
    a: (bi, _ib, _ii, i, k) => load(av.name, [aBt === 1 ? c(0) : batchOf(aS, bi), i, k]),
    b: (bi, k, j, jo, jt) => (pack ? load(pack.packed.name, [bIdx(bi), jo, k, jt]) : load(bv.name, [bIdx(bi), k, j])),
    epilogue: (acc, bi, i, j) => epilogueOf(node, ctx, acc, [bi, i, j], [Bt, M, N]),
  }, { rows: () => ctx.view(a, [aBt * M, K]), row: (bi, i) => (aBt === 1 ? i : add(mul(batchOf(aS, bi), c(M)), i)) });
  return pack ? [pack.stage, ...gemm] : gemm;
};
