// Per-thread scratch addresses (address = offset + tid * bytesPerThread): the backend knows tid is
// below the module's maxThreads, so a scratch access is a provably small non-negative sum and its
// constant part goes to the load's or store's offset, however large a thread's scratch is. With
// tid's range taken as [0, 65535], scratch over 32 KB a thread made every access add it.

import { describe, expect, it } from 'vitest';
import { c, load, loop, store, v } from '../../compiler/ir/loop.js';
import { emitWasm } from '../../compiler/codegen/wasm/index.js';
import { instantiate, ProgramBuilder, randoms } from './helpers.js';

/** y[i] = s[i] * 2 after s[i] = x[i] + 1, s being `scratchFloats` floats of per-thread scratch. */
function program(scratchFloats: number) {
  const n = 256;
  const b = new ProgramBuilder();
  const x = b.buf('x', 'f32', [n]), y = b.buf('y', 'f32', [n]);
  const s = b.buf('s', 'f32', [scratchFloats], 'scratch');
  const at = scratchFloats - n;   // the far end of the scratch, so its addresses are large
  b.kernel('k', loop('i', n, store(s.name, [{ k: 'bin', op: 'add', a: v('i'), b: c(at) }], { k: 'bin', op: 'add', a: load(x.name, [v('i')]), b: { k: 'const', t: 'f32', v: 1 } })));
  b.kernel('k2', loop('i', n, store(y.name, [v('i')], { k: 'bin', op: 'mul', a: load(s.name, [{ k: 'bin', op: 'add', a: v('i'), b: c(at) }]), b: { k: 'const', t: 'f32', v: 2 } })));
  return { p: b.program('scratch', ['x'], ['y']), x, y, n };
}

/** The f32 loads and stores of the emitted module that add a constant to their address instead of using the offset. */
function unfolded(wat: string): number {
  return [...wat.matchAll(/\(f32\.(load|store)(?: align=\d+)?\s*\(i32\.add/g)].length;
}

describe('scratch addresses', () => {
  for (const kb of [16, 96, 1024]) {
    it(`keep their constant in the offset with ${kb} KB of scratch a thread, and compute the right values`, () => {
      const { p, x, y, n } = program(kb * 256);
      const wat = emitWasm(p, { optimize: false, maxThreads: 16 }).text!();
      expect(wat).toMatch(/f32\.store offset=\d+/);
      expect(unfolded(wat)).toBe(0);
      const inst = instantiate(p, { maxThreads: 16 });
      const xs = randoms(n, 3);
      inst.f32(x).set(xs);
      inst.exports.kernel_0(0, 1);
      inst.exports.kernel_1(0, 1);
      const out = inst.f32(y);
      for (let i = 0; i < n; i++) expect(out[i]).toBe(Math.fround(Math.fround(xs[i] + 1) * 2));
    });
  }
});
