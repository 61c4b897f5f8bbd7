// Lowers the optimized graph to a loop-IR Program: one buffer per value (aliases share storage),
// weights as weight storages, and the kernels of every node in order.

import type { Graph, Node, TypedArray } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import type { Buf, Kernel, Program, ScalarType, Stmt, Storage } from '../ir/loop.js';
import { contiguousStrides, load, regTypeOf, SCALAR_BYTES, seq } from '../ir/loop.js';
import { buffersOf } from '../ir/walk.js';
import { AccelcError } from '../errors.js';
import type { LowerCtx, LowerOptions, LoweredKernel } from './context.js';
import { constantGatherIndices, gatherView, isContiguous, permuteView, reshapeStrides, sliceView, type ViewShape } from './views.js';
import { planConcat } from './plan-concat.js';
import { planChannelMoves } from './plan-channel-moves.js';
import { channelBufs } from './channel-bufs.js';
import { planStoreThrough, storeView } from './plan-store-through.js';
import { FUSED_KEY, FUSED_OP, treeOps, type FusedTree } from '../passes/fuse-elementwise.js';
import { fusedDepthwise } from '../passes/fuse-depthwise.js';
import { rowOpChain } from '../passes/fuse-row-ops.js';
import { foldedLayerNorm } from '../passes/fold-layernorm.js';
import { sliceParams } from './ops/slice.js';
import { pointwiseKernel } from './ops/elementwise.js';
import { axesOf, normAxis, vars } from './index-math.js';
import { scalarTypeOf } from './dtype.js';
import { DEFAULT_TILE, type GemmTile } from './gemm-stage.js';
import { MAX_MR, MAX_NR, validTile } from './gemm-workload.js';
import { ALIAS_OPS, FOLDED_OPS, LOWERINGS } from './registry.js';
import { indexRanges } from './index-ranges.js';

