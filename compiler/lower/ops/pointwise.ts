// Pointwise ops with explicit arithmetic types: every data input is loaded with numpy broadcasting,
// converted to the compute type, combined by `f`, and the result converted to the output's type.
// For ops whose arithmetic is not the storage type's (Pow on integers, Mod, trigonometry on f32...).

import type { Node } from '../../ir/graph.js';
import type { Expr, RegType, ScalarType } from '../../ir/loop.js';
import { load, regTypeOf } from '../../ir/loop.js';
import type { LowerCtx, LoweredKernel } from '../context.js';
import { axesOf, broadcastIndex, vars } from '../index-math.js';
import { pointwiseKernel } from './elementwise.js';

export { lowerMap, castTo, konst, isFloatBuf };
export type { MapOptions };

interface MapOptions {
  /** Graph values read, in order (default: the node's non-omitted inputs). */
  inputs?: string[];
  /** Type the inputs are converted to (default: f32 if any input is f32, else the first input's). */
  compute?: RegType;
  /** Type `f` returns (default: the compute type). */
  result?: RegType;
  /** Per input, a shape to view it as before broadcasting (legacy per-channel operands). */
  viewAs?: Array<number[] | undefined>;
}

const isFloatBuf = (t: ScalarType): boolean => t === 'f32';

function castTo(e: Expr, from: RegType, to: RegType): Expr {
  return from === to ? e : { k: 'cast', t: to, a: e };
}

/** A constant of register type t. */
function konst(v: number, t: RegType): Expr {
  return { k: 'const', t, v: t === 'i64' ? BigInt(Math.trunc(v)) : v };
}

function lowerMap(node: Node, ctx: LowerCtx, f: (xs: Expr[], t: RegType) => Expr, opts: MapOptions = {}): LoweredKernel[] {
  const out = ctx.buf(node.outputs[0]);
  const ins = (opts.inputs ?? node.inputs.filter((n) => n !== '')).map((n, i) => {
    const b = ctx.buf(n), shape = opts.viewAs?.[i];
    return shape ? ctx.view(b, shape) : b;
  });
  const types = ins.map((b) => regTypeOf(b.dtype));
  const compute = opts.compute ?? (types.includes('f32') ? 'f32' : types[0] ?? regTypeOf(out.dtype));
  const axes = axesOf(out.shape);
  const xs = ins.map((b, i) => castTo(load(b.name, broadcastIndex(b.shape, axes)), types[i], compute));
  const outType = regTypeOf(out.dtype);
  const body = castTo(f(xs, compute), opts.result ?? compute, outType);
  const simple = [out, ...ins].every((b) => b.dtype === 'f32' || b.dtype === 'i32');
  return [pointwiseKernel(node.name, { name: node.name, out: out.name, type: outType, axes, body, outIndex: vars(axes) }, simple)];
}
