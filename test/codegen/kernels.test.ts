// End-to-end numerics of the backend on small hand-built kernels: emit, instantiate, run, compare
// with the same computation in JS.

import { describe, it, expect } from 'vitest';
import type { Expr, Stmt } from '../../compiler/ir/loop.js';
import { c, f, v, add, mul, sub, max, bin, load, store, seq, loop } from '../../compiler/ir/loop.js';
import { META_SECTION } from '../../runtime/meta.js';
import { emitWasm } from '../../compiler/codegen/wasm/index.js';
import { chunkCap } from '../../compiler/codegen/wasm/sched.js';
import { ProgramBuilder, localBuf, instantiate, randoms } from './helpers.js';

const cast = (t: 'f32' | 'i32' | 'i64', a: Expr): Expr => ({ k: 'cast', t, a });
const select = (cond: Expr, a: Expr, b: Expr): Expr => ({ k: 'select', c: cond, a, b });

describe('elementwise', () => {
  it('vectorizes with a scalar tail and a broadcast operand', () => {
    const R = 3, C = 10;
    const pb = new ProgramBuilder();
    const A = pb.buf('A', 'f32', [R, C]), Bv = pb.buf('B', 'f32', [C]), S = pb.buf('S', 'f32', [R]), O = pb.buf('O', 'f32', [R, C]);
    const ij = [v('i'), v('j')];
    pb.kernel('ew', loop('i', R, loop('j', C,
      store('O', ij, mul(max(add(load('A', ij), f(1)), f(0)), add(load('B', [v('j')]), load('S', [v('i')])))), 'vectorize')));
    const inst = instantiate(pb.program());
    const a = randoms(R * C, 3), b = randoms(C, 4), s = randoms(R, 5);
    inst.f32(A).set(a); inst.f32(Bv).set(b); inst.f32(S).set(s);
    inst.exports.run();
    const o = inst.f32(O);
    for (let i = 0; i < R; i++) for (let j = 0; j < C; j++)
      expect(o[i * C + j]).toBe(Math.fround(Math.fround(Math.max(Math.fround(a[i * C + j] + 1), 0)) * Math.fround(b[j] + s[i])));
    const text = inst.text!();
    expect(text).toContain('v128.load32_splat');
    expect(text).toContain('f32x4.pmax');   // max against a constant (simd.ts)
  });

  it('splits a long vectorized loop into a loop of vector bodies', () => {
    const N = 64 + 3;
    const pb = new ProgramBuilder();
    const A = pb.buf('A', 'f32', [N]), O = pb.buf('O', 'f32', [N]);
    pb.kernel('neg', loop('i', N, store('O', [v('i')], { k: 'un', op: 'neg', a: load('A', [v('i')]) }), 'vectorize'));
    const inst = instantiate(pb.program());
    const a = randoms(N, 9);
    inst.f32(A).set(a);
    inst.exports.run();
    expect(Array.from(inst.f32(O))).toEqual(Array.from(a).map((x) => -x));
  });

  it('selects on vector comparisons and stores masks as 0/1', () => {
    const N = 12;
    const pb = new ProgramBuilder();
    const A = pb.buf('A', 'f32', [N]), O = pb.buf('O', 'f32', [N]), M = pb.buf('M', 'u8', [N]), M2 = pb.buf('M2', 'u8', [N]);
    const x = load('A', [v('i')]);
    const body = seq(
      store('O', [v('i')], select(bin('gt', x, f(0)), x, mul(x, f(0.125)))),
      store('M', [v('i')], bin('and', bin('lt', x, f(0.5)), bin('ge', x, f(-0.5)))),
    );
    pb.kernel('leaky', loop('i', N, body, 'vectorize'));
    pb.kernel('mask-scalar', loop('i', N, store('M2', [v('i')], bin('and', bin('lt', x, f(0.5)), bin('ge', x, f(-0.5))))));
    const inst = instantiate(pb.program());
    const a = randoms(N, 11);
    inst.f32(A).set(a);
    inst.exports.run();
    const o = inst.f32(O), m = inst.view(M, Uint8Array), m2 = inst.view(M2, Uint8Array);
    for (let i = 0; i < N; i++) {
      expect(o[i]).toBe(a[i] > 0 ? a[i] : Math.fround(a[i] * 0.125));
      expect(m[i]).toBe(a[i] < 0.5 && a[i] >= -0.5 ? 1 : 0);
      expect(m2[i]).toBe(m[i]);
    }
  });

  it('does integer div/rem/shifts lane by lane and casts', () => {
    const N = 8;
    const pb = new ProgramBuilder();
    const A = pb.buf('A', 'i32', [N]), Bb = pb.buf('B', 'i32', [N]), O = pb.buf('O', 'i32', [N]), F = pb.buf('F', 'f32', [N]);
    const a = load('A', [v('i')]), b = load('B', [v('i')]);
    pb.kernel('int', loop('i', N, seq(
      store('O', [v('i')], add(add(bin('div', a, b), bin('rem', a, b)), bin('shr', a, bin('and', b, c(7))))),
      store('F', [v('i')], add(cast('f32', a), cast('f32', cast('i32', mul(cast('f32', b), f(2.75)))))),
    ), 'vectorize'));
    const inst = instantiate(pb.program());
    const av = [-100, 77, 5, -9, 1000, 3, -2147483647, 64], bv = [7, -3, 2, 4, 9, 1, 3, -5];
    inst.i32(A).set(av); inst.i32(Bb).set(bv);
    inst.exports.run();
    for (let i = 0; i < N; i++) {
      expect(inst.i32(O)[i]).toBe((((av[i] / bv[i]) | 0) + (av[i] % bv[i]) + (av[i] >> (bv[i] & 7))) | 0);
      expect(inst.f32(F)[i]).toBe(Math.fround(Math.fround(av[i]) + Math.trunc(bv[i] * 2.75)));
    }
  });
});

