// Channel moves without copies. A connected group of data-movement nodes (Concat, Split, Slice,
// Reshape, Transpose: see channel-rows.ts) whose only effect is to move whole rows (the channels
// of NCHW tensors) between tensors computed by convolutions, e.g. ShuffleNet's
// Concat -> Reshape -> Transpose -> Reshape -> Split chains, needs no kernel at all: every value
// read by some other node (a sink) gets a contiguous block of rows in one shared buffer, and every
// convolution feeding the group (a source) stores each output channel straight into the row
// where its reader expects it (a compile-time row table, or a strided view when the rows are
// evenly spaced). Groups where some channel would have to be in two places are left alone.

import type { Graph, Node } from '../ir/graph.js';
import { MOVE_OPS, dataInputs, rowMaps, type RowRef } from './channel-rows.js';

export interface ChannelGroup {
  n: number;                 // batch
  rows: number;              // rows per batch in the shared buffer
  e: number;                 // elements per row
}

export interface ChannelPlan {
  groups: ChannelGroup[];
  /** Move nodes that need no kernel. */
  skip: Set<Node>;
  /** Values read by other nodes: rows [row0, row0 + rows) of their group. */
  sinks: Map<string, { group: number; row0: number }>;
  /** Values computed by a producer: the group row of each of their channels. */
  sources: Map<string, { group: number; rows: Int32Array }>;
  /** Every value the plan places (sources, sinks and the values in between). */
  values: Set<string>;
}

/** Ops whose lowering writes its output through an [N, C, ...] index (so rows can be redirected). */
const PRODUCERS = new Set(['Conv', 'MaxPool', 'AveragePool']);
/** Only groups that would otherwise copy data are planned. */
const COPYING = new Set(['Concat', 'Split', 'Transpose']);

export function planChannelMoves(g: Graph): ChannelPlan {
  const plan: ChannelPlan = { groups: [], skip: new Set(), sinks: new Map(), sources: new Map(), values: new Set() };
  const producer = new Map<string, Node>();
  const readers = new Map<string, Node[]>();
  for (const n of g.nodes) {
    for (const o of n.outputs) if (o) producer.set(o, n);
    for (const i of n.inputs) if (i) readers.set(i, [...(readers.get(i) ?? []), n]);
  }
  const isConst = (v: string) => !!g.values.get(v)?.const;
  let cands = new Set(g.nodes.filter((n) => MOVE_OPS.has(n.op) && n.domain === '' && n.outputs.length >= 1 && n.outputs.every((o) => o)
    && dataInputs(n).every((i) => i && !isConst(i)) && !(n.op === 'Dropout' && n.outputs.length > 1)));
  for (;;) {   // every round that is not done drops nodes, so this ends
    const { next, done } = planRound(g, cands, producer);
    if (!done) { cands = next; continue; }
    for (const grp of next.size ? regionsOf(g, next) : []) place(g, grp, producer, readers, plan);
    break;
  }
  return plan;
}

/** Drop move nodes whose region's sources disagree on the row geometry or that do not move rows. */
function planRound(g: Graph, cands: Set<Node>, producer: Map<string, Node>): { next: Set<Node>; done: boolean } {
  const next = new Set(cands);
  let done = true;
  for (const region of regionsOf(g, cands)) {
    const geo = geometry(g, region, producer);
    const bad = geo ? region.filter((n) => !rowMaps(n, g, geo.n, geo.e)) : region;
    if (bad.length) done = false;
    for (const n of bad) next.delete(n);
  }
  return { next, done };
}

/** Connected components of move nodes (linked through the values they read and write). */
function regionsOf(g: Graph, cands: Set<Node>): Node[][] {
  const parent = new Map<string, string>();
  const find = (x: string): string => { let r = x; while (parent.has(r)) r = parent.get(r)!; return r; };
  const union = (a: string, b: string) => { const ra = find(a), rb = find(b); if (ra !== rb) parent.set(ra, rb); };
  for (const n of cands) for (const v of [...dataInputs(n), ...n.outputs]) union(v, n.outputs[0]);
  const groups = new Map<string, Node[]>();
  for (const n of g.nodes) if (cands.has(n)) { const r = find(n.outputs[0]); groups.set(r, [...(groups.get(r) ?? []), n]); }
  return [...groups.values()];
}

/** Values a region reads that no node of the region writes. */
function sourcesOf(region: Node[]): string[] {
  const written = new Set(region.flatMap((n) => n.outputs));
  return [...new Set(region.flatMap(dataInputs))].filter((v) => !written.has(v));
}

/** Batch and row size shared by all sources (rank-4 outputs of PRODUCERS), if they agree. */
function geometry(g: Graph, region: Node[], producer: Map<string, Node>): { n: number; e: number } | undefined {
  let geo: { n: number; e: number } | undefined;
  for (const s of sourcesOf(region)) {
    const v = g.values.get(s), p = producer.get(s);
    if (!v || v.const || !p || !PRODUCERS.has(p.op) || v.dtype !== 'float32' || v.shape.length !== 4 || !v.shape.every((d) => typeof d === 'number')) return undefined;
    const [n, , h, w] = v.shape as number[];
    if (geo && (geo.n !== n || geo.e !== h * w)) return undefined;
    geo = { n, e: h * w };
  }
  return geo;
}

function place(g: Graph, region: Node[], producer: Map<string, Node>, readers: Map<string, Node[]>, plan: ChannelPlan): void {
  if (!region.some((n) => COPYING.has(n.op))) return;
  const geo = geometry(g, region, producer)!;
  const inRegion = new Set(region);
  const sources = sourcesOf(region);
  const values = [...new Set([...sources, ...region.flatMap((n) => n.outputs)])];
  if (values.some((v) => g.outputs.includes(v) || g.inputs.includes(v))) return;
  // Compose the row maps: each value's rows as (source index, source row).
  const rowsOf = new Map<string, RowRef[]>();
  sources.forEach((s, k) => rowsOf.set(s, Array.from({ length: g.values.get(s)!.shape[1] as number }, (_, r) => ({ input: k, row: r }))));
  for (const n of region) {
    const ins = dataInputs(n).map((v) => rowsOf.get(v)!);
    rowMaps(n, g, geo.n, geo.e)!.forEach((m, o) => rowsOf.set(n.outputs[o], m.map((ref) => ins[ref.input][ref.row])));
  }
  const sinks = values.filter((v) => (readers.get(v) ?? []).some((r) => !inRegion.has(r)));
  // Homes: sinks one after another; a source row may land in one place only.
  const home = sources.map((s) => new Int32Array(g.values.get(s)!.shape[1] as number).fill(-1));
  let row = 0;
  const sinkRows = new Map<string, number>();
  for (const v of sinks) {
    sinkRows.set(v, row);
    for (const ref of rowsOf.get(v)!) {
      if (home[ref.input][ref.row] >= 0) return;     // needed in two places: leave the copies
      home[ref.input][ref.row] = row++;
    }
  }
  for (const h of home) h.forEach((r, c) => { if (r < 0) h[c] = row++; });   // rows nobody reads
  const group = plan.groups.push({ n: geo.n, rows: row, e: geo.e }) - 1;
  sources.forEach((s, k) => plan.sources.set(s, { group, rows: home[k] }));
  for (const [v, row0] of sinkRows) if (!plan.sources.has(v)) plan.sinks.set(v, { group, row0 });
  for (const n of region) plan.skip.add(n);
  for (const v of values) plan.values.add(v);
}
