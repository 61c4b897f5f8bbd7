// The register-blocked GEMM micro-kernel: a 4x8 tile of accumulators in registers, A broadcast,
// B vector-loaded, checked against a naive matmul; and the address-generation strategy: one
// base pointer per operand with immediate offsets, no multiply inside the innermost loop.

import { describe, it, expect } from 'vitest';
import type { Stmt } from '../../compiler/ir/loop.js';
import { c, v, add, mul, load, store, seq, loop } from '../../compiler/ir/loop.js';
import { emitWasm } from '../../compiler/codegen/wasm/index.js';
import { ProgramBuilder, localBuf, instantiate, randoms } from './helpers.js';
import { gemmKernel } from '../../compiler/lower/gemm-stage.js';

const MR = 4, NR = 2;        // rows x 4-lane vectors per tile

function gemmProgram(M: number, N: number, K: number) {
  const pb = new ProgramBuilder();
  const A = pb.buf('A', 'f32', [M, K]), B = pb.buf('B', 'f32', [K, N]), C = pb.buf('C', 'f32', [M, N]);
  const acc = localBuf('acc', 'f32', [MR, NR * 4]);
  const row = add(mul(v('m0'), c(MR)), v('mi'));
  const col = (nj: string) => add(add(mul(v('n0'), c(NR * 4)), mul(v(nj), c(4))), v('x'));
  const accIdx = [v('mi'), add(mul(v('nj'), c(4)), v('x'))];
  const tile = (body: Stmt) => loop('mi', MR, loop('nj', NR, loop('x', 4, body, 'vectorize'), 'unroll'), 'unroll');
  pb.kernel('gemm', loop('m0', M / MR, loop('n0', N / (NR * 4), { k: 'alloc', buf: acc, body: seq(
    tile(store('acc', accIdx, c(0, 'f32'))),
    loop('k', K, tile(store('acc', accIdx, add(load('acc', accIdx), mul(load('A', [row, v('k')]), load('B', [v('k'), col('nj')])))))),
    tile(store('C', [row, col('nj')], load('acc', accIdx))),
  ) }), 'parallel'));
  return { p: pb.program(), A, B, C };
}

function naive(a: Float32Array, b: Float32Array, M: number, N: number, K: number): Float64Array {
  const out = new Float64Array(M * N);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += a[i * K + k] * b[k * N + j];
    out[i * N + j] = s;
  }
  return out;
}