describe('memory access patterns', () => {
  it('reduces with a local accumulator and across vector lanes', () => {
    const R = 5, C = 8;
    const pb = new ProgramBuilder();
    const A = pb.buf('A', 'f32', [R, C]), RowSum = pb.buf('RowSum', 'f32', [R]), ColSum = pb.buf('ColSum', 'f32', [C]);
    const acc = localBuf('acc', 'f32', [1]);
    pb.kernel('rows', loop('i', R, { k: 'alloc', buf: acc, body: seq(
      store('acc', [c(0)], f(0)),
      loop('j', C, store('acc', [c(0)], add(load('acc', [c(0)]), load('A', [v('i'), v('j')])))),
      store('RowSum', [v('i')], load('acc', [c(0)])),
    ) }));
    pb.kernel('cols', seq(
      loop('j', C, store('ColSum', [v('j')], f(0)), 'vectorize'),
      loop('i', R, loop('j', C, store('ColSum', [v('j')], add(load('ColSum', [v('j')]), load('A', [v('i'), v('j')]))), 'vectorize')),
    ));
    const inst = instantiate(pb.program());
    const a = randoms(R * C, 21);
    inst.f32(A).set(a);
    inst.exports.run();
    for (let i = 0; i < R; i++) {
      let s = 0; for (let j = 0; j < C; j++) s = Math.fround(s + a[i * C + j]);
      expect(inst.f32(RowSum)[i]).toBe(s);
    }
    for (let j = 0; j < C; j++) {
      let s = 0; for (let i = 0; i < R; i++) s = Math.fround(s + a[i * C + j]);
      expect(inst.f32(ColSum)[j]).toBe(s);
    }
  });

  it('gathers strided loads (transpose) and indexed loads, scatters indexed stores', () => {
    const R = 6, C = 8;
    const pb = new ProgramBuilder();
    const A = pb.buf('A', 'f32', [R, C]), T = pb.buf('T', 'f32', [C, R]);
    const Idx = pb.buf('Idx', 'i32', [C]), G = pb.buf('G', 'f32', [C]), Sc = pb.buf('Sc', 'f32', [C]);
    pb.kernel('transpose', loop('j', C, loop('i', R, store('T', [v('j'), v('i')], load('A', [v('i'), v('j')])), 'vectorize')));
    pb.kernel('gather', loop('j', C, store('G', [v('j')], load('A', [c(1), load('Idx', [v('j')])])), 'vectorize'));
    pb.kernel('scatter', loop('j', C, store('Sc', [load('Idx', [v('j')])], load('A', [c(2), v('j')])), 'vectorize'));
    const inst = instantiate(pb.program());
    const a = randoms(R * C, 31), idx = [3, 0, 7, 1, 6, 2, 5, 4];
    inst.f32(A).set(a); inst.i32(Idx).set(idx);
    inst.exports.run();
    for (let j = 0; j < C; j++) for (let i = 0; i < R; i++) expect(inst.f32(T)[j * R + i]).toBe(a[i * C + j]);
    for (let j = 0; j < C; j++) expect(inst.f32(G)[j]).toBe(a[C + idx[j]]);
    for (let j = 0; j < C; j++) expect(inst.f32(Sc)[idx[j]]).toBe(a[2 * C + j]);
    expect(inst.text!()).toContain('v128.load32_lane');
  });

  it('handles i64 (scalar fallback) and i8/u8/i16 loads that widen and stores that wrap', () => {
    const N = 8;
    const pb = new ProgramBuilder();
    const A64 = pb.buf('A64', 'i64', [N]), B8 = pb.buf('B8', 'i8', [N]), U8 = pb.buf('U8', 'u8', [N]), S16 = pb.buf('S16', 'i16', [N]);
    const O64 = pb.buf('O64', 'i64', [N]), O32 = pb.buf('O32', 'i32', [N]), W8 = pb.buf('W8', 'u8', [N]), W16 = pb.buf('W16', 'i16', [N]);
    const i = [v('i')];
    pb.kernel('i64', loop('i', N, store('O64', i, add(mul(load('A64', i), c(3, 'i64')), cast('i64', load('B8', i)))), 'vectorize'));
    pb.kernel('narrow', loop('i', N, seq(
      store('O32', i, add(add(load('B8', i), load('U8', i)), load('S16', i))),
      store('W8', i, mul(load('U8', i), c(3))),
      store('W16', i, mul(load('S16', i), c(5))),
    ), 'vectorize'));
    const inst = instantiate(pb.program());
    const a64 = [1n, -2n, 3n ** 30n, -(2n ** 40n), 0n, 5n, 7n, -9n], b8 = [-128, 127, -1, 0, 5, -7, 100, -100];
    const u8 = [255, 0, 128, 7, 200, 1, 99, 250], s16 = [-32768, 32767, -5, 1000, 0, -1, 12345, -12345];
    inst.view(A64, BigInt64Array).set(a64); inst.view(B8, Int8Array).set(b8); inst.view(U8, Uint8Array).set(u8); inst.view(S16, Int16Array).set(s16);
    inst.exports.run();
    for (let k = 0; k < N; k++) {
      expect(inst.view(O64, BigInt64Array)[k]).toBe(BigInt.asIntN(64, a64[k] * 3n + BigInt(b8[k])));
      expect(inst.i32(O32)[k]).toBe(b8[k] + u8[k] + s16[k]);
      expect(inst.view(W8, Uint8Array)[k]).toBe((u8[k] * 3) & 0xff);
      expect(inst.view(W16, Int16Array)[k]).toBe(((s16[k] * 5) << 16) >> 16);
    }
  });

  it('copies weights in init() and reports I/O offsets in the metadata', () => {
    const pb = new ProgramBuilder();
    const data = new Float32Array([1.5, -2, 3.25, 4, 5, 6, 7, 8.5]);
    const W = pb.buf('W', 'f32', [8], 'weight', new Uint8Array(data.buffer));
    const X = pb.buf('X', 'f32', [8]), Y = pb.buf('Y', 'f32', [8]);
    pb.kernel('addw', loop('i', 8, store('Y', [v('i')], add(load('X', [v('i')]), load('W', [v('i')]))), 'vectorize'));
    const p = pb.program('m', ['X'], ['Y']);
    const { wasm, meta } = emitWasm(p, { compilerVersion: '9.9.9' });
    expect(meta.inputs[0]).toEqual({ name: 'X', dtype: 'float32', shape: [8], offset: p.storages.get('X')!.offset });
    expect(meta.outputs[0].offset).toBe(p.storages.get('Y')!.offset);
    expect(meta.weights.bytes).toBe(32);
    expect(meta.compiler).toBe('9.9.9');
    const sections = WebAssembly.Module.customSections(new WebAssembly.Module(wasm), META_SECTION);
    expect(JSON.parse(new TextDecoder().decode(sections[0]))).toEqual(meta);
    const inst = instantiate(p);
    expect(Array.from(inst.f32(W))).toEqual(Array.from(data));
    inst.f32(X).set([1, 1, 1, 1, 1, 1, 1, 1]);
    inst.exports.run();
    expect(Array.from(inst.f32(Y))).toEqual(Array.from(data).map((x) => x + 1));
  });
});

