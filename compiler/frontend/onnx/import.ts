// ONNX bytes -> Graph: decode, read opset, initializers (const Values), graph inputs (shapes fixed
// from opts.shapes or defaulted to 1 with a warning), nodes with converted attributes, Constant
// nodes folded into const Values, output checks and a topological order.
// graph.name is the model name (errors downstream cite it). After import, graph.values holds inputs, constants and the declared types of graph outputs;
// inferShapes fills in every other value.

import { fail } from '../../errors.js';
import type { Dim, Graph, Node, Tensor, Value } from '../../ir/graph.js';
import { convertAttributes } from './attributes.js';
import { constantTensor } from './constant-node.js';
import { decodeModel } from './decode.js';
import { longToNumber } from './long.js';
import type { LongLike, onnx } from './proto.js';
import { isDefaultDomain } from './registry.js';
import { tensorFromProto } from './tensor.js';
import { topoSort } from './toposort.js';
import { readValueInfo } from './value-info.js';

export type { ImportOptions, ImportResult };
export { importModel, MAX_TESTED_OPSET };

interface ImportOptions {
  modelName: string;
  /** Folder that external tensor data is relative to; without it, external data is refused. */
  modelDir?: string;
  /** Fixed shapes for graph inputs, overriding what the model declares. */
  shapes?: Record<string, number[]>;
  /** Graph inputs fixed to these values: they become constants and are no longer inputs. */
  bind?: Record<string, Tensor>;
}

interface ImportResult { graph: Graph; warnings: string[] }

/** Newest default-domain opset whose operator changes accelc knows about. */
const MAX_TESTED_OPSET = 21;

function importModel(bytes: Uint8Array, opts: ImportOptions): ImportResult {
  const model = opts.modelName;
  const proto = decodeModel(bytes, model);
  const g = proto.graph!;
  const warnings: string[] = [];
  const opset = defaultOpset(proto, model);
  if (opset > MAX_TESTED_OPSET) warnings.push(`opset ${opset} is newer than accelc knows (${MAX_TESTED_OPSET}); operators are read with their latest known semantics`);
  const values = new Map<string, Value>();
  const define = (v: Value, what: string) => {
    if (!v.name) fail('E_MODEL', `${what} without a name`, { model });
    if (values.has(v.name)) fail('E_MODEL', `value '${v.name}' is defined more than once`, { model });
    values.set(v.name, v);
  };
  const tctx = { model, modelDir: opts.modelDir };
  for (const t of g.initializer ?? []) {
    const tensor = tensorFromProto(t, tctx);
    define({ name: t.name ?? '', dtype: tensor.dtype, shape: tensor.shape, const: tensor }, 'initializer');
  }
  if ((g.sparseInitializer ?? []).length > 0) fail('E_UNSUPPORTED', 'sparse initializers are not supported', { model });
  const inputs: string[] = [];
  for (const vi of g.input ?? []) {
    if (values.get(vi.name ?? '')?.const) continue; // IR < 4 lists initializers as inputs too
    const bound = opts.bind?.[vi.name ?? ''];
    if (bound) {
      const declared = inputValue(vi, { ...opts, shapes: { [vi.name!]: bound.shape } }, warnings);
      if (declared.dtype !== bound.dtype) fail('E_USAGE', `input '${declared.name}' is ${declared.dtype}, the value bound to it is ${bound.dtype}`, { model });
      define({ ...declared, const: bound }, 'graph input');
      continue;
    }
    define(inputValue(vi, opts, warnings), 'graph input');
    inputs.push(vi.name!);
  }
  for (const name of Object.keys(opts.bind ?? {})) {
    if (!inputs.includes(name) && !values.get(name)?.const) fail('E_USAGE', `a value is bound to '${name}', which is not a graph input`, { model });
  }
  for (const name of Object.keys(opts.shapes ?? {})) {
    if (!inputs.includes(name)) fail('E_USAGE', `a shape is given for '${name}', which is not a graph input (inputs: ${inputs.join(', ')})`, { model });
  }
  const nodes = readNodes(g.node ?? [], opts, define);
  const sorted = topoSort(nodes, new Set(values.keys()), model);
  const outputs = readOutputs(g.output ?? [], sorted, values, model);
  return { graph: { name: model, opset, nodes: sorted, values, inputs, outputs }, warnings };
}

