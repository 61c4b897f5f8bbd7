// A stable, readable text form of the loop IR (in the spirit of Halide's Stmt printer), used by
// golden tests and --dump-after:
//
//   for (i, 0, 64) vectorize {
//     out[i, j] = max(a[i, j] + 1f, 0f)
//   }

import type { Buf, Expr, Kernel, Program, Stmt } from './loop.js';

export { printProgram, printKernel, printStmt, printExpr, printBuf };

const INFIX: Record<string, [string, number]> = {
  or: ['|', 1], xor: ['^', 2], and: ['&', 3], eq: ['==', 4], ne: ['!=', 4],
  lt: ['<', 5], le: ['<=', 5], gt: ['>', 5], ge: ['>=', 5], shl: ['<<', 6], shr: ['>>', 6],
  add: ['+', 7], sub: ['-', 7], mul: ['*', 8], div: ['/', 8], rem: ['%', 8],
};
const UNARY_PREC = 9, ATOM_PREC = 10;

function fmtConst(e: Extract<Expr, { k: 'const' }>): string {
  if (e.t === 'i64') return `${e.v}L`;
  if (e.t === 'i32') return String(e.v);
  const x = Number(e.v);
  if (Number.isNaN(x)) return 'nan_f';
  if (!Number.isFinite(x)) return x > 0 ? 'inf_f' : '-inf_f';
  return `${Object.is(x, -0) ? '-0' : String(x)}f`;
}

function prec(e: Expr): number {
  if (e.k === 'bin' && INFIX[e.op]) return INFIX[e.op][1];
  if (e.k === 'un' && (e.op === 'neg' || e.op === 'not')) return UNARY_PREC;
  if (e.k === 'const' && (Number(e.v) < 0 || Object.is(Number(e.v), -0))) return UNARY_PREC;
  return ATOM_PREC;
}

function printExpr(e: Expr): string {
  const list = (xs: Expr[]) => xs.map(printExpr).join(', ');
  switch (e.k) {
    case 'const': return fmtConst(e);
    case 'var': return e.name;
    case 'load': return `${e.buf}[${list(e.idx)}]`;
    case 'bin': {
      const infix = INFIX[e.op];
      if (!infix) return `${e.op}(${printExpr(e.a)}, ${printExpr(e.b)})`;
      const [sym, p] = infix;
      const l = prec(e.a) < p ? `(${printExpr(e.a)})` : printExpr(e.a);
      const r = prec(e.b) <= p ? `(${printExpr(e.b)})` : printExpr(e.b);
      return `${l} ${sym} ${r}`;
    }
    case 'un': {
      if (e.op === 'neg' || e.op === 'not') {
        const inner = prec(e.a) < ATOM_PREC ? `(${printExpr(e.a)})` : printExpr(e.a);
        return `${e.op === 'neg' ? '-' : '!'}${inner}`;
      }
      return `${e.op}(${printExpr(e.a)})`;
    }
    case 'fma': return `fma(${list([e.a, e.b, e.c])})`;
    case 'select': return `select(${list([e.c, e.a, e.b])})`;
    case 'cast': return `${e.t}(${printExpr(e.a)})`;
    case 'call': return `${e.fn}(${list(e.args)})`;
    case 'ramp': return `ramp(${printExpr(e.base)}, ${e.stride}, ${e.lanes})`;
    case 'bcast': return `bcast(${printExpr(e.a)}, ${e.lanes})`;
  }
}

function printBuf(b: Buf): string {
  const off = b.offset ? ` + ${b.offset}` : '';
  return `${b.name}: ${b.dtype}[${b.shape.join(', ')}] strides [${b.strides.join(', ')}] @ ${b.storage}${off} (${b.scope})`;
}

function printStmt(s: Stmt, indent = ''): string {
  const inner = indent + '  ';
  const block = (b: Stmt) => printBody(b, inner);
  switch (s.k) {
    case 'for': {
      const kind = s.kind === 'serial' ? '' : ` ${s.kind}`;
      return `${indent}for (${s.v}, ${printExpr(s.min)}, ${printExpr(s.extent)})${kind} {\n${block(s.body)}${indent}}\n`;
    }
    case 'barrier': return `${indent}barrier\n`;
    case 'store': return `${indent}${s.buf}[${s.idx.map(printExpr).join(', ')}] = ${printExpr(s.value)}\n`;
    case 'seq': return s.body.map((b) => printStmt(b, indent)).join('');
    case 'if': {
      const els = s.else ? ` else {\n${block(s.else)}${indent}}` : '';
      return `${indent}if (${printExpr(s.cond)}) {\n${block(s.then)}${indent}}${els}\n`;
    }
    case 'let': return `${indent}let ${s.v} = ${printExpr(s.value)} {\n${block(s.body)}${indent}}\n`;
    case 'alloc': {   // a chain of directly nested allocs prints one per line, with one block
      const decl = (b: Buf) => `${indent}alloc ${b.name}: ${b.dtype}[${b.shape.join(', ')}]`;
      let head = '', body: Stmt = s;
      for (; body.k === 'alloc' && body.body.k === 'alloc'; body = body.body) head += decl(body.buf) + '\n';
      const last = body as Extract<Stmt, { k: 'alloc' }>;
      return `${head}${decl(last.buf)} {\n${block(last.body)}${indent}}\n`;
    }
  }
}

function printBody(s: Stmt, indent: string): string {
  const text = printStmt(s, indent);
  return text === '' ? `${indent}(empty)\n` : text;
}

function printKernel(k: Kernel): string {
  const ops = k.ops.length ? ` (${k.ops.join(', ')})` : '';
  return `kernel ${k.name}${ops} {\n${printBody(k.body, '  ')}}\n`;
}

function printProgram(p: Program): string {
  const lines: string[] = [`program ${p.name}`];
  for (const s of p.storages.values()) lines.push(`storage ${s.name}: ${s.region} ${s.bytes} bytes @ ${s.offset}`);
  for (const b of p.bufs.values()) lines.push(`buf ${printBuf(b)}`);
  for (const io of p.inputs) lines.push(`input ${io.name}: ${io.dtype}[${io.shape.join(', ')}] in ${io.buf}`);
  for (const io of p.outputs) lines.push(`output ${io.name}: ${io.dtype}[${io.shape.join(', ')}] in ${io.buf}`);
  return lines.join('\n') + '\n' + p.kernels.map(printKernel).join('');
}