describe('addresses', () => {
  it('handles negative constant parts, reversed indices, guards and vector lets', () => {
    const N = 12;
    const pb = new ProgramBuilder();
    const A = pb.buf('A', 'f32', [N]), D = pb.buf('D', 'f32', [N]), R = pb.buf('R', 'f32', [N]), G = pb.buf('G', 'f32', [N]);
    const i = v('i');
    pb.kernel('diff', loop('i', N - 1, store('D', [add(i, c(1))], sub(load('A', [add(i, c(1))]), load('A', [i])))));
    pb.kernel('reverse', loop('i', N, { k: 'let', v: 't', value: mul(load('A', [sub(c(N - 1), i)]), f(3)),
      body: store('R', [i], add(v('t'), v('t'))) }, 'vectorize'));
    pb.kernel('guard', loop('o', 3, loop('i', 5, { k: 'if', cond: bin('lt', add(mul(v('o'), c(5)), i), c(N)),
      then: store('G', [add(mul(v('o'), c(5)), i)], load('A', [sub(add(mul(v('o'), c(5)), i), c(0))])) })));
    const inst = instantiate(pb.program());
    const a = randoms(N, 51);
    inst.f32(A).set(a);
    inst.exports.run();
    for (let k = 1; k < N; k++) expect(inst.f32(D)[k]).toBe(Math.fround(a[k] - a[k - 1]));
    for (let k = 0; k < N; k++) expect(inst.f32(R)[k]).toBe(Math.fround(2 * Math.fround(a[N - 1 - k] * 3)));
    expect(Array.from(inst.f32(G))).toEqual(Array.from(a));
  });
});