function defaultOpset(proto: onnx.ModelProto, model: string): number {
  const imports = proto.opsetImport ?? [];
  const entry = imports.find((o) => isDefaultDomain(o.domain ?? ''));
  if (entry) return longToNumber((entry.version ?? 0) as LongLike);
  if (imports.length === 0 && longToNumber((proto.irVersion ?? 0) as LongLike) < 3) return 1;
  const others = imports.map((o) => o.domain ?? '').filter(Boolean);
  if (others.length) return fail('E_UNSUPPORTED', `the model imports only operator domains accelc does not implement: ${others.join(', ')}`, { model });
  return fail('E_MODEL', 'the model imports no opset of the default ONNX domain', { model });
}

function inputValue(vi: onnx.IValueInfoProto, opts: ImportOptions, warnings: string[]): Value {
  const name = vi.name ?? '';
  const where = { model: opts.modelName };
  const info = readValueInfo(vi);
  if (!info.isTensor) fail('E_UNSUPPORTED', `graph input '${name}' is not a tensor`, where);
  if (!info.dtype || info.dtype === 'string') fail('E_UNSUPPORTED', `graph input '${name}' has type ${info.elemName}`, where);
  const given = opts.shapes?.[name];
  if (given) {
    if (!given.every((d) => Number.isInteger(d) && d >= 0)) fail('E_USAGE', `shape [${given}] for input '${name}' must be non-negative integers`, where);
    if (info.shape && info.shape.length !== given.length) {
      fail('E_USAGE', `shape [${given}] for input '${name}' has rank ${given.length}, the model declares [${info.shape}]`, where);
    }
    return { name, dtype: info.dtype, shape: checkInputSize(name, [...given], where) };
  }
  if (!info.shape) return fail('E_MODEL', `graph input '${name}' has no declared shape; pass one with the shapes option`, where);
  const shape = info.shape.map((d: Dim, k: number) => {
    if (typeof d === 'number') {
      if (d < 0) fail('E_MODEL', `graph input '${name}' has a negative dim ${d}`, where);
      return d;
    }
    warnings.push(`input '${name}': dim ${k}${d === '?' ? '' : ` ('${d}')`} is not fixed; assuming 1`);
    return 1;
  });
  return { name, dtype: info.dtype, shape: checkInputSize(name, shape, where) };
}

/** Tensors are indexed with 32-bit arithmetic: a graph input may hold at most 2^31 elements. */
function checkInputSize(name: string, shape: number[], where: { model: string }): number[] {
  if (shape.reduce((a, b) => a * b, 1) > 2 ** 31) fail('E_MODEL', `graph input '${name}' has dims [${shape}], more than 2^31 elements`, where);
  return shape;
}

function readNodes(protos: readonly onnx.INodeProto[], opts: ImportOptions, define: (v: Value, what: string) => void): Node[] {
  const model = opts.modelName;
  const used = new Set(protos.map((n) => n.name ?? '').filter((n) => n !== ''));
  const nodes: Node[] = [];
  protos.forEach((p, i) => {
    const op = p.opType ?? '';
    if (!op) fail('E_MODEL', `node ${i} has no op_type`, { model });
    let name = p.name ?? '';
    if (!name) {
      name = `${op}_${i}`;
      for (let k = 1; used.has(name); k++) name = `${op}_${i}_${k}`;
      used.add(name);
    }
    const domain = p.domain ?? '';
    const outputs = [...(p.output ?? [])];
    if (op === 'Constant' && isDefaultDomain(domain)) {
      if (outputs.length !== 1 || !outputs[0]) fail('E_MODEL', 'a Constant needs exactly one output', { model, node: name, op });
      const tensor = constantTensor(p, { model, modelDir: opts.modelDir, node: name });
      define({ name: outputs[0], dtype: tensor.dtype, shape: tensor.shape, const: tensor }, 'constant');
      return;
    }
    const attrs = convertAttributes(p.attribute ?? [], { model, modelDir: opts.modelDir, node: name, op });
    nodes.push({ name, op, domain: domain === 'ai.onnx' ? '' : domain, inputs: [...(p.input ?? [])], outputs, attrs });
  });
  return nodes;
}

function readOutputs(vis: readonly onnx.IValueInfoProto[], nodes: readonly Node[], values: Map<string, Value>, model: string): string[] {
  const produced = new Set(nodes.flatMap((n) => n.outputs));
  return vis.map((vi) => {
    const name = vi.name ?? '';
    if (!name) fail('E_MODEL', 'a graph output has no name', { model });
    if (values.has(name)) return name;
    if (!produced.has(name)) fail('E_MODEL', `graph output '${name}' is not produced by any node, graph input or initializer`, { model });
    const info = readValueInfo(vi);
    if (info.dtype && info.dtype !== 'string' && info.shape) values.set(name, { name, dtype: info.dtype, shape: info.shape });
    return name;
  });
}
