import { describe, expect, it } from 'vitest';
import { c, load, mul, v } from '../../compiler/ir/loop.js';
import type { ComputeDef } from '../../compiler/schedule/compute.js';
import { applySchedule } from '../../compiler/schedule/apply.js';
import { lowerStage } from '../../compiler/schedule/lower-stage.js';
import { printSchedule, type Schedule } from '../../compiler/schedule/schedule.js';
import { array, run, type Arrays } from '../helpers/interp.js';
import { isAccelcError } from '../../compiler/errors.js';

const matmul = (M: number, N: number, K: number): ComputeDef => ({
  name: 'mm', out: 'C', type: 'f32',
  axes: [{ name: 'i', extent: M }, { name: 'j', extent: N }],
  reduce: { op: 'sum', axes: [{ name: 'k', extent: K }] },
  body: mul(load('A', [v('i'), v('k')]), load('B', [v('k'), v('j')])),
});

function runMatmul(M: number, N: number, K: number, s: Schedule): { got: Float64Array; want: Float64Array } {
  const arrays: Arrays = new Map();
  const A = array('A', [M, K], (i) => (i % 7) - 3), B = array('B', [K, N], (i) => (i % 5) - 2), C = array('C', [M, N]);
  arrays.set('A', A); arrays.set('B', B); arrays.set('C', C);
  run(lowerStage(matmul(M, N, K), s), arrays);
  const want = new Float64Array(M * N);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) for (let k = 0; k < K; k++) want[i * N + j] += A.data[i * K + k] * B.data[k * N + j];
  return { got: C.data, want };
}

const tile = (tail: 'shift' | 'guard'): Schedule => [
  { p: 'split', axis: 'i', factor: 4, outer: 'io', inner: 'ii', tail },
  { p: 'split', axis: 'j', factor: 8, outer: 'jo', inner: 'jt', tail },
  { p: 'split', axis: 'jt', factor: 4, outer: 'ju', inner: 'jv' },
  { p: 'reorder', order: ['io', 'jo', 'k', 'ii', 'ju', 'jv'] },
  { p: 'cache_write', at: 'jo' },
  { p: 'unroll', axis: 'ii' }, { p: 'unroll', axis: 'ju' }, { p: 'vectorize', axis: 'jv' }, { p: 'parallel', axis: 'io' },
];