/**
 * A kernel whose parallel loop over n iterations records the order they ran in (one chunk may hold
 * several); its work caps the loop at `chunks` chunks (sched.ts's chunkCap), whatever the chunks per thread.
 */
function orderKernel(n: number, chunks = 16) {
  const pb = new ProgramBuilder();
  const O = pb.buf('O', 'i32', [n]);
  pb.buf('Cnt', 'i32', [1]);
  const tick = seq(store('O', [v('i')], load('Cnt', [c(0)])), store('Cnt', [c(0)], add(load('Cnt', [c(0)]), c(1))));
  const flops = chunks * 512 * 1024;
  expect(chunkCap(flops, 0)).toBe(chunks);
  pb.kernel('order', loop('i', n, tick, 'parallel'), flops);
  const inst = instantiate(pb.program());
  const order = () => Array.from(inst.i32(O).entries()).sort((a, b) => a[1] - b[1]).map(([i]) => i);
  return { inst, order };
}

/** A sequence cut into runs of consecutive ascending values (the chunks, when a thread runs each in order). */
function runs(seq: number[]): number[][] {
  const out: number[][] = [];
  for (const x of seq) { const last = out[out.length - 1]; if (last && x === last[last.length - 1] + 1) last.push(x); else out.push([x]); }
  return out;
}

