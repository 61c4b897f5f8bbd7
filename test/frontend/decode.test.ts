// decodeModel refuses empty, garbage, truncated and deeply nested input with one-line E_DECODE errors.

import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeModel } from '../../compiler/frontend/onnx/decode.js';
import { onnx } from '../../compiler/frontend/onnx/proto.js';
import { encode, expectError, FLOAT, node, valueInfo } from './build-model.js';

const small = () => encode({
  nodes: [node('Relu', ['x'], ['y'], 'relu')],
  inputs: [valueInfo('x', FLOAT, [1, 4])],
  outputs: [valueInfo('y', FLOAT, [1, 4])],
});

/** Messages nested along `tags` (one-byte field tags with wire type 2, outermost first). */
function nest(tags: number[]): Uint8Array {
  const len = new Array<number>(tags.length + 1).fill(0);
  const varintSize = (v: number) => (v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : 4);
  for (let i = tags.length - 1; i >= 0; i--) len[i] = 1 + varintSize(len[i + 1]) + len[i + 1];
  const out = new Uint8Array(len[0]);
  let p = 0;
  for (let i = 0; i < tags.length; i++) {
    out[p++] = tags[i];
    let v = len[i + 1];
    while (v >= 0x80) { out[p++] = (v & 0x7f) | 0x80; v >>>= 7; }
    out[p++] = v;
  }
  return out;
}

/** ModelProto.graph -> GraphProto.input -> ValueInfoProto.type -> (TypeProto.sequence_type -> Sequence.elem_type) x depth. */
function typeBomb(depth: number): Uint8Array {
  const tags = [0x3a, 0x5a, 0x12];
  for (let i = 0; i < depth; i++) tags.push(0x22, 0x0a);
  return nest(tags);
}

describe('decodeModel', () => {
  it('decodes a valid model', () => {
    expect(decodeModel(small(), 'm').graph!.node!.length).toBe(1);
  });
  it('refuses an empty file', () => {
    expectError(() => decodeModel(new Uint8Array(), 'm'), 'E_DECODE', /^E_DECODE: model m: empty file/);
  });
  it('refuses garbage', () => {
    expectError(() => decodeModel(new TextEncoder().encode('hello, this is not an ONNX model\n'), 'm'), 'E_DECODE');
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    for (let k = 0; k < 20; k++) {
      const bytes = Uint8Array.from({ length: 1000 }, rnd);
      expectError(() => decodeModel(bytes, 'm'), 'E_DECODE');
    }
  });
  it('refuses truncated files', () => {
    const bytes = small();
    for (const cut of [1, 5, bytes.length - 3, bytes.length - 1]) {
      expectError(() => decodeModel(bytes.subarray(0, cut), 'm'), 'E_DECODE');
    }
    const path = '/work/shared/models/digits_cnn.onnx';
    if (existsSync(path)) {
      const real = readFileSync(path);
      expectError(() => decodeModel(real.subarray(0, real.length >> 1), 'digits'), 'E_DECODE', /truncated|corrupt/);
    }
  });
  it('refuses a nesting bomb before protobufjs overflows its stack', () => {
    const bomb = typeBomb(100_000);
    expect(() => onnx.ModelProto.decode(bomb)).toThrow(RangeError);
    expectError(() => decodeModel(bomb, 'bomb'), 'E_DECODE', /nested deeper than 64/);
  });
  it('turns a stack overflow the scan cannot see into E_DECODE', () => {
    // Field 1 (ir_version, a varint) sent as length-delimited: the scan skips the payload, while
    // protobufjs reads the length as the version and then parses the payload as model fields.
    const bomb = typeBomb(100_000);
    const head = [0x0a];
    for (let v = bomb.length; ; v >>>= 7) {
      if (v < 0x80) { head.push(v); break; }
      head.push((v & 0x7f) | 0x80);
    }
    const bytes = new Uint8Array(head.length + bomb.length);
    bytes.set(head);
    bytes.set(bomb, head.length);
    expectError(() => decodeModel(bytes, 'm'), 'E_DECODE', /nested too deeply|not an ONNX/);
  });
  it('accepts moderate nesting, refuses just past the limit', () => {
    expect(() => decodeModel(typeBomb(20), 'm')).not.toThrow();
    expectError(() => decodeModel(typeBomb(40), 'm'), 'E_DECODE', /deeper than 64/);
  });
});