describe('schedule primitives', () => {
  it('split and reorder change the loop order, not the result', () => {
    const s: Schedule = [{ p: 'split', axis: 'j', factor: 3, outer: 'jo', inner: 'ji' }, { p: 'reorder', order: ['k', 'jo'] }];
    const st = applySchedule(matmul(5, 7, 4), s);
    expect(st.leaves.map((l) => l.name)).toEqual(['i', 'k', 'ji', 'jo']);
    const { got, want } = runMatmul(5, 7, 4, [{ p: 'split', axis: 'j', factor: 3, outer: 'jo', inner: 'ji' }]);
    expect(Array.from(got)).toEqual(Array.from(want));
  });

  for (const tail of ['shift', 'guard'] as const) {
    it(`register-tiled matmul with ${tail} tails matches naive matmul`, () => {
      for (const [M, N, K] of [[8, 16, 5], [9, 13, 7], [4, 8, 1], [6, 11, 3]]) {
        const { got, want } = runMatmul(M, N, K, tile(tail));
        expect(Array.from(got)).toEqual(Array.from(want));
      }
    });
  }

  it('fuse then split keeps the iteration space', () => {
    const { got, want } = runMatmul(3, 5, 2, [{ p: 'fuse', outer: 'i', inner: 'j', fused: 'ij' }, { p: 'split', axis: 'ij', factor: 4, outer: 'o', inner: 'x', tail: 'guard' }]);
    expect(Array.from(got)).toEqual(Array.from(want));
  });

  it('epilogue is applied once per output element', () => {
    const def = { ...matmul(4, 8, 3), epilogue: { k: 'bin' as const, op: 'max' as const, a: { k: 'var' as const, name: '$acc' }, b: c(0, 'f32') } };
    const arrays: Arrays = new Map([['A', array('A', [4, 3], (i) => i - 5)], ['B', array('B', [3, 8], (i) => (i % 3) - 1)], ['C', array('C', [4, 8])]]);
    run(lowerStage(def, tile('shift')), arrays);
    expect(Math.min(...arrays.get('C')!.data)).toBe(0);
  });

  it('the epilogue sees the axes of the element it stores', () => {
    const def = { ...matmul(5, 9, 2), epilogue: { k: 'bin' as const, op: 'add' as const, a: { k: 'var' as const, name: '$acc' }, b: load('bias', [v('i')]) } };
    const arrays: Arrays = new Map([['A', array('A', [5, 2], () => 0)], ['B', array('B', [2, 9], () => 0)], ['C', array('C', [5, 9])], ['bias', array('bias', [5], (i) => i + 1)]]);
    run(lowerStage(def, tile('shift')), arrays);
    expect(Array.from(arrays.get('C')!.data.filter((_, k) => k % 9 === 8))).toEqual([1, 2, 3, 4, 5]);
  });

  it('a schedule prints one primitive per line', () => {
    expect(printSchedule(tile('shift')).split('\n')).toHaveLength(tile('shift').length);
    expect(printSchedule(tile('shift'))).toContain('split(i, 4) -> io, ii [shift]');
  });

  const illegal: [string, Schedule, RegExp][] = [
    ['unknown loop', [{ p: 'unroll', axis: 'q' }], /no loop named q/],
    ['vectorize a reduction', [{ p: 'vectorize', axis: 'k' }], /reduction/],
    ['shift a reduction tail', [{ p: 'split', axis: 'k', factor: 2, outer: 'ko', inner: 'ki', tail: 'shift' }], /counted twice/],
    ['exact split that does not divide', [{ p: 'split', axis: 'i', factor: 4, outer: 'a', inner: 'b', tail: 'exact' }], /does not divide/],
    ['cache below a reduction loop', [{ p: 'reorder', order: ['k', 'i'] }, { p: 'cache_write', at: 'j' }], /spatial/],
    ['fuse non-adjacent', [{ p: 'fuse', outer: 'j', inner: 'i', fused: 'x' }], /adjacent/],
    ['parallel reduction', [{ p: 'parallel', axis: 'k' }], /parallel/],
    ['unroll too far', [{ p: 'unroll', axis: 'j' }], /unroll limit/],
    ['broadcast a buffer the stage does not read', [{ p: 'broadcast', buf: 'Z', strategy: 'splat' }], /does not read Z/],
  ];
  for (const [what, s, msg] of illegal) {
    it(`rejects: ${what}`, () => {
      try { applySchedule(matmul(5, 100, 3), s); expect.unreachable(); } catch (e) {
        expect(isAccelcError(e) && e.code).toBe('E_SCHEDULE');
        expect((e as Error).message).toMatch(msg);
      }
    });
  }
});

describe('schedule primitive broadcast', () => {
  it('marks the reads of its buffer (splat) and unmarks them (load-splat); the loops and results do not change', () => {
    const marked = applySchedule(matmul(4, 8, 3), [{ p: 'broadcast', buf: 'A', strategy: 'splat' }]);
    expect(marked.def.body).toEqual(mul({ k: 'load', buf: 'A', idx: [v('i'), v('k')], splat: 'lanes' }, load('B', [v('k'), v('j')])));
    const back = applySchedule(marked.def, [{ p: 'broadcast', buf: 'A', strategy: 'load-splat' }]);
    expect(back.def.body).toEqual(matmul(4, 8, 3).body);
    expect(printSchedule([{ p: 'broadcast', buf: 'A', strategy: 'splat' }])).toBe('broadcast(A, splat)');
    const { got, want } = runMatmul(8, 16, 5, [...tile('shift'), { p: 'broadcast', buf: 'A', strategy: 'splat' }]);
    expect(Array.from(got)).toEqual(Array.from(want));
  });
});
