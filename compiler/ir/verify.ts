// Invariants of the loop IR, checked between lowering passes in tests and debug builds.
// Problems are returned as data; callers decide whether to throw.

import type { Expr, Kernel, Program, Stmt } from './loop.js';
import { regTypeOf } from './loop.js';
import { Scope } from './expr-type.js';
import { exprChildren } from './traverse.js';
import { printExpr } from './print.js';

export { verifyKernel, verifyProgram };
export type { Problem };

interface Problem { kernel: string; where: string; message: string }

function verifyProgram(p: Program): Problem[] {
  return p.kernels.flatMap((k) => verifyKernel(k, p));
}

/** Every buf exists, index arity equals rank, vars are bound, unroll/vectorize loops are constant, types agree. */
function verifyKernel(k: Kernel, program: Program): Problem[] {
  const problems: Problem[] = [];
  const scope = new Scope(program);
  const path: string[] = [];
  const report = (message: string) => problems.push({ kernel: k.name, where: path.join(' / ') || '(body)', message });

  const checkAccess = (buf: string, idx: Expr[]) => {
    const b = scope.buf(buf);
    if (!b) { report(`unknown buffer '${buf}'`); return; }
    if (idx.length !== b.shape.length) report(`'${buf}' has rank ${b.shape.length} but is indexed with ${idx.length} indices`);
    if (b.scope === 'global' && !program.storages.has(b.storage)) report(`buffer '${buf}' lives in unknown storage '${b.storage}'`);
    if (b.scope === 'local' && !scope.locals.has(buf)) report(`local buffer '${buf}' used outside its alloc`);
    for (const i of idx) if (scope.type(i).t !== 'i32') report(`index ${printExpr(i)} of '${buf}' is not i32`);
  };

  const checkExpr = (e: Expr): void => {
    exprChildren(e).forEach(checkExpr);
    switch (e.k) {
      case 'var': if (!scope.vars.has(e.name)) report(`unbound variable '${e.name}'`); break;
      case 'load': checkAccess(e.buf, e.idx); break;
      case 'bin': case 'fma': case 'select': {
        const ops = e.k === 'bin' ? [e.a, e.b] : e.k === 'fma' ? [e.a, e.b, e.c] : [e.a, e.b];
        const ts = ops.map((x) => scope.type(x));
        if (ts.some((t) => t.t !== ts[0].t)) report(`operand types differ in ${printExpr(e)}`);
        const lanes = [...ts, ...(e.k === 'select' ? [scope.type(e.c)] : [])].map((t) => t.lanes).filter((l) => l > 1);
        if (lanes.some((l) => l !== lanes[0])) report(`lane counts differ in ${printExpr(e)}`);
        break;
      }
      case 'ramp': if (scope.type(e.base).t !== 'i32' || scope.type(e.base).lanes !== 1) report(`ramp base must be scalar i32: ${printExpr(e)}`); break;
      case 'bcast': if (scope.type(e.a).lanes !== 1) report(`bcast of a vector: ${printExpr(e)}`); break;
      default: break;
    }
  };

  const checkStmt = (s: Stmt): void => {
    switch (s.k) {
      case 'for': {
        checkExpr(s.min); checkExpr(s.extent);
        if ((s.kind === 'unroll' || s.kind === 'vectorize') && (s.min.k !== 'const' || s.extent.k !== 'const'))
          report(`${s.kind} loop '${s.v}' needs a constant min and extent`);
        if (scope.type(s.min).t !== 'i32' || scope.type(s.extent).t !== 'i32') report(`loop '${s.v}' bounds must be i32`);
        break;
      }
      case 'store': {
        s.idx.forEach(checkExpr); checkExpr(s.value); checkAccess(s.buf, s.idx);
        const b = scope.buf(s.buf), vt = scope.type(s.value);
        const idxLanes = Math.max(1, ...s.idx.map((i) => scope.type(i).lanes));
        if (b && vt.t !== regTypeOf(b.dtype)) report(`storing ${vt.t} into ${b.dtype} buffer '${s.buf}'`);
        if (vt.lanes > 1 && vt.lanes !== idxLanes) report(`vector value stored at ${idxLanes === 1 ? 'a scalar' : 'a differently sized'} index of '${s.buf}'`);
        return;
      }
      case 'if': checkExpr(s.cond); if (scope.type(s.cond).lanes > 1) report('vector if condition'); break;
      case 'let': checkExpr(s.value); break;
      default: break;
    }
    const label = s.k === 'for' ? `for ${s.v}` : s.k === 'let' ? `let ${s.v}` : s.k === 'alloc' ? `alloc ${s.buf.name}` : s.k;
    path.push(label);
    const undo = scope.enter(s);
    if (s.k === 'alloc' && s.buf.scope !== 'local') report(`alloc of non-local buffer '${s.buf.name}'`);
    if (s.k === 'for' || s.k === 'let' || s.k === 'alloc') checkStmt(s.body);
    else if (s.k === 'seq') s.body.forEach(checkStmt);
    else if (s.k === 'if') { checkStmt(s.then); if (s.else) checkStmt(s.else); }
    undo();
    path.pop();
  };

  checkStmt(k.body);
  return problems;
}
