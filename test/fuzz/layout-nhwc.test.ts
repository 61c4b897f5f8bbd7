// Random convolution graphs (convs of every group kind, pools, global pools, elementwise ops,
// layout ops at region edges; batch 1-2; odd sizes, strides, pads, dilations, ceil mode) compiled
// with layout 'nchw', 'nhwc' and 'auto', run on 1 and 2 threads and compared with
// onnxruntime-node; and the graph the pass makes checked for undefined, doubly defined and
// dangling values. ACCELC_FUZZ_COUNT graphs (default 20; scaled down from the main fuzzer's),
// seeds from ACCELC_FUZZ_SEED (1).
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { onnx } from '../../compiler/frontend/onnx/proto.js';
import { compile } from '../../compiler/compile.js';
import { InferenceSession } from '../../runtime/session.js';
import { Tensor } from '../../runtime/tensor.js';
import { runOrtNode } from '../helpers/ort.js';
import { relError } from '../helpers/models.js';
import { encode, floatTensor, node, valueInfo, FLOAT, type ModelParts } from '../frontend/build-model.js';
import { loadOnnx } from '../../compiler/frontend/onnx/index.js';
import { layoutNhwc } from '../../compiler/passes/layout-nhwc.js';
import { eliminateDeadNodes } from '../../compiler/passes/dead-nodes.js';

const ints = (name: string, v: number[]): onnx.IAttributeProto => ({ name, type: 7, ints: v });
const int = (name: string, v: number): onnx.IAttributeProto => ({ name, type: 2, i: v });
const flt = (name: string, v: number): onnx.IAttributeProto => ({ name, type: 1, f: v });
const str = (name: string, v: string): onnx.IAttributeProto => ({ name, type: 3, s: new TextEncoder().encode(v) });
const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

function rng(seed: number) { let s = seed >>> 0 || 1; return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 2 ** 32; }; }

