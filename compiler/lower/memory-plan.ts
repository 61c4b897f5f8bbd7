// Static memory plan: weights first, then one arena where storages whose lifetimes (in kernel
// order) do not overlap share bytes (greedy by size, as TFLite's planner), then per-thread scratch
// (shared by all kernels).

import type { Program } from '../ir/loop.js';
import { buffersOf } from '../ir/walk.js';

export const RESERVED_BYTES = 1024;
const ALIGN = 64;
const align = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

export interface MemoryPlan {
  weightBytes: number;
  arenaBytes: number;
  scratchOffset: number;
  scratchBytesPerThread: number;
  totalBytes: number;          // without scratch
}

export function planMemory(p: Program): MemoryPlan {
  let at = RESERVED_BYTES;
  for (const s of p.storages.values()) if (s.region === 'weight') { s.offset = at; at = align(at + s.bytes); }
  const weightEnd = at;

  // Lifetimes: first and last kernel touching each arena storage; inputs live from the start,
  // outputs to the end.
  const first = new Map<string, number>(), last = new Map<string, number>();
  const touch = (st: string, i: number) => {
    first.set(st, Math.min(first.get(st) ?? i, i));
    last.set(st, Math.max(last.get(st) ?? i, i));
  };
  p.kernels.forEach((k, i) => { for (const b of buffersOf(k.body)) { const buf = p.bufs.get(b); if (buf?.scope === 'global') touch(buf.storage, i); } });
  for (const io of p.inputs) touch(p.bufs.get(io.buf)!.storage, -1);
  for (const io of p.outputs) touch(p.bufs.get(io.buf)!.storage, p.kernels.length);

  const arena = [...p.storages.values()].filter((s) => s.region === 'arena').sort((a, b) => b.bytes - a.bytes);
  const placed: { start: number; end: number; from: number; to: number }[] = [];
  let arenaEnd = 0;
  for (const s of arena) {
    const from = first.get(s.name) ?? 0, to = last.get(s.name) ?? from;
    const live = placed.filter((q) => q.from <= to && from <= q.to).sort((a, b) => a.start - b.start);
    let off = 0;
    for (const q of live) {
      if (off + s.bytes <= q.start) break;
      off = Math.max(off, align(q.end));
    }
    placed.push({ start: off, end: off + s.bytes, from, to });
    s.offset = weightEnd + off;
    arenaEnd = Math.max(arenaEnd, align(off + s.bytes));
  }
  // Scratch is kernel-private: the scratch storages of one kernel lie side by side, and every
  // kernel's start at the same offset (kernels run one after another).
  const scratchOffset = weightEnd + arenaEnd;
  const perKernel = new Map<number, number>();
  let scratch = 0;
  for (const s of p.storages.values()) {
    if (s.region !== 'scratch') continue;
    const k = first.get(s.name) ?? -1;
    const at = perKernel.get(k) ?? 0;
    s.offset = scratchOffset + at;
    perKernel.set(k, align(at + s.bytes));
    scratch = Math.max(scratch, align(at + s.bytes));
  }
  return { weightBytes: weightEnd - RESERVED_BYTES, arenaBytes: arenaEnd, scratchOffset, scratchBytesPerThread: scratch, totalBytes: scratchOffset };
}
