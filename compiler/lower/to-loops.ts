// Lowers the optimized graph to a loop-IR Program: one buffer per value (aliases share storage),
// weights as weight storages, and the kernels of every node in order.

import type { Graph, Node, TypedArray } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import type { Buf, Kernel, Program, ScalarType, Stmt, Storage } from '../ir/loop.js';
import { contiguousStrides, SCALAR_BYTES, seq } from '../ir/loop.js';
import { buffersOf } from '../ir/walk.js';
import { AccelcError } from '../errors.js';
import type { LowerCtx, LowerOptions } from './context.js';
import { scalarTypeOf } from './dtype.js';
import { ALIAS_OPS, FOLDED_OPS, LOWERINGS } from './registry.js';

export function lowerGraph(graph: Graph, modelName: string, opts: LowerOptions): Program {
  const bufs = new Map<string, Buf>();
  const storages = new Map<string, Storage>();
  const valueBuf = new Map<string, string>();
  let node: Node | undefined;
  const err = (message: string, code: 'E_UNSUPPORTED' | 'E_MODEL' = 'E_UNSUPPORTED') =>
    new AccelcError({ code, message, model: modelName, node: node?.name, op: node?.op });

  const newBuf = (name: string, dtype: ScalarType, shape: number[], storage: string, offset = 0): Buf => {
    const b: Buf = { name, dtype, shape, strides: contiguousStrides(shape), offset, storage, scope: 'global' };
    bufs.set(name, b);
    return b;
  };
  const newStorage = (name: string, bytes: number, region: Storage['region'], data?: Uint8Array) => {
    storages.set(name, { name, bytes: Math.max(bytes, 4), region, offset: -1, data });
  };
  const typeOf = (value: string): { t: ScalarType; shape: number[] } => {
    const v = graph.values.get(value);
    if (!v) throw err(`no value named '${value}'`, 'E_MODEL');
    const t = scalarTypeOf(v.dtype);
    if (!t) throw err(`dtype ${v.dtype} of '${value}' is not supported`);
    if (!v.shape.every((d) => typeof d === 'number')) throw err(`value '${value}' has a symbolic shape; give --shape`);
    return { t, shape: v.shape as number[] };
  };
  const bytesOf = (data: TypedArray, t: ScalarType, n: number): Uint8Array => {
    const arr = new Uint8Array(n * SCALAR_BYTES[t]);
    arr.set(new Uint8Array(data.buffer, data.byteOffset, Math.min(data.byteLength, arr.length)));
    return arr;
  };
  const bufOf = (value: string): Buf => {
    const known = valueBuf.get(value);
    if (known) return bufs.get(known)!;
    const { t, shape } = typeOf(value);
    const c = graph.values.get(value)!.const;
    const name = `v:${value}`;
    newStorage(name, numel(shape) * SCALAR_BYTES[t], c ? 'weight' : 'arena', c ? bytesOf(c.data, t, numel(shape)) : undefined);
    valueBuf.set(value, name);
    return newBuf(name, t, shape, name);
  };
  let views = 0;
  const ctx: LowerCtx = {
    graph, opts, modelName,
    buf: bufOf,
    weight(name, dtype, shape, data) {
      const s = `w:${name}`;
      newStorage(s, numel(shape) * SCALAR_BYTES[dtype], 'weight', bytesOf(data, dtype, numel(shape)));
      return newBuf(s, dtype, shape, s);
    },
    temp(name, dtype, shape) {
      const s = `t:${name}`;
      newStorage(s, numel(shape) * SCALAR_BYTES[dtype], 'arena');
      return newBuf(s, dtype, shape, s);
    },
    view(b, shape) {
      if (numel(shape) !== numel(b.shape)) throw err(`internal: view of ${b.name} as [${shape}] changes its size`, 'E_MODEL');
      return newBuf(`${b.name}@${views++}[${shape.join('x')}]`, b.dtype, shape, b.storage, b.offset);
    },
    constOf: (value) => graph.values.get(value)?.const?.data,
  };

  const kernels: Kernel[] = [];
  for (const n of graph.nodes) {
    node = n;
    if (n.outputs.every((o) => !o || graph.values.get(o)?.const)) continue;   // folded
    if (ALIAS_OPS.has(n.op) && !n.outputs.slice(1).some((o) => o !== '')) {   // (Dropout with a mask has a kernel)
      const src = bufOf(n.inputs[0]);
      const { t, shape } = typeOf(n.outputs[0]);
      const name = `v:${n.outputs[0]}`;
      newBuf(name, t, shape, src.storage, src.offset);
      valueBuf.set(n.outputs[0], name);
      continue;
    }
    if (FOLDED_OPS.has(n.op)) throw err('this shape computation depends on run-time values, which is not supported yet');
    const lower = LOWERINGS[n.op];
    if (!lower) throw err(`no kernel for ${n.op}`);
    // One kernel per node: its stages run in order, all threads meeting at a barrier between them.
    const stages = lower(n, ctx);
    const body: Stmt = stages.length === 1 ? stages[0].body : seq(...stages.flatMap((k, i) => (i ? [{ k: 'barrier' } as Stmt, k.body] : [k.body])));
    const flops = stages.reduce((a, k) => a + k.flops, 0);
    kernels.push({ name: n.name, ops: [n.op, ...epilogueOps(n)], nodes: [n.name], body, flops, bytes: bytesMoved(body, bufs, storages) });
  }
  node = undefined;
  const io = (names: string[]) => names.map((name) => {
    const b = bufOf(name);
    return { name, dtype: graph.values.get(name)!.dtype, shape: b.shape, buf: b.name };
  });
  return { name: modelName, bufs, storages, kernels, inputs: io(graph.inputs), outputs: io(graph.outputs) };
}

function epilogueOps(n: Node): string[] {
  const s = n.attrs['accelc.epilogue'];
  return typeof s === 'string' ? (JSON.parse(s) as { op: string }[]).map((x) => x.op) : [];
}

function bytesMoved(body: Kernel['body'], bufs: Map<string, Buf>, storages: Map<string, Storage>): number {
  const seen = new Set<string>();
  let total = 0;
  for (const b of buffersOf(body)) {
    const buf = bufs.get(b);
    if (!buf || buf.scope !== 'global' || seen.has(buf.storage)) continue;
    seen.add(buf.storage);
    total += storages.get(buf.storage)?.bytes ?? 0;
  }
  return total;
}