export function lowerGraph(graph: Graph, modelName: string, opts: LowerOptions): Program {
  const bufs = new Map<string, Buf>();
  const storages = new Map<string, Storage>();
  const valueBuf = new Map<string, string>();
  let node: Node | undefined;
  const err = (message: string, code: 'E_UNSUPPORTED' | 'E_MODEL' | 'E_USAGE' = 'E_UNSUPPORTED') =>
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
  const slots = planConcat(graph);
  const moves = planChannelMoves(graph);
  for (const v of moves.values) slots.delete(v);
  const through = planStoreThrough(graph);
  const channels = channelBufs(moves, {
    graph,
    arena: (name, bytes) => newStorage(name, bytes, 'arena'),
    register: (b) => { bufs.set(b.name, b); return b; },
    table: (name, data) => ctx.weight(name, 'i32', [data.length], data),
  });
  const bufOf = (value: string): Buf => {
    const known = valueBuf.get(value);
    if (known) return bufs.get(known)!;
    const placed = channels.buf(value);
    if (placed) { valueBuf.set(value, placed.name); return placed; }
    const { t, shape } = typeOf(value);
    const slot = slots.get(value);
    if (slot) {   // computed in place inside its Concat's output
      const o = bufOf(slot.concat);
      const start = o.shape.map((_, d) => (d === slot.axis ? slot.start : 0));
      const slab = sliceView(o, start, slot.via ?? shape);
      const strides = slot.via ? reshapeStrides(slab.shape, slab.strides, shape) : slab.strides;
      if (strides) {
        valueBuf.set(value, `v:${value}`);
        return viewBuf(`v:${value}`, o, { shape, strides, offset: slab.offset });
      }
    }
    const st = through.get(value);
    if (st && !moves.values.has(value) && !moves.values.has(st.end)) {   // stored where its reader expects it
      const end = bufOf(st.end);
      const at = storeView(graph, value, st, end);
      if (at) {
        valueBuf.set(value, `v:${value}`);
        return viewBuf(`v:${value}`, { ...end, dtype: t }, at);
      }
    }
    const c = graph.values.get(value)!.const;
    const name = `v:${value}`;
    newStorage(name, numel(shape) * SCALAR_BYTES[t], c ? 'weight' : 'arena', c ? bytesOf(c.data, t, numel(shape)) : undefined);
    valueBuf.set(value, name);
    return newBuf(name, t, shape, name);
  };
  let views = 0;
  const viewBuf = (name: string, b: Buf, v: ViewShape): Buf => {
    const nb: Buf = { ...b, name, shape: [...v.shape], strides: [...v.strides], offset: v.offset };
    bufs.set(name, nb);
    return nb;
  };
  /** Copy stages a node needs before its own (a strided input some lowering must see contiguous). */
  let prelude: LoweredKernel[] = [];
  const contiguousCopy = (b: Buf): Buf => {
    const t = ctx.temp(`${b.name}.contiguous`, b.dtype, b.shape);
    prelude.push(copyKernel(`${b.name}.copy`, b, t));
    return t;
  };
  /** Copy stages after a node's own: its strided output, written contiguous first, copied back. */
  let postlude: LoweredKernel[] = [];
  const staged = new Map<string, Buf>();
  const contiguousOutput = (b: Buf): Buf => {
    let t = staged.get(b.name);
    if (!t) {
      t = ctx.temp(`${b.name}.contiguous`, b.dtype, b.shape);
      staged.set(b.name, t);
      postlude.push(copyKernel(`${b.name}.copy`, t, b));
    }
    return t;
  };
  /** Whether b is (a view of) a buffer the current node writes. */
  const written = (b: Buf) => !!node?.outputs.some((o) => { const name = o && valueBuf.get(o); return name && bufs.get(name)?.storage === b.storage; });
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
    scratch(name, dtype, shape) {
      const s = `s:${name}`;
      newStorage(s, numel(shape) * SCALAR_BYTES[dtype], 'scratch');
      return newBuf(s, dtype, shape, s);
    },
    view(b, shape) {
      if (numel(shape) !== numel(b.shape)) throw err(`internal: view of ${b.name} as [${shape}] changes its size`, 'E_MODEL');
      const rows = channels.view(b, shape);
      if (rows) return rows;
      let strides = reshapeStrides(b.shape, b.strides, shape);
      if (!strides) {   // not expressible over b's layout: copy it out first (or back after, for an output)
        b = written(b) ? contiguousOutput(b) : contiguousCopy(b);
        strides = contiguousStrides(shape);
      }
      return viewBuf(`${b.name}@${views++}[${shape.join('x')}]`, b, { shape, strides, offset: b.offset });
    },
    constOf: (value) => graph.values.get(value)?.const?.data,
    gemmTile: (w) => checkedTile(opts.gemmTiles?.(node?.name ?? '', w) ?? DEFAULT_TILE, (m) => err(m, 'E_USAGE')),
  };

  const kernels: Kernel[] = [];
  const made: { node: Node; stages: LoweredKernel[]; concats: string[] }[] = [];   // what each kernel was made of
  const writer = new Map<string, number>();   // value -> the kernel that writes it (through views too)
  const push = (n: Node, stages: LoweredKernel[]) => {
    kernels.push(kernelOf(n, stages));
    made.push({ node: n, stages, concats: [] });
    for (const o of n.outputs) if (o) writer.set(o, kernels.length - 1);
  };
  for (const n of graph.nodes) {
    node = n;
    if (n.outputs.every((o) => !o || graph.values.get(o)?.const)) continue;   // folded
    if (moves.skip.has(n)) continue;   // rows moved by where their producers store them
    const view = viewOf(n, ctx);
    if (view) {   // data movement that is only a new view of the same elements: no kernel
      const src = bufOf(n.inputs[0]);
      const out = n.outputs[0];
      const { t, shape } = typeOf(out);
      const v = view(src);
      const mustOwn = graph.outputs.includes(out) && !(v && isContiguous(v));
      if (v && !mustOwn) {
        valueBuf.set(out, `v:${out}`);
        viewBuf(`v:${out}`, { ...src, dtype: t }, { ...v, shape });
        if (writer.has(n.inputs[0])) writer.set(out, writer.get(n.inputs[0])!);
        continue;
      }
      if (!LOWERINGS[n.op]) {   // a reshape that needs the elements moved
        const dst = bufOf(out);
        const stages = [copyKernel(n.name, src, ctx.view(dst, src.shape))];
        push(n, [...prelude, ...stages, ...postlude]);
        prelude = [];
        postlude = [];
        staged.clear();
        continue;
      }
    }
    if (FOLDED_OPS.has(n.op)) throw err('this shape computation depends on run-time values, which is not supported yet');
    const lower = LOWERINGS[n.op];
    if (!lower) throw err(`no kernel for ${n.op}`);
    const stages = lower(n, ctx);
    const host = n.op === 'Concat' && !prelude.length && !postlude.length ? constantSlabsHost(n) : undefined;
    if (host !== undefined && stages.length) {   // the constant slabs are copied by the kernel computing the others in place
      const { node: hn, stages: hs, concats } = made[host];
      made[host] = { node: hn, stages: [...hs, ...stages], concats: [...concats, n.name] };
      const k = kernelOf(hn, made[host].stages);
      kernels[host] = { ...k, ops: [...k.ops, ...made[host].concats.map(() => 'Concat')], nodes: [...k.nodes, ...made[host].concats] };
      for (const o of n.outputs) if (o) writer.set(o, host);
    } else if (stages.length || prelude.length) push(n, [...prelude, ...stages, ...postlude]);
    prelude = [];
    postlude = [];
    staged.clear();
  }
  node = undefined;
  /**
   * For a Concat whose inputs are constants or computed in place (plan-concat.ts), the kernel that
   * computed the last of those in place: its copies of the constants can run there (they write
   * their own slabs, which nothing reads or writes before the Concat).
   */
  function constantSlabsHost(n: Node): number | undefined {
    const out = bufOf(n.outputs[0]);
    let host: number | undefined;
    for (const i of n.inputs) {
      if (graph.values.get(i)?.const) continue;
      if (bufOf(i).storage !== out.storage || !writer.has(i)) return undefined;
      host = Math.max(host ?? -1, writer.get(i)!);
    }
    return host;
  }
  // One kernel per node: its stages run in order, all threads meeting at a barrier between them.
  function kernelOf(n: Node, stages: LoweredKernel[]): Kernel {
    const staged: Stmt = stages.length === 1 ? stages[0].body : seq(...stages.flatMap((k, i) => (i ? [{ k: 'barrier' } as Stmt, k.body] : [k.body])));
    const flops = stages.reduce((a, k) => a + k.flops, 0);
    const ops = n.op === FUSED_OP ? epilogueOps(n) : [n.op, ...epilogueOps(n)];
    const dw = fusedDepthwise(n);   // a depthwise conv fused in runs first
    const before = dw ? ['Conv', ...epilogueOps({ ...n, attrs: dw.attrs })] : [];
    const rows = rowOpChain(n);   // row ops fused in run last, in order
    const ln = foldedLayerNorm(n);   // a LayerNorm folded in normalizes the GEMM's A rows
    if (ln) before.push('LayerNormalization');
    return { name: n.name, ops: [...before, ...ops, ...rows.map((r) => r.op)], nodes: [...(dw ? [dw.node] : []), ...(ln ? [ln.node] : []), n.name, ...rows.map((r) => r.node)], body: channels.rewrite(staged), flops, bytes: bytesMoved(staged, bufs, storages, channels.isGroup) };
  }
  const ranges = indexRanges(graph);
  const io = (names: string[]) => names.map((name) => {
    const b = bufOf(name);
    const r = ranges.get(name);
    return { name, dtype: graph.values.get(name)!.dtype, shape: b.shape, buf: b.name, ...(r ? { ranges: r } : {}) };
  });
  return { name: modelName, bufs, storages, kernels, inputs: io(graph.inputs), outputs: io(graph.outputs) };
}

