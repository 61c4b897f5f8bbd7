// A linear, non-recursive walk over protobuf wire format, run before protobufjs decodes a model.
// protobufjs recurses once per nested message without limit, so a small file of deeply nested
// messages overflows the stack; this scan bounds the depth and rejects malformed framing first.
// It descends exactly into the fields that onnx-proto (ONNX 1.10 schema) decodes as messages.

export { scanWire, MAX_DEPTH };

const MAX_DEPTH = 64;

type Kind =
  | 'model' | 'graph' | 'node' | 'attribute' | 'tensor' | 'sparse' | 'valueInfo' | 'type'
  | 'typeTensor' | 'typeElem' | 'typeMap' | 'shape' | 'training' | 'function' | 'annotation' | 'leaf';

/** For each message kind: field number -> kind of the nested message in that field. */
const SCHEMA: Record<Kind, Record<number, Kind>> = {
  model: { 7: 'graph', 8: 'leaf', 14: 'leaf', 20: 'training', 25: 'function' },
  graph: { 1: 'node', 5: 'tensor', 15: 'sparse', 11: 'valueInfo', 12: 'valueInfo', 13: 'valueInfo', 14: 'annotation' },
  node: { 5: 'attribute' },
  attribute: { 5: 'tensor', 6: 'graph', 22: 'sparse', 14: 'type', 10: 'tensor', 11: 'graph', 23: 'sparse', 15: 'type' },
  tensor: { 3: 'leaf', 13: 'leaf' },
  sparse: { 1: 'tensor', 2: 'tensor' },
  valueInfo: { 2: 'type' },
  type: { 1: 'typeTensor', 4: 'typeElem', 5: 'typeMap', 8: 'typeTensor', 9: 'typeElem' },
  typeTensor: { 2: 'shape' },
  typeElem: { 1: 'type' },
  typeMap: { 2: 'type' },
  shape: { 1: 'leaf' },
  training: { 1: 'graph', 2: 'graph', 3: 'leaf', 4: 'leaf' },
  function: { 7: 'node', 9: 'leaf' },
  annotation: { 2: 'leaf' },
  leaf: {},
};

interface Frame { kind: Kind; end: number }

/**
 * Checks the framing of a serialized ModelProto: valid wire types, varints and lengths that stay
 * inside their enclosing message, message nesting at most MAX_DEPTH. Returns a one-line problem
 * description, or undefined when the bytes are safe to hand to protobufjs.
 */
function scanWire(buf: Uint8Array): string | undefined {
  const stack: Frame[] = [];
  let cur: Frame = { kind: 'model', end: buf.length };
  let pos = 0;
  for (;;) {
    while (pos === cur.end) {
      const up = stack.pop();
      if (!up) return undefined;
      cur = up;
    }
    const at = pos;
    const tag = readVarint(buf, pos, cur.end);
    if (tag === undefined) return cutShort(at, stack.length);
    pos = tag.next;
    if (tag.value > 0xffffffff) return `not an ONNX protobuf (invalid field tag at byte ${at})`;
    const field = Math.floor(tag.value / 8);
    const wire = tag.value % 8;
    if (field === 0) return `not an ONNX protobuf (field number 0 at byte ${at})`;
    const child = SCHEMA[cur.kind][field];
    if (child && wire !== 2) return `not an ONNX protobuf (field ${field} at byte ${at} has wire type ${wire}, expected a message)`;
    switch (wire) {
      case 0: {
        const v = readVarint(buf, pos, cur.end);
        if (v === undefined) return cutShort(at, stack.length);
        pos = v.next;
        break;
      }
      case 1: case 5: {
        const size = wire === 1 ? 8 : 4;
        if (pos + size > cur.end) return cutShort(at, stack.length);
        pos += size;
        break;
      }
      case 2: {
        const len = readVarint(buf, pos, cur.end);
        if (len === undefined || len.next + len.value > cur.end) return cutShort(at, stack.length);
        pos = len.next;
        if (!child) { pos += len.value; break; }
        if (stack.length + 1 > MAX_DEPTH) return `messages nested deeper than ${MAX_DEPTH} levels (at byte ${at})`;
        stack.push(cur);
        cur = { kind: child, end: pos + len.value };
        break;
      }
      default:
        return `not an ONNX protobuf (invalid wire type ${wire} at byte ${at})`;
    }
  }
}

function cutShort(at: number, depth: number): string {
  return depth === 0
    ? `truncated or corrupt file (field at byte ${at} runs past the end of the data)`
    : `corrupt file (field at byte ${at} runs past the end of its enclosing message)`;
}

/** Reads a base-128 varint (at most 10 bytes) as a double; undefined when it runs past `end`. */
function readVarint(buf: Uint8Array, pos: number, end: number): { value: number; next: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) return undefined;
    const b = buf[pos++];
    value += (b & 0x7f) * scale;
    if (b < 0x80) return { value, next: pos };
    scale *= 128;
  }
  return undefined;
}
