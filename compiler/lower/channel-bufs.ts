// The buffers of a channel plan (plan-channel-moves.ts): one shared arena buffer per group, sinks
// as views of a block of its rows, sources as views when their rows are evenly spaced, otherwise
// as "row-table" buffers: indexing [n, c, ...] means row table[c] of the group. Kernels are
// written against the row-table buffer as usual; rewrite() then turns each access into one of the
// group buffer with the channel index looked up in the table (a store per output row, in a GEMM).

import type { Expr, Buf, Stmt } from '../ir/loop.js';
import { contiguousStrides, load } from '../ir/loop.js';
import { mapExpr } from '../ir/traverse.js';
import type { Graph, TypedArray } from '../ir/graph.js';
import type { ChannelPlan } from './plan-channel-moves.js';
import { reshapeStrides } from './views.js';

export interface ChannelEnv {
  graph: Graph;
  arena(name: string, bytes: number): void;
  register(b: Buf): Buf;
  table(name: string, data: TypedArray): Buf;
}

interface RowTable { direct: string; table: string; rows: number }

export interface ChannelBufs {
  /** The buffer of a value the plan places, or undefined. */
  buf(value: string): Buf | undefined;
  /** A reshape of a row-table buffer that keeps the batch and channel axes, or undefined if b is not one. */
  view(b: Buf, shape: number[]): Buf | undefined;
  /** Accesses to row-table buffers as accesses to their group buffer. */
  rewrite(s: Stmt): Stmt;
  /** Whether a storage is a group buffer (kernels touch only some of its rows). */
  isGroup(storage: string): boolean;
}

export function channelBufs(plan: ChannelPlan, env: ChannelEnv): ChannelBufs {
  const groups = new Map<number, Buf>();
  const tables = new Map<string, RowTable>();
  const made = new Map<string, Buf>();
  const groupBuf = (i: number): Buf => {
    const known = groups.get(i);
    if (known) return known;
    const { n, rows, e } = plan.groups[i];
    const name = `g:channels${i}`;
    env.arena(name, n * rows * e * 4);
    const b = env.register({ name, dtype: 'f32', shape: [n, rows, e], strides: contiguousStrides([n, rows, e]), offset: 0, storage: name, scope: 'global' });
    groups.set(i, b);
    return b;
  };
  const shapeOf = (value: string) => env.graph.values.get(value)!.shape as number[];
  const at = (g: Buf, name: string, shape: number[], strides: number[], offset: number) =>
    env.register({ ...g, name, shape, strides, offset });
  const rowTable = (b: Buf, table: string, rows: number): Buf => {
    const direct = at(b, `${b.name}#rows`, b.shape.map((d, i) => (i === 1 ? rows : d)), b.strides, b.offset);
    tables.set(b.name, { direct: direct.name, table, rows });
    return b;
  };

  function source(value: string): Buf {
    const { group, rows } = plan.sources.get(value)!;
    const g = groupBuf(group), [R, E] = [g.shape[1], g.shape[2]];
    const shape = shapeOf(value), W = shape[3];
    const step = rows.length > 1 ? rows[1] - rows[0] : 1;
    const even = step > 0 && rows.every((r, c) => r === rows[0] + c * step);
    if (even) return at(g, `v:${value}`, shape, [R * E, step * E, W, 1], rows[0] * E);
    const tab = env.table(`${value}.rows`, rows);
    return rowTable(at(g, `v:${value}`, shape, [R * E, E, W, 1], 0), tab.name, R);
  }

  function sink(value: string): Buf {
    const { group, row0 } = plan.sinks.get(value)!;
    const g = groupBuf(group), shape = shapeOf(value);
    const block = [g.shape[0], shape.reduce((a, d) => a * d, 1) / g.shape[0] / g.shape[2], g.shape[2]];
    const strides = reshapeStrides(block, g.strides, shape)!;
    return at(g, `v:${value}`, shape, strides, row0 * g.shape[2]);
  }

  return {
    buf(value) {
      if (!plan.sources.has(value) && !plan.sinks.has(value)) return undefined;
      if (!made.has(value)) made.set(value, plan.sources.has(value) ? source(value) : sink(value));
      return made.get(value);
    },
    view(b, shape) {
      const t = tables.get(b.name);
      if (!t) return undefined;
      const strides = reshapeStrides(b.shape, b.strides, shape);
      if (!strides || shape[0] !== b.shape[0] || shape[1] !== b.shape[1]) throw new Error(`internal: row-table buffer ${b.name} viewed as [${shape}]: a lowering of a PRODUCERS op (plan-channel-moves.ts) must keep the batch and channel axes of its output`);
      return rowTable(at(b, `${b.name}@[${shape.join('x')}]`, shape, strides, b.offset), t.table, t.rows);
    },
    rewrite: (s) => mapStmt(s, (e) => redirect(e, tables)),
    isGroup: (storage) => [...groups.values()].some((g) => g.storage === storage),
  };
}

/** load(b, [n, c, ...]) of a row-table buffer -> load(b#rows, [n, table[c], ...]). */
function redirect(e: Expr, tables: Map<string, RowTable>): Expr {
  if (e.k !== 'load') return e;
  const t = tables.get(e.buf);
  return t ? { ...e, buf: t.direct, idx: e.idx.map((x, d) => (d === 1 ? load(t.table, [x]) : x)) } : e;
}

function mapStmt(s: Stmt, f: (e: Expr) => Expr): Stmt {
  const m = (e: Expr) => mapExpr(e, f);
  switch (s.k) {
    case 'barrier': return s;
    case 'store': {
      const st = { ...s, idx: s.idx.map(m), value: m(s.value) };
      const moved = f({ k: 'load', buf: st.buf, idx: st.idx });   // the same redirection for the store
      return moved.k === 'load' ? { ...st, buf: moved.buf, idx: moved.idx } : st;
    }
    case 'seq': return { ...s, body: s.body.map((b) => mapStmt(b, f)) };
    case 'if': return { ...s, cond: m(s.cond), then: mapStmt(s.then, f), else: s.else && mapStmt(s.else, f) };
    case 'for': return { ...s, min: m(s.min), extent: m(s.extent), body: mapStmt(s.body, f) };
    case 'let': return { ...s, value: m(s.value), body: mapStmt(s.body, f) };
    case 'alloc': return { ...s, body: mapStmt(s.body, f) };
  }
}