/** For ops that can be a view of their input: how the view is made (undefined result: it can't). */
function viewOf(n: Node, ctx: LowerCtx): ((src: Buf) => ViewShape | undefined) | undefined {
  const outShape = () => ctx.graph.values.get(n.outputs[0])!.shape as number[];
  if (ALIAS_OPS.has(n.op) && !n.outputs.slice(1).some((o) => o !== '')) {   // (Dropout with a mask has a kernel)
    return (src) => { const st = reshapeStrides(src.shape, src.strides, outShape()); return st && { shape: outShape(), strides: st, offset: src.offset }; };
  }
  if (n.op === 'Transpose') {
    return (src) => permuteView(src, (n.attrs.perm as number[] | undefined) ?? [...src.shape.keys()].reverse());
  }
  const indices = constantGatherIndices(ctx.graph, n);
  if (indices) {   // constant indices in arithmetic progression: a strided slice
    const rank = ctx.graph.values.get(n.inputs[1])!.shape.length;
    return (src) => (rank > 1 ? undefined : gatherView(src, normAxis((n.attrs.axis as number | undefined) ?? 0, src.shape.length), Array.from(indices, Number), rank === 0));
  }
  if (n.op === 'Slice') {
    return (src) => {
      const { start, step } = sliceParams(n, ctx, src.shape);
      return step.every((s) => s > 0) ? sliceView(src, start, outShape(), step) : undefined;
    };
  }
  return undefined;
}

