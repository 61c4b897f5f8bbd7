// The lowering passes one by one: expected IR text after simplify, unroll, vectorize (including
// its scalar fallbacks) and registerize.

import { describe, it, expect } from 'vitest';
import type { Expr, Kernel, Program, Stmt } from '../../compiler/ir/loop.js';
import { c, f, v, add, sub, mul, min, bin, load, store, seq, loop } from '../../compiler/ir/loop.js';
import { printKernel, printStmt, printExpr } from '../../compiler/ir/print.js';
import { Scope } from '../../compiler/ir/expr-type.js';
import { simplify, simplifyExpr } from '../../compiler/lower/simplify.js';
import { unroll } from '../../compiler/lower/unroll.js';
import { vectorize } from '../../compiler/lower/vectorize.js';
import { registerize } from '../../compiler/lower/registerize.js';
import { lowerKernel } from '../../compiler/lower/pipeline.js';
import { isAccelcError } from '../../compiler/errors.js';
import { ProgramBuilder, localBuf } from './helpers.js';

function program(): Program {
  const pb = new ProgramBuilder();
  pb.buf('a', 'f32', [16, 16]); pb.buf('out', 'f32', [16, 16]); pb.buf('x', 'f32', [64]); pb.buf('y', 'f32', [64]);
  pb.buf('l', 'i64', [64]); pb.buf('s', 'f32', [1]);
  return pb.program();
}
const kernel = (body: Stmt): Kernel => ({ name: 'k', ops: [], nodes: [], body, flops: 0, bytes: 0 });
const body = (k: Kernel) => printStmt(k.body);
/** Run passes in order with simplify after each, like the pipeline. */
const run = (s: Stmt, ...passes: ((k: Kernel, p: Program) => Kernel)[]) => {
  const p = program();
  let k = simplify(kernel(s), p);
  for (const pass of passes) k = simplify(pass(k, p), p);
  return body(k);
};

describe('simplify', () => {
  const p = program();
  const scope = new Scope(p);
  scope.bind('i', { type: { t: 'i32', lanes: 1 }, range: [0, 15] });
  scope.bind('v', { type: { t: 'i32', lanes: 1 }, range: [0, 3] });
  scope.bind('n', { type: { t: 'i32', lanes: 1 } });
  const s = (e: Expr) => printExpr(simplifyExpr(e, scope));

  it('folds constants with wasm semantics', () => {
    expect(s(mul(c(3), add(c(4), c(5))))).toBe('27');
    expect(s(add(c(2147483647), c(1)))).toBe('-2147483648');
    expect(s(bin('div', c(-7), c(2)))).toBe('-3');
    expect(s(bin('rem', c(-7), c(2)))).toBe('-1');
    expect(s(add(f(0.1), f(0.2)))).toBe(`${Math.fround(Math.fround(0.1) + Math.fround(0.2))}f`);
    expect(s({ k: 'cast', t: 'i32', a: f(-3.9e10) })).toBe('-2147483648');
    expect(s({ k: 'un', op: 'round', a: f(2.5) })).toBe('2f');
    expect(s(bin('lt', c(1), c(2)))).toBe('1');
    expect(s(bin('div', v('n'), c(0)))).toBe('n / 0');
  });

  it('normalises index arithmetic', () => {
    expect(s(add(mul(v('i'), c(1)), c(0)))).toBe('i');
    expect(s(add(add(v('n'), c(3)), c(4)))).toBe('n + 7');
    expect(s(mul(add(v('n'), c(1)), c(4)))).toBe('n * 4 + 4');
    expect(s(sub(add(v('n'), v('i')), v('n')))).toBe('i');
    expect(s(sub(c(5), v('i')))).toBe('5 - i');
    expect(s(add(c(8), { k: 'ramp', base: mul(v('n'), c(2)), stride: 1, lanes: 4 }))).toBe('ramp(n * 2 + 8, 1, 4)');
    expect(s(mul({ k: 'ramp', base: v('n'), stride: 1, lanes: 4 }, { k: 'bcast', a: c(3), lanes: 4 }))).toBe('ramp(n * 3, 3, 4)');
    expect(s(mul(f(1), load('x', [v('i')])))).toBe('x[i]');
  });

  it('divides and takes remainders of expressions with known range', () => {
    const e = add(mul(v('i'), c(4)), v('v'));
    expect(s(bin('div', e, c(4)))).toBe('i');
    expect(s(bin('rem', e, c(4)))).toBe('v');
    expect(s(bin('div', add(mul(v('i'), c(8)), c(4)), c(4)))).toBe('i * 2 + 1');
    expect(s(bin('div', add(mul(v('n'), c(4)), v('v')), c(4)))).toBe('(n * 4 + v) / 4');   // n may be negative
    expect(s(bin('div', { k: 'ramp', base: mul(v('i'), c(4)), stride: 1, lanes: 4 }, { k: 'bcast', a: c(4), lanes: 4 }))).toBe('bcast(i, 4)');
  });

  it('decides comparisons, min and max from bounds', () => {
    expect(s(bin('lt', v('i'), c(16)))).toBe('1');
    expect(s(bin('ge', sub(v('i'), c(1)), c(0)))).toBe('i - 1 >= 0');
    expect(s(min(v('v'), c(7)))).toBe('v');
    expect(s(bin('max', v('i'), c(-1)))).toBe('i');
  });

  it('removes dead lets, unit loops and constant ifs; substitutes constant lets', () => {
    const st = seq(
      { k: 'let', v: 'dead', value: load('x', [c(0)]), body: store('y', [c(0)], f(1)) },
      { k: 'let', v: 'k', value: c(3), body: store('y', [v('k')], f(2)) },
      loop('u', 1, store('y', [add(v('u'), c(5))], f(3))),
      { k: 'if', cond: bin('lt', c(1), c(0)), then: store('y', [c(9)], f(4)), else: store('y', [c(10)], f(5)) },
      loop('z', 0, store('y', [v('z')], f(6))),
    );
    expect(run(st)).toBe('y[0] = 1f\ny[3] = 2f\ny[5] = 3f\ny[10] = 5f\n');
  });
});