describe('threads', () => {
  it('schedules a lone top-level parallel loop dynamically: the first thread in takes every unclaimed chunk', () => {
    const N = 10;
    const pb = new ProgramBuilder();
    const O = pb.buf('O', 'i32', [N]);
    pb.kernel('par', loop('i', N, store('O', [v('i')], add(mul(v('i'), c(2)), c(1))), 'parallel'));
    const inst = instantiate(pb.program());
    const o = inst.i32(O);
    const all = Array.from({ length: N }, (_, i) => 2 * i + 1);
    inst.exports.kernel_0(1, 3);                  // alone, thread 1 claims all 10 chunks (<= 4 per thread) and returns when they are done
    expect(Array.from(o)).toEqual(all);
    o.fill(0);
    inst.exports.kernel_0(0, 3);                  // the counters say every chunk was taken: nothing left
    inst.exports.kernel_0(2, 3);
    expect(Array.from(o)).toEqual(new Array(N).fill(0));
    inst.resetSched();
    inst.exports.kernel_0(0, 1);                  // one thread touches no counter: all of it, every time
    expect(Array.from(o)).toEqual(all);
    o.fill(0);
    inst.exports.run();
    expect(Array.from(o)).toEqual(all);
  });

  it('gives thread t lane t of the chunks (odd lanes from their back), then takes the other lanes from the end their owner reaches last', () => {
    // Lanes keep the rows a thread wrote in one kernel on that thread in the next (their cache);
    // taking another lane from the end its owner reaches last leaves that owner its first chunks.
    // Odd lanes run backwards, so neighbouring lanes meet where both owners end.
    const N = 12;
    const pb = new ProgramBuilder();
    const O = pb.buf('O', 'i32', [N]), Cnt = pb.buf('Cnt', 'i32', [1]);
    const tick = seq(store('O', [v('i')], load('Cnt', [c(0)])), store('Cnt', [c(0)], add(load('Cnt', [c(0)]), c(1))));
    pb.kernel('order', loop('i', N, tick, 'parallel'), 64 * 1024 * 1024);   // work enough for a chunk per iteration
    const inst = instantiate(pb.program());
    const order = () => Array.from(inst.i32(O).entries()).sort((a, b) => a[1] - b[1]).map(([i]) => i);
    inst.exports.kernel_0(1, 3);                  // alone: lane 1 = [4, 8) from its back, then lanes 2 and 0 (forward lanes) from their backs
    expect(order()).toEqual([7, 6, 5, 4, 11, 10, 9, 8, 3, 2, 1, 0]);
    inst.resetSched();
    inst.i32(Cnt)[0] = 0;
    inst.exports.kernel_0(0, 2);                  // 2 lanes of 6: its own in order, then lane 1 (backward) chunk by chunk from its front
    const two = order();
    expect(two.slice(0, 6)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(two[6]).toBe(6);
    expect(runs(two.slice(6)).map((r) => r[0])).toEqual([...runs(two.slice(6)).map((r) => r[0])].sort((a, b) => a - b));
    inst.resetSched();
    inst.i32(Cnt)[0] = 0;
    inst.exports.kernel_0(7, 10);                 // 10 threads share 8 lanes (uneven: 12 chunks); every chunk still once
    expect([...order()].sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(order().slice(0, 2)).toEqual([11, 10]);  // lane 7 of 8 over 12 chunks: [floor(7 * 12 / 8), 12), backwards
  });

  it('spreads the iterations left over from an uneven chunk count, so lane t starts at iteration t * extent / lanes', () => {
    // 28 iterations in 16 chunks (2 threads): lane 1 starts at 14, half way, as the 28
    // rows of the kernels before and after it split. (Giving the first 12 chunks 2 iterations each
    // put lane 1 at 16.)
    const { inst, order } = orderKernel(28);
    inst.exports.kernel_0(1, 2);                  // alone: its own lane [14, 28) from its back, then lane 0 from its back
    const seen = order();
    expect([...seen.slice(0, 14)].sort((a, b) => a - b)).toEqual(Array.from({ length: 14 }, (_, i) => 14 + i));
    expect(runs(seen.slice(0, 14))[0]).toContain(27);
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 28 }, (_, i) => i));
    expect(seen[14]).toBe(13);
  });

  it('shrinks the chunks along each lane (guided), so the last ones, waited on or taken from the back, are short', () => {
    // 64 iterations, 2 lanes of 8 chunks: even chunks would be 4 iterations each; guided ones
    // weigh 8, 7, ..., 1 along the lane (codegen/wasm/sched.ts).
    const { inst, order } = orderKernel(64);
    inst.exports.kernel_0(1, 2);                  // alone: lane 1 from its back, then lane 0 chunk by chunk from its back
    const seen = order();
    const own = runs(seen.slice(0, 32));          // lane 1 runs backwards: its long first chunk ends at 63, its last is [32]
    expect(own.map((r) => r[0])).toEqual([...own.map((r) => r[0])].sort((a, b) => b - a));
    expect(own[0][own[0].length - 1]).toBe(63);
    expect(own[0].length).toBeGreaterThanOrEqual(6);
    expect(own[own.length - 1]).toEqual([32]);
    const stolen = runs(seen.slice(32));          // lane 0's chunks in the order taken: back first
    expect(stolen.map((r) => r[0])).toEqual([...stolen.map((r) => r[0])].sort((a, b) => b - a));
    expect(stolen.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 32 }, (_, i) => i));
    expect(stolen[0]).toEqual([31]);              // the last chunk: one iteration
    expect(stolen[stolen.length - 1].length).toBeGreaterThanOrEqual(6);   // the first: 32 * 8/36 of them
  });

  it('keeps the static split (chunk tid of nthreads) for parallel loops nested in a serial loop, or sharing a stage', async () => {
    const N = 10;
    const pb = new ProgramBuilder();
    const O = pb.buf('O', 'i32', [N]), P = pb.buf('P', 'i32', [N]);
    pb.kernel('nested', loop('r', 2, loop('i', N, store('O', [v('i')], add(mul(v('tid'), c(100)), v('i'))), 'parallel')));
    pb.kernel('two', seq(
      loop('i', N, store('P', [v('i')], mul(v('tid'), c(100))), 'parallel'),
      loop('i', N, store('P', [v('i')], add(load('P', [v('i')]), v('i'))), 'parallel'),   // thread t reads what t wrote
    ));
    pb.kernel('lone', loop('i', N, store('O', [v('i')], add(load('O', [v('i')]), c(1))), 'parallel'));
    const inst = instantiate(pb.program());
    const o = inst.i32(O), q = inst.i32(P);
    const split3 = Array.from({ length: N }, (_, i) => Math.floor(i / 4) * 100 + i);   // chunk = 4: [0,4) [4,8) [8,10)
    await inst.runThreads(0, 3);
    expect(Array.from(o)).toEqual(split3);
    await inst.runThreads(1, 3);
    expect(Array.from(q)).toEqual(split3);
    await inst.runThreads(2, 3);                  // dynamic: each element once, whoever claimed it
    expect(Array.from(o)).toEqual(split3.map((x) => x + 1));
  });

  it('gives every thread its own scratch', async () => {
    const N = 8, P = 4;
    const pb = new ProgramBuilder();
    const A = pb.buf('A', 'f32', [P, N]), O = pb.buf('O', 'f32', [P]), Tmp = pb.buf('Tmp', 'f32', [N], 'scratch');
    // in a serial loop, so the split is static: thread t does row t
    const body: Stmt = loop('r', 2, loop('p', P, seq(
      loop('j', N, store('Tmp', [v('j')], mul(load('A', [v('p'), v('j')]), f(2))), 'vectorize'),
      store('O', [v('p')], f(0)),
      loop('j', N, store('O', [v('p')], add(load('O', [v('p')]), load('Tmp', [sub(c(N - 1), v('j'))])))),
    ), 'parallel'));
    pb.kernel('scratch', body);
    const p = pb.program();
    const inst = instantiate(p, { maxThreads: 4 });
    const a = randoms(P * N, 41);
    inst.f32(A).set(a);
    await inst.runThreads(0, 4);
    for (let q = 0; q < P; q++) {
      let s = 0; for (let j = N - 1; j >= 0; j--) s = Math.fround(s + Math.fround(a[q * N + j] * 2));
      expect(inst.f32(O)[q]).toBe(s);
    }
    // thread 3 wrote its scratch copy past thread 0's
    const base = p.storages.get('Tmp')!.offset;
    expect(new Float32Array(inst.memory.buffer, base + 3 * 32, N)[0]).toBe(Math.fround(a[3 * N] * 2));
  });
});
