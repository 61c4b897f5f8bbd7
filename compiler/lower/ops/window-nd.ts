// Sliding windows in any number of spatial dims, for the general convolution and pooling
// lowerings: attribute reading and, per output position, input coordinates and bounds.

import type { Node } from '../../ir/graph.js';
import type { Expr } from '../../ir/loop.js';
import { add, bin, c, mul, sub } from '../../ir/loop.js';

export { windowNd, tapCoords };
export type { WindowNd };

interface WindowNd { kernel: number[]; strides: number[]; dilations: number[]; padsBegin: number[] }

/** The window of a Conv/pool node on input spatial dims `ins` giving output spatial dims `outs`. */
function windowNd(node: Node, ins: number[], outs: number[], kernel: number[]): WindowNd {
  const n = ins.length;
  const list = (name: string, def: number) => (node.attrs[name] as number[] | undefined) ?? new Array<number>(n).fill(def);
  const strides = list('strides', 1), dilations = list('dilations', 1);
  const autoPad = (node.attrs.auto_pad as string | undefined) ?? 'NOTSET';
  let padsBegin: number[];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    padsBegin = outs.map((o, i) => {
      const total = Math.max(0, (o - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - ins[i]);
      return autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : total - Math.floor(total / 2);
    });
  } else if (autoPad === 'VALID') {
    padsBegin = new Array<number>(n).fill(0);
  } else {
    padsBegin = ((node.attrs.pads as number[] | undefined) ?? new Array<number>(2 * n).fill(0)).slice(0, n);
  }
  return { kernel, strides, dilations, padsBegin };
}

/** Input coordinates o*s - p + k*d per spatial dim, and whether all lie inside `ins`. */
function tapCoords(w: WindowNd, ins: number[], o: Expr[], k: Expr[]): { at: Expr[]; clamped: Expr[]; inside: Expr } {
  const at = o.map((oi, i) => add(sub(mul(oi, c(w.strides[i])), c(w.padsBegin[i])), mul(k[i], c(w.dilations[i]))));
  const inside = at.map((a, i) => bin('and', bin('ge', a, c(0)), bin('lt', a, c(ins[i])))).reduce((x, y) => bin('and', x, y));
  const clamped = at.map((a, i) => bin('min', bin('max', a, c(0)), c(ins[i] - 1)));
  return { at, clamped, inside };
}