describe('unroll', () => {
  it('replicates the body with the variable substituted', () => {
    const st = loop('i', 3, store('y', [add(mul(v('i'), c(2)), c(1))], load('x', [v('i')])), 'unroll');
    expect(run(st, unroll)).toBe('y[1] = x[0]\ny[3] = x[1]\ny[5] = x[2]\n');
  });
});

describe('vectorize', () => {
  it('turns a loop of 4 into ramps and bcasts', () => {
    const st = loop('i', 16, loop('j', 4, store('out', [v('i'), add(mul(v('jo'), c(4)), v('j'))],
      mul(load('a', [v('i'), add(mul(v('jo'), c(4)), v('j'))]), load('x', [v('i')]))), 'vectorize'));
    const k = loop('jo', 4, st);
    expect(run(k, unroll, vectorize)).toBe(`for (jo, 0, 4) {
  for (i, 0, 16) {
    out[i, ramp(jo * 4, 1, 4)] = a[i, ramp(jo * 4, 1, 4)] * bcast(x[i], 4)
  }
}
`);
  });

  it('vectorizes chunks of 4 and leaves a scalar remainder', () => {
    const st = loop('i', 6, store('y', [v('i')], add(load('x', [v('i')]), f(1))), 'vectorize');
    expect(run(st, vectorize)).toBe('y[ramp(0, 1, 4)] = x[ramp(0, 1, 4)] + bcast(1f, 4)\ny[4] = x[4] + 1f\ny[5] = x[5] + 1f\n');
  });

  it('falls back to scalar code when lanes could interact or the types do not fit', () => {
    const reduce = loop('i', 4, store('s', [c(0)], add(load('s', [c(0)]), load('x', [v('i')]))), 'vectorize');
    expect(run(reduce, vectorize)).toBe('s[0] = s[0] + x[0]\ns[0] = s[0] + x[1]\ns[0] = s[0] + x[2]\ns[0] = s[0] + x[3]\n');
    const shift = loop('i', 4, store('y', [add(v('i'), c(1))], load('y', [v('i')])), 'vectorize');
    expect(run(shift, vectorize)).toContain('y[1] = y[0]\ny[2] = y[1]\n');
    const i64 = loop('i', 4, store('l', [v('i')], add(load('l', [v('i')]), c(1, 'i64'))), 'vectorize');
    expect(run(i64, vectorize)).toContain('l[3] = l[3] + 1L');
    const guarded = loop('i', 4, { k: 'if', cond: bin('lt', load('x', [v('i')]), f(0)), then: store('y', [v('i')], f(0)) }, 'vectorize');
    expect(run(guarded, vectorize)).toContain('if (x[2] < 0f)');
  });
});