function gen(seed: number): { parts: ModelParts; inputs: Record<string, Tensor>; desc: string[] } {
  const r = rng(seed);
  const ri = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T,>(a: T[]): T => a[Math.floor(r() * a.length)];
  const vals = (n: number) => Array.from({ length: n }, () => r() * 2 - 1);
  const N = pick([1, 1, 2]);
  const shapes = new Map<string, number[]>();
  const inits: onnx.ITensorProto[] = [], nodes: onnx.INodeProto[] = [], desc: string[] = [];
  const gin: onnx.IValueInfoProto[] = [];
  const inputs: Record<string, Tensor> = {};
  const addInput = (name: string, shape: number[]) => { gin.push(valueInfo(name, FLOAT, shape)); inputs[name] = new Tensor('float32', Float32Array.from(vals(prod(shape))), shape); shapes.set(name, shape); };
  addInput('x', [N, pick([3, 4, 6, 8, 12, 16]), ri(3, 12), ri(3, 12)]);
  if (r() < 0.3) addInput('s', []);
  let k = 0;
  const four = () => [...shapes].filter(([, s]) => s.length === 4 && s[2] * s[3] > 0).map(([n]) => n);
  const geo = (H: number, W: number, kh: number, kw: number, attrs: onnx.IAttributeProto[], allowDil: boolean, ceilOk: boolean, pool = false) => {
    const sh = ri(1, 2), sw = ri(1, 2);
    const dh = allowDil && r() < 0.3 ? 2 : 1, dw = allowDil && r() < 0.3 ? 2 : 1;
    const ekh = (kh - 1) * dh + 1, ekw = (kw - 1) * dw + 1;
    attrs.push(ints('strides', [sh, sw]));
    if (dh > 1 || dw > 1) attrs.push(ints('dilations', [dh, dw]));
    const ceil = ceilOk && r() < 0.3;
    if (ceil) attrs.push(int('ceil_mode', 1));
    if (dh === 1 && dw === 1 && !ceil && r() < 0.3) {
      const mode = pick(['SAME_UPPER', 'SAME_LOWER']);
      attrs.push(str('auto_pad', mode));
      return [Math.ceil(H / sh), Math.ceil(W / sw)];
    }
    const ph = Math.min(2, pool ? kh - 1 : ekh - 1), pw = Math.min(2, pool ? kw - 1 : ekw - 1);
    const pads = [ri(0, ph), ri(0, pw), ri(0, ph), ri(0, pw)];
    if (H + pads[0] + pads[2] < ekh || W + pads[1] + pads[3] < ekw) return undefined;
    attrs.push(ints('pads', pads));
    const span = (n: number, p0: number, p1: number, e: number, s: number) => { const x = (n + p0 + p1 - e) / s; let o = (ceil ? Math.ceil(x) : Math.floor(x)) + 1; if (ceil && (o - 1) * s >= n + p0) o--; return o; };
    return [span(H, pads[0], pads[2], ekh, sh), span(W, pads[1], pads[3], ekw, sw)];
  };
  const ops = ri(4, 10);
  for (let t = 0; t < ops * 3 && nodes.length < ops; t++) {
    const avail = four();
    const x = pick(avail.slice(-3).concat(avail));
    const [n, C, H, W] = shapes.get(x)!;
    const y = `v${k++}`;
    const kind = pick(['dw', 'dw', 'conv', 'conv1', 'pool', 'un', 'un', 'bin', 'bin', 'gap', 'other', 'other']);
    const name = `n${k}_${kind}`;
    if (kind === 'dw' || kind === 'conv' || kind === 'conv1') {
      const dwc = kind === 'dw';
      const kh = kind === 'conv1' ? 1 : ri(1, 4), kw = kind === 'conv1' ? 1 : ri(1, 4);
      const attrs: onnx.IAttributeProto[] = [ints('kernel_shape', [kh, kw])];
      const M = dwc ? C : ri(1, 12);
      if (dwc) attrs.push(int('group', C));
      let o: number[] | undefined;
      if (kind === 'conv1' && r() < 0.6) o = [H, W]; else o = geo(H, W, kh, kw, attrs, true, false);
      if (!o || o[0] < 1 || o[1] < 1) { k--; continue; }
      const wn = `${name}.w`, bn = `${name}.b`;
      inits.push(floatTensor(wn, [M, dwc ? 1 : C, kh, kw], vals(M * (dwc ? 1 : C) * kh * kw)));
      const bias = r() < 0.8;
      if (bias) inits.push(floatTensor(bn, [M], vals(M)));
      nodes.push(node('Conv', [x, wn, ...(bias ? [bn] : [])], [y], name, attrs));
      shapes.set(y, [n, M, o[0], o[1]]);
    } else if (kind === 'pool') {
      const isMax = r() < 0.5;
      const kh = ri(1, 3), kw = ri(1, 3);
      const attrs: onnx.IAttributeProto[] = [ints('kernel_shape', [kh, kw])];
      const o = geo(H, W, kh, kw, attrs, isMax, isMax, true);
      if (!o || o[0] < 1 || o[1] < 1) { k--; continue; }
      if (!isMax && r() < 0.5) attrs.push(int('count_include_pad', 1));
      nodes.push(node(isMax ? 'MaxPool' : 'AveragePool', [x], [y], name, attrs));
      shapes.set(y, [n, C, o[0], o[1]]);
    } else if (kind === 'un') {
      const op = pick(['Relu', 'Clip', 'HardSwish', 'Sigmoid', 'LeakyRelu', 'Tanh', 'HardSigmoid', 'Neg']);
      if (op === 'Clip') {
        if (!shapes.has('lo')) { inits.push(floatTensor('lo', [], [-0.3]), floatTensor('hi', [], [0.4])); shapes.set('lo', []); shapes.set('hi', []); }
        nodes.push(node('Clip', [x, 'lo', pick(['hi', ''])], [y], name));
      } else nodes.push(node(op, [x], [y], name, op === 'LeakyRelu' ? [flt('alpha', 0.1)] : []));
      shapes.set(y, [n, C, H, W]);
    } else if (kind === 'bin') {
      const op = pick(['Add', 'Mul', 'Sub', 'Max', 'Div']);
      const same = avail.filter((v) => JSON.stringify(shapes.get(v)) === JSON.stringify([n, C, H, W]));
      const choice = r();
      let b: string;
      if (choice < 0.5) b = pick(same);
      else if (choice < 0.65 && shapes.has('s')) b = 's';
      else if (choice < 0.8) { b = `${name}.c`; inits.push(floatTensor(b, [1], [r() + 0.5])); }
      else { b = `${name}.c`; inits.push(floatTensor(b, [1, C, 1, 1], vals(C).map((q) => q + 2))); }
      if (op === 'Div' && (b === x || same.includes(b))) { k--; continue; }
      nodes.push(node(op, r() < 0.5 ? [x, b] : [b, x], [y], name));
      shapes.set(y, [n, C, H, W]);
    } else if (kind === 'gap') {
      nodes.push(node(pick(['GlobalAveragePool', 'GlobalMaxPool']), [x], [y], name));
      shapes.set(y, [n, C, 1, 1]);
    } else {
      const which = pick(['softmax', 'concat', 'transpose', 'mulbc']);
      if (which === 'softmax') { nodes.push(node('Softmax', [x], [y], name, [int('axis', 1)])); shapes.set(y, [n, C, H, W]); }
      else if (which === 'concat') {
        const z = pick(avail.filter((v) => { const s = shapes.get(v)!; return s[0] === n && s[2] === H && s[3] === W; }));
        nodes.push(node('Concat', [x, z], [y], name, [int('axis', 1)])); shapes.set(y, [n, C + shapes.get(z)![1], H, W]);
      } else if (which === 'transpose') { nodes.push(node('Transpose', [x], [y], name, [ints('perm', [0, 1, 3, 2])])); shapes.set(y, [n, C, W, H]); }
      else {
        const g = avail.filter((v) => { const s = shapes.get(v)!; return s[0] === n && s[1] === C && s[2] === 1 && s[3] === 1; });
        if (!g.length) { k--; continue; }
        nodes.push(node('Mul', [x, pick(g)], [y], name)); shapes.set(y, [n, C, H, W]);
      }
    }
    desc.push(`${nodes[nodes.length - 1].opType}(${nodes[nodes.length - 1].input!.join(',')})->${y}${JSON.stringify(shapes.get(y))} ${JSON.stringify((nodes[nodes.length - 1].attribute ?? []).map((a) => [a.name, a.ints ?? a.i ?? (a.s ? new TextDecoder().decode(a.s as Uint8Array) : a.f)]))}`);
  }
  const produced = nodes.map((q) => q.output![0]);
  const read = new Set(nodes.flatMap((q) => q.input!));
  const outs = produced.filter((v, i) => !read.has(v) || i === produced.length - 1 || r() < 0.2);
  return { parts: { inputs: gin, outputs: outs.map((o) => ({ name: o, type: { tensorType: { elemType: FLOAT } } })), initializers: inits, nodes, opset: 14 }, inputs, desc };
}

