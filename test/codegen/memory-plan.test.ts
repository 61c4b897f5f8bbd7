// The static memory plan (compiler/lower/memory-plan.ts): weights first, arena storages sharing
// bytes when their lifetimes do not overlap, then per-thread scratch, where the storages of one
// kernel lie side by side and every kernel's start at the same offset.

import { describe, expect, it } from 'vitest';
import { c, f, loop, seq, store } from '../../compiler/ir/loop.js';
import { planMemory } from '../../compiler/lower/memory-plan.js';
import { ProgramBuilder } from './helpers.js';

const touch = (...bufs: string[]) => seq(...bufs.map((b) => loop('i', 4, store(b, [c(0)], f(1)))));

describe('memory plan', () => {
  it('lays the scratch of one kernel side by side and overlaps the scratch of different kernels', () => {
    const pb = new ProgramBuilder();
    pb.buf('w', 'f32', [16], 'weight', new Uint8Array(64));
    pb.buf('a', 'f32', [100]); pb.buf('b', 'f32', [100]);
    pb.buf('s1', 'f32', [1000], 'scratch'); pb.buf('s2', 'f32', [10], 'scratch'); pb.buf('s3', 'f32', [50], 'scratch');
    pb.kernel('k0', touch('w', 'a', 's1', 's2')).kernel('k1', touch('a', 'b', 's3'));
    const p = pb.program('m', [], ['b']);
    const plan = planMemory(p);
    const at = (n: string) => p.storages.get(n)!.offset;
    expect(at('s1')).toBe(plan.scratchOffset);
    expect(at('s2')).toBe(plan.scratchOffset + 4032);          // after s1, 64-byte aligned
    expect(at('s3')).toBe(plan.scratchOffset);                 // another kernel's: the same start
    expect(plan.scratchBytesPerThread).toBe(4032 + 64);         // the larger kernel's span
    expect(plan.scratchOffset).toBeGreaterThanOrEqual(at('b') + 400);
    expect(at('w')).toBeLessThan(at('a'));
  });

  it('gives arena storages alive at the same kernel disjoint bytes, and reuses bytes after a last reader', () => {
    const pb = new ProgramBuilder();
    pb.buf('x', 'f32', [256]); pb.buf('t', 'f32', [256]); pb.buf('y', 'f32', [256]);
    pb.kernel('k0', touch('x', 't')).kernel('k1', touch('t', 'y'));
    const p = pb.program('m', ['x'], ['y']);
    planMemory(p);
    const span = (n: string) => [p.storages.get(n)!.offset, p.storages.get(n)!.offset + p.storages.get(n)!.bytes];
    const overlap = (a: string, b: string) => { const [a0, a1] = span(a), [b0, b1] = span(b); return a0 < b1 && b0 < a1; };
    expect(overlap('x', 't')).toBe(false);
    expect(overlap('t', 'y')).toBe(false);
    // the input is dead after k0 and the output born at k1: the output reuses the input's bytes
    expect(overlap('x', 'y')).toBe(true);
  });
});