/** dst[i...] = src[i...] over src's shape (dst may be any view of the same shape). */
function copyKernel(name: string, src: Buf, dst: Buf): LoweredKernel {
  const axes = axesOf(src.shape);
  const simple = src.dtype === 'f32' || src.dtype === 'i32';
  return pointwiseKernel(name, { name, out: dst.name, type: regTypeOf(src.dtype), axes, body: load(src.name, vars(axes)) }, simple);
}

function epilogueOps(n: Node): string[] {
  if (n.op === FUSED_OP) return treeOps(JSON.parse(n.attrs[FUSED_KEY] as string) as FusedTree);
  const s = n.attrs['accelc.epilogue'];
  return typeof s === 'string' ? (JSON.parse(s) as { op: string; tree?: FusedTree }[]).flatMap((x) => (x.tree ? treeOps(x.tree) : [x.op])) : [];
}

/** Bytes of the storages a kernel touches (of the views only, in a channel group's shared buffer). */
function bytesMoved(body: Kernel['body'], bufs: Map<string, Buf>, storages: Map<string, Storage>, partial: (storage: string) => boolean): number {
  const seen = new Set<string>();
  let total = 0;
  for (const b of buffersOf(body)) {
    const buf = bufs.get(b);
    if (!buf || buf.scope !== 'global' || seen.has(buf.storage)) continue;
    const part = `${buf.storage}@${buf.offset}`;
    if (partial(buf.storage)) { if (!seen.has(part)) total += numel(buf.shape) * SCALAR_BYTES[buf.dtype]; seen.add(part); continue; }
    seen.add(buf.storage);
    total += storages.get(buf.storage)?.bytes ?? 0;
  }
  return total;
}

/** A chosen tile must be one gemmKernel can emit: 1..MAX_MR rows by 1..MAX_NR vectors. */
function checkedTile(t: GemmTile, err: (message: string) => AccelcError): GemmTile {
  if (!validTile(t.mr, t.nr)) throw err(`GEMM tile ${t.mr}x${t.nr} is outside 1..${MAX_MR} rows by 1..${MAX_NR} vectors`);
  return t;
}
