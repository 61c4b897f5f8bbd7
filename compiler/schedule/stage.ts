// The state a schedule manipulates: the stage's loop variables (leaves) in loop order, outermost
// first, and how they derive from the compute definition's axes (split and fuse relations).

import type { LoopKind } from '../ir/loop.js';
import type { ComputeDef } from './compute.js';
import type { TailStrategy } from './schedule.js';

export interface Leaf {
  name: string;
  extent: number;
  kind: LoopKind;
  reduce: boolean;
}

export type Relation =
  | { k: 'split'; parent: string; parentExtent: number; outer: string; inner: string; factor: number; tail: TailStrategy }
  | { k: 'fuse'; outer: string; inner: string; innerExtent: number; fused: string };

export interface StageState {
  def: ComputeDef;
  leaves: Leaf[];
  rels: Relation[];
  cacheAt?: string;
}

export function initialState(def: ComputeDef): StageState {
  const leaves: Leaf[] = def.axes.map((a) => ({ name: a.name, extent: a.extent, kind: 'serial', reduce: false }));
  for (const a of def.reduce?.axes ?? []) leaves.push({ name: a.name, extent: a.extent, kind: 'serial', reduce: true });
  return { def, leaves, rels: [] };
}

export function leafIndex(s: StageState, name: string): number {
  return s.leaves.findIndex((l) => l.name === name);
}