describe('layout-nhwc on random graphs', () => {
  const from = Number(process.env.ACCELC_FUZZ_SEED ?? 1), count = Math.max(1, Math.round(Number(process.env.ACCELC_FUZZ_COUNT ?? 300) / 15));
  for (let seed = from; seed < from + count; seed++) {
    it(`seed ${seed}`, async () => {
      const { parts, inputs, desc } = gen(seed);
      const path = join(mkdtempSync(join(tmpdir(), 'accelc-fuzz-')), 'm.onnx');
      writeFileSync(path, encode(parts));
      const ref = await runOrtNode(path, inputs);
      const problems: string[] = [];
      for (const layout of ['nchw', 'nhwc', 'auto'] as const) {
        let wasm: Uint8Array, nh = 0;
        try { const c = await compile(path, { layout }); wasm = c.wasm; nh = c.graph.nodes.filter((q) => q.op.startsWith('Nhwc')).length; } catch (e) { problems.push(`${layout}: compile: ${String(e).split('\n')[0]}`); continue; }
        for (const threads of [1, 2]) {
          const s = await InferenceSession.create(wasm, { threads, inlineWork: 0 });
          const ours = await s.run(inputs);
          await s.release();
          for (const o of parts.outputs!) {
            const e = relError(ours[o.name!], ref[o.name!]);
            if (!(e <= 1e-4) || JSON.stringify(ours[o.name!].dims) !== JSON.stringify(ref[o.name!].dims)) problems.push(`${layout} t${threads} (${nh} nhwc) ${o.name}: err ${e}`);
          }
        }
      }
      if (problems.length) console.log(`seed ${seed}\n  ${desc.join('\n  ')}\n  outputs ${parts.outputs!.map((o) => o.name).join(',')}\n  ${problems.join('\n  ')}`);
      expect(problems).toEqual([]);
    });
  }
});

describe('layout-nhwc: the graph it makes', () => {
  it('no value left unreferenced by the pass, every input defined', () => {
    const bad: string[] = [];
    for (let seed = 1; seed < 300; seed++) {
      const { parts } = gen(seed);
      let g;
      try { g = eliminateDeadNodes(loadOnnx(encode(parts), { modelName: 'f' }).graph); } catch { continue; }
      const h = layoutNhwc(g, { all: true });
      const refd = new Set([...h.inputs, ...h.outputs, ...h.nodes.flatMap((n) => [...n.inputs, ...n.outputs])]);
      for (const [name, v] of h.values) if (!refd.has(name) && !v.const) bad.push(`seed ${seed}: ${name} unreferenced`);
      const defined = new Set([...h.inputs, ...[...h.values.values()].filter((v) => v.const).map((v) => v.name)]);
      for (const n of h.nodes) { for (const i of n.inputs) if (i && !defined.has(i)) bad.push(`seed ${seed}: ${n.name} reads undefined ${i}`); for (const o of n.outputs) { if (defined.has(o)) bad.push(`seed ${seed}: ${o} defined twice`); if (!h.values.has(o)) bad.push(`seed ${seed}: ${o} has no value`); defined.add(o); } }
    }
    expect(bad).toEqual([]);
  });
});
