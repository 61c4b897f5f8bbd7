// The IR printer (golden text) and the verifier (problems as data).

import { describe, it, expect } from 'vitest';
import type { Expr, Kernel, Stmt } from '../../compiler/ir/loop.js';
import { c, f, v, add, sub, mul, max, bin, load, store, seq, loop } from '../../compiler/ir/loop.js';
import { printKernel, printExpr, printProgram } from '../../compiler/ir/print.js';
import { verifyKernel } from '../../compiler/ir/verify.js';
import { ProgramBuilder, localBuf } from './helpers.js';

const kernel = (body: Stmt): Kernel => ({ name: 'demo', ops: ['Add', 'Relu'], nodes: ['n0'], body, flops: 0, bytes: 0 });

function demoProgram() {
  const pb = new ProgramBuilder();
  pb.buf('a', 'f32', [64, 8]); pb.buf('out', 'f32', [64, 8]); pb.buf('idx', 'i64', [4]);
  return pb;
}

describe('printKernel', () => {
  it('prints a stable, readable form (golden)', () => {
    const acc = localBuf('acc', 'f32', [2]);
    const body = seq(
      loop('i', 64, loop('j', 8, store('out', [v('i'), v('j')], max(add(load('a', [v('i'), v('j')]), f(1)), f(0))), 'vectorize'), 'parallel'),
      { k: 'alloc', buf: acc, body: seq(
        store('acc', [c(0)], f(-0.5)),
        loop('k', 4, { k: 'let', v: 't', value: mul(sub(v('k'), c(1)), add(v('k'), c(-2))), body:
          { k: 'if', cond: bin('and', bin('ge', v('t'), c(0)), bin('ne', v('k'), c(3))),
            then: store('acc', [c(1)], { k: 'call', fn: 'exp', args: [{ k: 'cast', t: 'f32', a: v('t') }] }),
            else: store('acc', [c(1)], { k: 'select', c: bin('lt', v('t'), c(-1)), a: f(Infinity), b: f(NaN) }) } }, 'unroll'),
        store('out', [c(0), { k: 'ramp', base: c(0), stride: 2, lanes: 4 }], { k: 'bcast', a: load('acc', [c(1)]), lanes: 4 }),
      ) },
      store('out', [c(1), c(1)], { k: 'cast', t: 'f32', a: bin('shl', load('idx', [c(2)]), c(3, 'i64')) }),
    );
    expect(printKernel(kernel(body))).toBe(`kernel demo (Add, Relu) {
  for (i, 0, 64) parallel {
    for (j, 0, 8) vectorize {
      out[i, j] = max(a[i, j] + 1f, 0f)
    }
  }
  alloc acc: f32[2] {
    acc[0] = -0.5f
    for (k, 0, 4) unroll {
      let t = (k - 1) * (k + -2) {
        if (t >= 0 & k != 3) {
          acc[1] = exp(f32(t))
        } else {
          acc[1] = select(t < -1, inf_f, nan_f)
        }
      }
    }
    out[0, ramp(0, 2, 4)] = bcast(acc[1], 4)
  }
  out[1, 1] = f32(idx[2] << 3L)
}
`);
  });

  it('parenthesises by precedence', () => {
    const x = v('x'), y = v('y');
    const cases: [Expr, string][] = [
      [mul(add(x, y), sub(x, c(2))), '(x + y) * (x - 2)'],
      [sub(x, sub(y, c(1))), 'x - (y - 1)'],
      [sub(sub(x, y), c(1)), 'x - y - 1'],
      [bin('div', mul(x, c(4)), c(-3)), 'x * 4 / -3'],
      [{ k: 'un', op: 'neg', a: add(x, y) }, '-(x + y)'],
      [{ k: 'un', op: 'not', a: bin('lt', x, y) }, '!(x < y)'],
      [bin('or', bin('and', x, y), bin('xor', x, y)), 'x & y | x ^ y'],
      [{ k: 'fma', a: x, b: y, c: f(0.25) }, 'fma(x, y, 0.25f)'],
    ];
    for (const [e, text] of cases) expect(printExpr(e)).toBe(text);
  });

  it('prints a program header with storages, buffers and I/O', () => {
    const pb = demoProgram();
    pb.kernel('k', store('out', [c(0), c(0)], f(1)));
    const text = printProgram(pb.program('demo', ['a'], ['out']));
    expect(text).toContain('storage a: arena 2048 bytes @ 1024');
    expect(text).toContain('buf out: f32[64, 8] strides [8, 1] @ out (global)');
    expect(text).toContain('input a: float32[64, 8] in a');
    expect(text).toContain('kernel k (Test) {\n  out[0, 0] = 1f\n}');
  });
});

describe('verifyKernel', () => {
  it('accepts a well-formed kernel', () => {
    const p = demoProgram().program();
    expect(verifyKernel(kernel(loop('i', 64, store('out', [v('i'), c(0)], load('a', [v('i'), c(1)])))), p)).toEqual([]);
  });

  it('reports unknown buffers, wrong arity, unbound variables, loose unroll loops and type errors', () => {
    const p = demoProgram().program();
    const body = seq(
      store('nope', [c(0)], f(0)),
      store('out', [c(0)], f(0)),
      store('out', [v('q'), c(0)], f(0)),
      loop('u', v('n'), store('out', [c(0), c(0)], f(1)), 'unroll'),
      store('out', [c(0), c(0)], c(1)),
      store('out', [c(0), c(0)], add(f(1), c(2))),
      store('acc', [c(0)], f(0)),
    );
    const msgs = verifyKernel(kernel(body), p).map((x) => x.message);
    expect(msgs).toEqual([
      "unknown buffer 'nope'",
      "'out' has rank 2 but is indexed with 1 indices",
      "unbound variable 'q'",
      "unbound variable 'n'",
      "unroll loop 'u' needs a constant min and extent",
      'storing i32 into f32 buffer \'out\'',
      'operand types differ in 1f + 2',
      "unknown buffer 'acc'",
    ]);
    expect(verifyKernel(kernel(seq(loop('i', 2, store('nope', [], f(0))))), p)[0].where).toBe('seq / for i');
  });
});
