// Index helpers shared by op lowerings.

import type { Expr } from '../ir/loop.js';
import { c, v } from '../ir/loop.js';
import type { Axis } from '../schedule/compute.js';

/** Axes named `${prefix}0..n-1` over a shape. */
export function axesOf(shape: readonly number[], prefix = 'i'): Axis[] {
  return shape.map((extent, i) => ({ name: `${prefix}${i}`, extent }));
}

export function vars(axes: readonly Axis[]): Expr[] {
  return axes.map((a) => v(a.name));
}

/** Index into an input broadcast (numpy rules) to the output axes. */
export function broadcastIndex(inShape: readonly number[], outAxes: readonly Axis[]): Expr[] {
  const off = outAxes.length - inShape.length;
  return inShape.map((d, i) => (d === 1 && outAxes[i + off].extent !== 1 ? c(0) : v(outAxes[i + off].name)));
}

export function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}
