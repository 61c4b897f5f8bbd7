// The two data transforms of Winograd F(2x2, 3x3) convolution (Lavin & Gray 2016), as loop IR:
//  - input:  every 4x4 patch d of the padded input (tiles 2 apart) becomes V = B^T d B, 16 values,
//            each stored in its own GEMM operand V[16n + e][c][tile] (e = 4r + s);
//  - output: the 16 GEMM results M of a tile become the 2x2 outputs Y = A^T M A, stored through the
//            epilogue (bias, fused activation / residual add).
// Both loop over whole tiles with the tile column innermost and vectorized: 4 tiles per f32x4, so
// the patch reads and output writes are stride-2 accesses and the V / M accesses contiguous.
// Intermediate values are `let`s (locals), so each of the 16 + 16 sums is computed once.

import type { Buf, Expr, Stmt } from '../ir/loop.js';
import { add, bin, c, load, loop, mul, seq, store, sub, v } from '../ir/loop.js';

/** B^T x for a 4-vector: (x0 - x2, x1 + x2, x2 - x1, x1 - x3). */
const bt = (x: Expr[]): Expr[] => [sub(x[0], x[2]), add(x[1], x[2]), sub(x[2], x[1]), sub(x[1], x[3])];
/** A^T x for a 4-vector: (x0 + x1 + x2, x1 - x2 - x3). */
const at = (x: Expr[]): Expr[] => [add(add(x[0], x[1]), x[2]), sub(sub(x[1], x[2]), x[3])];

/** Binds each value to a fresh variable `${prefix}${i}` around the statement `body(vars)`. */
function lets(prefix: string, values: Expr[], body: (vars: Expr[]) => Stmt): Stmt {
  const vars = values.map((_, i) => v(`${prefix}${i}`));
  return values.reduceRight<Stmt>((s, value, i) => ({ k: 'let', v: `${prefix}${i}`, value, body: s }), body(vars));
}

/** The 4x4 transform W^T X W' row-major, X given row-major (4 rows of `cols`), `f` = W^T on a 4-vector. */
function transform2d(x: Expr[], rows: number, f: (col: Expr[]) => Expr[], prefix: string, body: (y: Expr[]) => Stmt): Stmt {
  // columns first: t[i][s] = f(x[.][s])[i]; then rows: y[i][j] = f(t[i][.])[j]
  const cols = [0, 1, 2, 3].map((s) => f([0, 1, 2, 3].map((r) => x[4 * r + s])));
  const t = Array.from({ length: rows }, (_, i) => cols.map((col) => col[i])).flat();
  return lets(`${prefix}t`, t, (tv) => {
    const y = Array.from({ length: rows }, (_, i) => f(tv.slice(4 * i, 4 * i + 4))).flat();
    return body(y);
  });
}

/** A parallel loop over N x `inner` (fused), binding n and the inner index as variables. */
function perImage(N: number, inner: number, innerVar: string, body: Stmt): Stmt {
  const q = v('q');
  return loop('q', N * inner, {
    k: 'let', v: 'n', value: bin('div', q, c(inner)),
    body: { k: 'let', v: innerVar, value: bin('rem', q, c(inner)), body },
  }, 'parallel');
}

/** V[16n + 4r + s][ch][th*TW + tw] = (B^T d B)[r][s], d = xp[n][ch][2th .. +4][2tw .. +4]. */
export function inputTransform(xp: Buf, V: Buf, TH: number, TW: number): Stmt {
  const [N, C] = xp.shape;
  const n = v('n'), ch = v('ch'), th = v('th'), tw = v('tw');
  const d = [0, 1, 2, 3].flatMap((r) => [0, 1, 2, 3].map((s) =>
    load(xp.name, [n, ch, add(mul(th, c(2)), c(r)), add(mul(tw, c(2)), c(s))])));
  const tile = add(mul(th, c(TW)), tw);
  const body = lets('d', d, (dv) => transform2d(dv, 4, bt, 'v', (y) =>
    seq(...y.map((val, e) => store(V.name, [add(mul(n, c(16)), c(e)), ch, tile], val)))));
  return perImage(N, C, 'ch', loop('th', TH, loop('tw', TW, body, 'vectorize')));
}

/**
 * out[n][m][2th + i][2tw + j] = epi((A^T M A)[i][j], idx), M[e] = Mo[16n + e][m][th*TW + tw].
 * Odd output sizes: the last tile row / column stores only its first row / column (separate loops,
 * so the full tiles stay unguarded and vectorized).
 */
export function outputTransform(Mo: Buf, out: Buf, TW: number, epi: (acc: Expr, idx: Expr[]) => Expr): Stmt {
  const [N, M, OH, OW] = out.shape;
  const n = v('n'), m = v('m');
  const fullH = OH >> 1, fullW = OW >> 1;
  const region = (key: string, th: Expr, tw: Expr, rows: number, cols: number): Stmt => {
    const mv = Array.from({ length: 16 }, (_, e) => load(Mo.name, [add(mul(n, c(16)), c(e)), m, add(mul(th, c(TW)), tw)]));
    return lets(`${key}m`, mv, (ms) => transform2d(ms, rows, at, key, (y) => {
      const stores: Stmt[] = [];
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) {
        const idx = [n, m, add(mul(th, c(2)), c(i)), add(mul(tw, c(2)), c(j))];
        stores.push(store(out.name, idx, epi(y[2 * i + j], idx)));
      }
      return seq(...stores);
    }));
  };
  const parts: Stmt[] = [];
  if (fullH && fullW) parts.push(loop('th', fullH, loop('tw', fullW, region('f', v('th'), v('tw'), 2, 2), 'vectorize')));
  if (OW & 1 && fullH) parts.push(loop('th', fullH, region('r', v('th'), c(fullW), 2, 1), 'vectorize'));
  if (OH & 1 && fullW) parts.push(loop('tw', fullW, region('b', c(fullH), v('tw'), 1, 2), 'vectorize'));
  if (OH & 1 && OW & 1) parts.push(region('c', c(fullH), c(fullW), 1, 1));
  return perImage(N, M, 'm', seq(...parts));
}