/** The text of every innermost `loop` in a function body of the wat. */
function innermostLoops(wat: string): string[] {
  const loops: string[] = [];
  const starts = [...wat.matchAll(/\(loop /g)].map((m) => m.index!);
  for (const s of starts) {
    let depth = 0, e = s;
    for (; e < wat.length; e++) { if (wat[e] === '(') depth++; else if (wat[e] === ')' && --depth === 0) break; }
    const body = wat.slice(s, e + 1);
    if (!body.slice(1).includes('(loop ') && !body.includes('atomic')) loops.push(body);   // (not the chunk waits)
  }
  return loops;
}

describe('gemm micro-kernel', () => {
  it('matches a naive matmul (tiles over 8 x 16, parallel over row blocks)', () => {
    const M = 8, N = 16, K = 13;
    const { p, A, B, C } = gemmProgram(M, N, K);
    const inst = instantiate(p);
    const a = randoms(M * K, 7), b = randoms(K * N, 8);
    inst.f32(A).set(a); inst.f32(B).set(b);
    inst.exports.kernel_0(1, 2);            // alone: thread 1 claims every row block
    const half = inst.f32(C);
    const ref = naive(a, b, M, N, K);
    for (let i = 0; i < M * N; i++) expect(half[i]).toBeCloseTo(ref[i], 5);
  });

  it('addresses A and B with one pointer each and immediate offsets: no i32.mul in the k loop', () => {
    const { p } = gemmProgram(8, 16, 32);
    const wat = emitWasm(p).text!();
    const inner = innermostLoops(wat);
    expect(inner.length).toBe(1);
    const k = inner[0];
    expect(k).not.toContain('i32.mul');
    expect(k.match(/v128\.load32_splat offset=\d+/g)?.length).toBe(MR);
    expect(k.match(/v128\.load offset=\d+/g)?.length).toBe(NR);
    expect(k.match(/f32x4\.mul/g)?.length).toBe(MR * NR);
    // the unoptimised module too: the backend itself (not binaryen) keeps multiplies out
    const raw = innermostLoops(emitWasm(p, { optimize: false }).text!());
    expect(raw[0]).not.toContain('i32.mul');
  });

  it('uses f32x4.relaxed_madd when built with relaxed SIMD', () => {
    const M = 4, N = 8, K = 5;
    const { p, A, B, C } = gemmProgram(M, N, K);
    const { wasm, text } = emitWasm(p, { relaxedSimd: true });
    expect(text!()).toContain('f32x4.relaxed_madd');
    if (!WebAssembly.validate(wasm)) return;     // engines without relaxed SIMD (Node 20 without the flag)
    const inst = instantiate(p, { relaxedSimd: true });
    const a = randoms(M * K, 1), b = randoms(K * N, 2);
    inst.f32(A).set(a); inst.f32(B).set(b);
    inst.exports.run();
    const ref = naive(a, b, M, N, K);
    for (let i = 0; i < M * N; i++) expect(inst.f32(C)[i]).toBeCloseTo(ref[i], 5);
  });
});

describe('gemm stage: A broadcast strategy (schedule primitive broadcast)', () => {
  // A prepacked as [M/4][K][4] (the conv weights' layout), B [1][K][N], C [1][M][N].
  for (const strategy of ['load-splat', 'splat'] as const) {
    it(`${strategy}: matches a naive matmul and emits ${strategy === 'splat' ? 'one v128.load and lane shuffles' : 'v128.load32_splat'} for A`, () => {
      const M = 8, N = 16, K = 7;
      const pb = new ProgramBuilder();
      const Ap = pb.buf('A', 'f32', [M / 4, K, 4]), B = pb.buf('B', 'f32', [1, K, N]), C = pb.buf('C', 'f32', [1, M, N]);
      const k = gemmKernel({
        name: 'gemm', out: C, batch: 1, M, N, K, broadcast: strategy,
        a: (_b, ib, ii, _i, kk) => load('A', [ib, kk, ii]),
        b: (b, kk, j) => load('B', [b, kk, j]),
      });
      pb.kernel('gemm', k.body);
      const p = pb.program();
      const wat = emitWasm(p).text!();
      const inner = innermostLoops(wat).join('');
      if (strategy === 'splat') {
        expect(inner).toContain('i8x16.shuffle');
        expect(inner).not.toContain('v128.load32_splat');
      } else {
        expect(inner.match(/v128\.load32_splat/g)?.length).toBe(4);
      }
      const a = randoms(M * K, 3), bv = randoms(K * N, 4);
      const packed = new Float32Array(M * K);
      for (let i = 0; i < M; i++) for (let kk = 0; kk < K; kk++) packed[(Math.floor(i / 4) * K + kk) * 4 + (i % 4)] = a[i * K + kk];
      const inst = instantiate(p);
      inst.f32(Ap).set(packed); inst.f32(B).set(bv);
      inst.exports.run();
      const ref = naive(a, bv, M, N, K);
      for (let i = 0; i < M * N; i++) expect(inst.f32(C)[i]).toBeCloseTo(ref[i], 5);
    });
  }
});

describe('gemm stage: which loop the threads split', () => {
  /** The variable and trip count of the first parallel loop of a lowered body. */
  const parallelLoop = (s: Stmt): { v: string; extent: number } | undefined => {
    switch (s.k) {
      case 'for': return s.kind === 'parallel' ? { v: s.v, extent: Number((s.extent as { v: number }).v) } : parallelLoop(s.body);
      case 'seq': for (const x of s.body) { const r = parallelLoop(x); if (r) return r; } return undefined;
      case 'let': case 'alloc': return parallelLoop(s.body);
      default: return undefined;
    }
  };
  const split = (M: number, N: number, K: number) => {
    const pb = new ProgramBuilder();
    const A = pb.buf('A', 'f32', [M, K]), B = pb.buf('B', 'f32', [K, N]), C = pb.buf('C', 'f32', [1, M, N]);
    const k = gemmKernel({ name: 'g', out: C, batch: 1, M, N, K, a: (_b, _ib, _ii, i, kk) => load(A.name, [i, kk]), b: (_b, kk, j) => load(B.name, [kk, j]) });
    return parallelLoop(k.body);
  };

  it('splits rows when B stays in L2 and there are rows to share (MobileNetV2 14x14 1x1 convs), so each thread reads rows it wrote', () => {
    expect(split(196, 384, 64)).toEqual({ v: 'ib', extent: 49 });      // 96 KB of weights
    expect(split(196, 64, 384)).toEqual({ v: 'ib', extent: 49 });
  });

  it('walks column tiles outermost when B is big (a transformer FFN) or rows are few (a classifier)', () => {
    expect(split(196, 1024, 256)).toEqual({ v: 'jo', extent: 128 });     // 1 MB of weights
    expect(split(4, 1000, 1280)).toEqual({ v: 'jo', extent: 125 });
  });
});

