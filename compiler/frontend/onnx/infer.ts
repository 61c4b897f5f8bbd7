// Shape and type inference over a topologically ordered Graph, with constant folding: a node whose
// inputs are all constant is evaluated (if its op can be and the result is small) and disappears,
// leaving const Values. Unsupported operators are all collected and reported in one E_UNSUPPORTED.

import { fail } from '../../errors.js';
import { isStatic, numel, type Graph, type Node, type Tensor, type Value } from '../../ir/graph.js';
import type { InferredOutput, OpCtx, OpSchema, StaticValue } from './op-schema.js';
import { lookupOp } from './registry.js';

export { inferShapes, MAX_FOLD_ELEMENTS };

/** Constant folding stops at outputs this large (weights are not recomputed at compile time). */
const MAX_FOLD_ELEMENTS = 1 << 20;
/** ...and at inputs this large, to keep the reference kernels' compile-time cost bounded. */
const MAX_FOLD_INPUT_ELEMENTS = 1 << 24;
const MAX_ELEMENTS = 2 ** 31;

/** `warnings` collects declared output dims that differ from the computed ones (the computed are used). */
function inferShapes(graph: Graph, modelName: string, warnings: string[] = []): Graph {
  const ctx: OpCtx = { opset: graph.opset, model: modelName };
  const schemas = resolveSchemas(graph, modelName);
  const values = new Map(graph.values);
  const nodes: Node[] = [];
  graph.nodes.forEach((node, i) => {
    const inputs = node.inputs.map((name) => (name === '' ? undefined : staticInput(values, name, node, modelName)));
    const outs = schemas[i].infer(node, inputs, ctx);
    checkOutputs(node, outs, ctx);
    const folded = fold(schemas[i], node, inputs, outs, ctx);
    // A value is const exactly when no node computes it: partly foldable nodes stay whole.
    const kept = node.outputs.some((name, k) => name !== '' && !folded[k]);
    const consts = kept ? [] : folded;
    node.outputs.forEach((name, k) => {
      if (name === '') return;
      const declared = values.get(name);
      if (declared) checkDeclared(declared, outs[k], node, modelName, warnings);
      values.set(name, { name, dtype: outs[k].dtype, shape: outs[k].shape, ...(consts[k] && { const: consts[k] }) });
    });
    if (kept) nodes.push(node);
  });
  return { ...graph, nodes, values: prune(values, nodes, graph) };
}

function resolveSchemas(graph: Graph, model: string): OpSchema[] {
  const missing: string[] = [];
  const schemas = graph.nodes.map((n) => {
    const s = lookupOp(n.op, n.domain, graph.opset);
    if (!s) missing.push(`${n.domain ? `${n.domain}.` : ''}${n.op} (opset ${graph.opset}) at node ${n.name}`);
    return s!;
  });
  if (missing.length > 0) {
    fail('E_UNSUPPORTED', `${missing.length} unsupported operator${missing.length === 1 ? '' : 's'}: ${missing.join('; ')}`, { model });
  }
  return schemas;
}

function staticInput(values: Map<string, Value>, name: string, node: Node, model: string): StaticValue {
  const v = values.get(name);
  const where = { model, node: node.name, op: node.op };
  if (!v) return fail('E_MODEL', `input '${name}' is not defined before this node`, where);
  if (!isStatic(v.shape)) return fail('E_SHAPE', `input '${name}' has a symbolic shape [${v.shape}]`, where);
  return v as StaticValue;
}

function checkOutputs(node: Node, outs: InferredOutput[], ctx: OpCtx): void {
  const where = { model: ctx.model, node: node.name, op: node.op };
  node.outputs.forEach((name, k) => {
    if (name === '') return;
    const o = outs[k];
    if (!o) fail('E_MODEL', `has ${node.outputs.length} outputs, ${node.op} defines ${outs.length}`, where);
    if (!o.shape.every((d) => Number.isInteger(d) && d >= 0) || numel(o.shape) > MAX_ELEMENTS) {
      fail('E_SHAPE', `output '${name}' would have shape [${o.shape}]`, where);
    }
  });
}

/** Constant outputs: known from infer, or evaluated when every present input is constant and they are small. */
function fold(schema: OpSchema, node: Node, inputs: Array<StaticValue | undefined>, outs: InferredOutput[], ctx: OpCtx): Array<Tensor | undefined> {
  const known = outs.map((o) => o.value);
  const needed = node.outputs.some((name, k) => name !== '' && !known[k]);
  if (!needed || !schema.evaluate || !inputs.every((v) => !v || v.const)) return known;
  const size = outs.reduce((acc, o) => acc + numel(o.shape), 0);
  const inputSize = inputs.reduce((acc, v) => acc + (v ? numel(v.shape) : 0), 0);
  if (size > MAX_FOLD_ELEMENTS || inputSize > MAX_FOLD_INPUT_ELEMENTS) return known;
  const result = schema.evaluate(node, inputs.map((v) => v?.const), ctx);
  outs.forEach((o, k) => {
    const t = result[k];
    if (node.outputs[k] && (!t || t.dtype !== o.dtype || t.shape.join() !== o.shape.join())) {
      throw new Error(`accelc bug: ${node.op} evaluate disagrees with infer at node ${node.name} output ${k}`);
    }
  });
  return outs.map((_, k) => known[k] ?? result[k]);
}

function checkDeclared(declared: Value, o: InferredOutput, node: Node, model: string, warnings: string[]): void {
  if (declared.dtype !== o.dtype || declared.shape.length !== o.shape.length) {
    fail('E_SHAPE', `output '${declared.name}' is declared ${declared.dtype} [${declared.shape}] but computes ${o.dtype} [${o.shape}]`,
      { model, node: node.name, op: node.op });
  }
  if (declared.shape.some((d, i) => typeof d === 'number' && typeof o.shape[i] === 'number' && d !== o.shape[i])) {
    warnings.push(`output '${declared.name}' of node '${node.name}' is declared [${declared.shape}] but computes [${o.shape}]; the computed shape is used`);
  }
}

/** Drops values nothing refers to any more (folded intermediates, unused initializers). */
function prune(values: Map<string, Value>, nodes: Node[], graph: Graph): Map<string, Value> {
  const live = new Set([...graph.inputs, ...graph.outputs]);
  for (const n of nodes) {
    for (const x of n.inputs) live.add(x);
    for (const x of n.outputs) live.add(x);
  }
  const out = new Map<string, Value>();
  for (const [name, v] of values) if (live.has(name)) out.set(name, v);
  return out;
}
