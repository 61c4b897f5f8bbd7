// A reference interpreter for scheduled (not yet vectorized) loop IR over JS arrays: loop kinds are
// ignored, every loop runs serially. Tests use it to check schedules without the wasm backend.

import type { Buf, Expr, Stmt } from '../../compiler/ir/loop.js';

export type Arrays = Map<string, { buf: Buf; data: Float64Array }>;

const MATH: Record<string, (...a: number[]) => number> = {
  exp: Math.exp, log: Math.log, tanh: Math.tanh, sigmoid: (x) => 1 / (1 + Math.exp(-x)), pow: Math.pow,
  erf: (x) => { const t = 1 / (1 + 0.3275911 * Math.abs(x)); const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x); return x < 0 ? -y : y; },
};

export function run(s: Stmt, arrays: Arrays): void {
  const env = new Map<string, number>();
  const addr = (name: string, idx: Expr[]) => {
    const a = arrays.get(name);
    if (!a) throw new Error(`no array ${name}`);
    let o = a.buf.offset;
    idx.forEach((x, i) => { o += ev(x) * a.buf.strides[i]; });
    if (o < 0 || o >= a.data.length) throw new Error(`${name}[${idx.map(ev)}] out of bounds`);
    return { a, o };
  };
  const ev = (e: Expr): number => {
    switch (e.k) {
      case 'const': return Number(e.v);
      case 'var': { const x = env.get(e.name); if (x === undefined) throw new Error(`unbound ${e.name}`); return x; }
      case 'load': { const { a, o } = addr(e.buf, e.idx); return a.data[o]; }
      case 'bin': {
        const x = ev(e.a), y = ev(e.b);
        switch (e.op) {
          case 'add': return x + y; case 'sub': return x - y; case 'mul': return x * y;
          case 'div': return Number.isInteger(x) && Number.isInteger(y) ? Math.trunc(x / y) : x / y;
          case 'rem': return x % y; case 'min': return Math.min(x, y); case 'max': return Math.max(x, y);
          case 'and': return x & y; case 'or': return x | y; case 'xor': return x ^ y;
          case 'shl': return x << y; case 'shr': return x >> y;
          case 'eq': return +(x === y); case 'ne': return +(x !== y); case 'lt': return +(x < y);
          case 'le': return +(x <= y); case 'gt': return +(x > y); case 'ge': return +(x >= y);
        }
        break;
      }
      case 'un': {
        const x = ev(e.a);
        return { neg: -x, abs: Math.abs(x), sqrt: Math.sqrt(x), floor: Math.floor(x), ceil: Math.ceil(x), round: Math.round(x), not: +!x }[e.op];
      }
      case 'fma': return ev(e.a) * ev(e.b) + ev(e.c);
      case 'select': return ev(e.c) ? ev(e.a) : ev(e.b);
      case 'cast': return e.t === 'f32' ? ev(e.a) : Math.trunc(ev(e.a));
      case 'call': return MATH[e.fn](...e.args.map(ev));
      default: throw new Error(`interp: ${e.k} not supported`);
    }
    throw new Error('unreachable');
  };
  const exec = (st: Stmt): void => {
    switch (st.k) {
      case 'for': { const lo = ev(st.min), n = ev(st.extent); for (let i = lo; i < lo + n; i++) { env.set(st.v, i); exec(st.body); } env.delete(st.v); break; }
      case 'store': { const { a, o } = addr(st.buf, st.idx); a.data[o] = ev(st.value); break; }
      case 'seq': st.body.forEach(exec); break;
      case 'if': if (ev(st.cond)) exec(st.then); else if (st.else) exec(st.else); break;
      case 'let': env.set(st.v, ev(st.value)); exec(st.body); env.delete(st.v); break;
      case 'alloc': { const n = st.buf.shape.reduce((a, b) => a * b, 1); arrays.set(st.buf.name, { buf: st.buf, data: new Float64Array(n) }); exec(st.body); arrays.delete(st.buf.name); break; }
    }
  };
  exec(s);
}

export function array(name: string, shape: number[], fill?: (i: number) => number): { buf: Buf; data: Float64Array } {
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(n);
  if (fill) for (let i = 0; i < n; i++) data[i] = fill(i);
  return { buf: { name, dtype: 'f32', shape, strides, offset: 0, storage: name, scope: 'global' }, data };
}
