// AttributeProto -> AttrValue. INT/INTS become numbers (exact below 2^53), STRING(S) UTF-8 strings,
// TENSOR(S) Tensors. Subgraphs (GRAPH/GRAPHS), sparse tensors and type protos are not converted:
// the ops that carry them (If, Loop, Scan...) are unsupported and reported as such.

import { fail } from '../../errors.js';
import type { AttrValue } from '../../ir/graph.js';
import { longToNumber } from './long.js';
import type { LongLike, onnx } from './proto.js';
import { tensorFromProto } from './tensor.js';

export { convertAttributes };

interface AttrCtx { model: string; modelDir?: string; node: string; op: string }

const utf8 = new TextDecoder('utf-8');

// AttributeProto.AttributeType
const FLOAT = 1, INT = 2, STRING = 3, TENSOR = 4, GRAPH = 5, FLOATS = 6, INTS = 7, STRINGS = 8, TENSORS = 9;
const GRAPHS = 10, SPARSE_TENSOR = 11, SPARSE_TENSORS = 12, TYPE_PROTO = 13, TYPE_PROTOS = 14;
const SKIPPED = new Set([GRAPH, GRAPHS, SPARSE_TENSOR, SPARSE_TENSORS, TYPE_PROTO, TYPE_PROTOS]);

function convertAttributes(attrs: readonly onnx.IAttributeProto[], ctx: AttrCtx): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const a of attrs) {
    const name = a.name ?? '';
    const where = { model: ctx.model, node: ctx.node, op: ctx.op };
    if (!name) fail('E_MODEL', 'attribute without a name', where);
    if (a.refAttrName) fail('E_UNSUPPORTED', `attribute '${name}' refers to a function attribute`, where);
    if (name in out) fail('E_MODEL', `attribute '${name}' appears twice`, where);
    if (name.startsWith('accelc.')) fail('E_MODEL', `attribute '${name}': names beginning 'accelc.' are reserved for accelc's own passes`, where);
    const type = a.type || guessType(a);
    if (SKIPPED.has(type)) continue;
    const v = convertOne(a, type, ctx, name);
    if (v === undefined) fail('E_MODEL', `attribute '${name}' has unknown type ${type}`, where);
    out[name] = v;
  }
  return out;
}

function convertOne(a: onnx.IAttributeProto, type: number, ctx: AttrCtx, name: string): AttrValue | undefined {
  const tensor = (t: onnx.ITensorProto) => tensorFromProto(t, ctx, `${ctx.node}.${name}`);
  switch (type) {
    case FLOAT: return a.f ?? 0;
    case INT: return longToNumber((a.i ?? 0) as LongLike);
    case STRING: return utf8.decode(a.s ?? new Uint8Array());
    case TENSOR: return a.t ? tensor(a.t) : undefined;
    case FLOATS: return [...(a.floats ?? [])];
    case INTS: return (a.ints ?? []).map((v) => longToNumber(v as LongLike));
    case STRINGS: return (a.strings ?? []).map((s) => utf8.decode(s));
    case TENSORS: return (a.tensors ?? []).map(tensor);
    default: return undefined;
  }
}

/** Very old models leave `type` unset (0); infer it from which field is present. */
function guessType(a: onnx.IAttributeProto): number {
  const has = (k: keyof onnx.IAttributeProto) => Object.prototype.hasOwnProperty.call(a, k) && a[k] !== null;
  const nonEmpty = (v: unknown[] | null | undefined) => !!v && v.length > 0;
  if (nonEmpty(a.floats)) return FLOATS;
  if (nonEmpty(a.ints)) return INTS;
  if (nonEmpty(a.strings)) return STRINGS;
  if (nonEmpty(a.tensors)) return TENSORS;
  if (nonEmpty(a.graphs)) return GRAPHS;
  if (has('t')) return TENSOR;
  if (has('g')) return GRAPH;
  if (has('s')) return STRING;
  if (has('i')) return INT;
  if (has('f')) return FLOAT;
  return 0;
}
