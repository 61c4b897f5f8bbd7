// Typed attribute getters: a wrong type or a missing required attribute is an E_MODEL naming the node.

import type { Node, Tensor } from '../../../../ir/graph.js';
import type { OpCtx } from '../../op-schema.js';
import { opFail } from './check.js';

export { hasAttr, attrInt, attrFloat, attrString, attrInts, attrFloats, attrTensor };

function hasAttr(node: Node, name: string): boolean {
  return node.attrs[name] !== undefined;
}

function missing(node: Node, ctx: OpCtx | undefined, name: string): never {
  return opFail(node, ctx, 'E_MODEL', `missing required attribute '${name}'`);
}

function wrong(node: Node, ctx: OpCtx | undefined, name: string, want: string): never {
  return opFail(node, ctx, 'E_MODEL', `attribute '${name}' must be ${want}`);
}

function attrInt(node: Node, name: string, def?: number, ctx?: OpCtx): number {
  const v = node.attrs[name];
  if (v === undefined) return def ?? missing(node, ctx, name);
  if (typeof v !== 'number' || !Number.isInteger(v)) return wrong(node, ctx, name, 'an integer');
  return v;
}

function attrFloat(node: Node, name: string, def?: number, ctx?: OpCtx): number {
  const v = node.attrs[name];
  if (v === undefined) return def ?? missing(node, ctx, name);
  if (typeof v !== 'number') return wrong(node, ctx, name, 'a float');
  return v;
}

function attrString(node: Node, name: string, def?: string, ctx?: OpCtx): string {
  const v = node.attrs[name];
  if (v === undefined) return def ?? missing(node, ctx, name);
  if (typeof v !== 'string') return wrong(node, ctx, name, 'a string');
  return v;
}

function attrInts(node: Node, name: string, def?: number[], ctx?: OpCtx): number[] {
  const v = node.attrs[name];
  if (v === undefined) return def ?? missing(node, ctx, name);
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isInteger(x))) {
    return wrong(node, ctx, name, 'a list of integers');
  }
  return v as number[];
}

function attrFloats(node: Node, name: string, def?: number[], ctx?: OpCtx): number[] {
  const v = node.attrs[name];
  if (v === undefined) return def ?? missing(node, ctx, name);
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) return wrong(node, ctx, name, 'a list of floats');
  return v as number[];
}

function attrTensor(node: Node, name: string, ctx?: OpCtx): Tensor | undefined {
  const v = node.attrs[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || Array.isArray(v) || !('data' in v)) return wrong(node, ctx, name, 'a tensor');
  return v;
}