describe('registerize', () => {
  it('turns a vector-accessed tile into v128 slots and a scalar accumulator into a local', () => {
    const acc = localBuf('acc', 'f32', [2, 8]);
    const tile = (s: Stmt) => loop('r', 2, loop('q', 2, loop('j', 4, s, 'vectorize'), 'unroll'), 'unroll');
    const idx = [v('r'), add(mul(v('q'), c(4)), v('j'))];
    const st: Stmt = { k: 'alloc', buf: acc, body: seq(
      tile(store('acc', idx, f(0))),
      store('acc', [c(1), c(6)], f(2)),
      tile(store('out', idx, load('acc', idx))),
    ) };
    expect(run(st, unroll, vectorize, registerize)).toBe(`alloc acc.0.v0: f32[4]
alloc acc.0.v4: f32[4]
alloc acc.1.v0: f32[4]
alloc acc.1.v4: f32[4] {
  acc.0.v0[ramp(0, 1, 4)] = bcast(0f, 4)
  acc.0.v4[ramp(0, 1, 4)] = bcast(0f, 4)
  acc.1.v0[ramp(0, 1, 4)] = bcast(0f, 4)
  acc.1.v4[ramp(0, 1, 4)] = bcast(0f, 4)
  acc.1.v4[2] = 2f
  out[0, ramp(0, 1, 4)] = acc.0.v0[ramp(0, 1, 4)]
  out[0, ramp(4, 1, 4)] = acc.0.v4[ramp(0, 1, 4)]
  out[1, ramp(0, 1, 4)] = acc.1.v0[ramp(0, 1, 4)]
  out[1, ramp(4, 1, 4)] = acc.1.v4[ramp(0, 1, 4)]
}
`);
    const sum = localBuf('sum', 'f32', [1]);
    const red: Stmt = { k: 'alloc', buf: sum, body: seq(store('sum', [c(0)], f(0)), loop('i', 64, store('sum', [c(0)], add(load('sum', [c(0)]), load('x', [v('i')])))), store('s', [c(0)], load('sum', [c(0)]))) };
    expect(run(red, registerize)).toContain('alloc sum.0: f32[] {\n  sum.0[] = 0f\n');
  });

  it('fails with E_CODEGEN when a local buffer is indexed by a loop variable', () => {
    const acc = localBuf('acc', 'f32', [8]);
    const st: Stmt = { k: 'alloc', buf: acc, body: loop('i', 8, store('acc', [v('i')], f(0))) };
    const p = program();
    try {
      lowerKernel(kernel(st), p);
      expect.unreachable();
    } catch (e) {
      expect(isAccelcError(e) && e.code).toBe('E_CODEGEN');
      expect(String(e)).toContain("local buffer 'acc' has a non-constant index i");
    }
  });
});

describe('pipeline', () => {
  it('dumps the IR after the requested passes', () => {
    const lines: string[] = [];
    const p = program();
    lowerKernel(kernel(loop('i', 4, store('y', [v('i')], load('x', [v('i')])), 'vectorize')), p, { dumpAfter: ['vectorize'], log: (t) => lines.push(t), verify: true });
    expect(lines).toEqual(['// after vectorize (step 4)\nkernel k {\n  y[ramp(0, 1, 4)] = x[ramp(0, 1, 4)]\n}\n']);
    void printKernel;
  });
});
