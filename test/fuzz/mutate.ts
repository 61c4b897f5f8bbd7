// Seeded mutations of ONNX files at the protobuf level: the file is parsed into a tree of fields
// (a small schema says which length-delimited fields are messages: model, graph, node, attribute,
// tensor, value info), mutated, and serialized again with correct lengths unless the mutation is a
// length lie. Independent of the compiler's decoder.

export { Rng, parseTree, serialize, mutate, MUTATIONS };
export type { Mutation, Field, Message };

/** xorshift32: small, seedable, the same on every platform. */
class Rng {
  #s: number;
  constructor(seed: number) { this.#s = (seed >>> 0) || 0x9e3779b9; }
  next(): number {
    let x = this.#s;
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    this.#s = x;
    return x / 4294967296;
  }
  int(n: number): number { return Math.floor(this.next() * n); }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)]; }
}

interface Field {
  no: number;
  wire: number;
  /** Leaf payload: the varint/fixed bytes, or a length-delimited payload that is not a message. */
  raw?: Uint8Array;
  /** A length-delimited field parsed as a message. */
  msg?: Message;
  /** Length prefix to write instead of the real one (a length lie). */
  lie?: number;
}
interface Message { type: string; fields: Field[] }

/** Which length-delimited fields hold messages, per message type. */
const SCHEMA: Record<string, Record<number, string>> = {
  model: { 7: 'graph', 8: 'opset' },
  graph: { 1: 'node', 5: 'tensor', 11: 'valueinfo', 12: 'valueinfo', 13: 'valueinfo' },
  node: { 5: 'attribute' },
  attribute: { 5: 'tensor', 6: 'graph', 10: 'tensor', 11: 'graph' },
  tensor: { 13: 'entry' },
  valueinfo: { 2: 'type' },
  type: { 1: 'tensortype' },
  tensortype: { 2: 'shape' },
  shape: { 1: 'dim' },
  opset: {}, entry: {}, dim: {},
};

function readVarint(b: Uint8Array, at: number): [number, number] {
  let v = 0, mul = 1, i = at;
  for (;;) {
    if (i >= b.length || i - at > 9) throw new Error('bad varint');
    const x = b[i++];
    v += (x & 127) * mul;
    if (x < 128) return [v, i];
    mul *= 128;
  }
}

function writeVarint(out: number[], v: number): void {
  do {
    let x = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) x |= 128;
    out.push(x);
  } while (v > 0);
}

function parseTree(b: Uint8Array, type = 'model', depth = 0): Message {
  const fields: Field[] = [];
  let at = 0;
  while (at < b.length) {
    const [key, p] = readVarint(b, at);
    const no = Math.floor(key / 8), wire = key % 8;
    let end: number;
    if (wire === 0) end = readVarint(b, p)[1];
    else if (wire === 1) end = p + 8;
    else if (wire === 5) end = p + 4;
    else if (wire === 2) {
      const [len, q] = readVarint(b, p);
      end = q + len;
      if (end > b.length) throw new Error('bad length');
      const child = SCHEMA[type]?.[no];
      const payload = b.subarray(q, end);
      fields.push(child && depth < 64 ? { no, wire, msg: parseTree(payload, child, depth + 1) } : { no, wire, raw: payload });
      at = end;
      continue;
    } else throw new Error(`wire type ${wire}`);
    if (end > b.length) throw new Error('truncated');
    fields.push({ no, wire, raw: b.subarray(p, end) });
    at = end;
  }
  return { type, fields };
}

function serialize(m: Message): Uint8Array {
  const parts: Uint8Array[] = [];
  const total = emit(m, parts);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** Appends the message's bytes to parts (payloads are not copied), returns their length. */
function emit(m: Message, parts: Uint8Array[]): number {
  let n = 0;
  const head = (xs: number[]) => { parts.push(Uint8Array.from(xs)); n += xs.length; };
  for (const f of m.fields) {
    const key: number[] = [];
    writeVarint(key, f.no * 8 + f.wire);
    if (f.wire !== 2) { head(key); parts.push(f.raw!); n += f.raw!.length; continue; }
    const inner: Uint8Array[] = [];
    const len = f.msg ? emit(f.msg, inner) : (inner.push(f.raw!), f.raw!.length);
    writeVarint(key, f.lie ?? len);
    head(key);
    parts.push(...inner);
    n += len;
  }
  return n;
}

/** Every message in the tree, with its path depth. */
function messages(m: Message, acc: Message[] = []): Message[] {
  acc.push(m);
  for (const f of m.fields) if (f.msg) messages(f.msg, acc);
  return acc;
}

function leaves(m: Message): Field[] {
  return messages(m).flatMap((x) => x.fields.filter((f) => !f.msg));
}

const EXTREMES = [0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 1, 2 ** 53 - 1, -1];

function varintBytes(v: number): Uint8Array {
  if (v < 0) return Uint8Array.from([255, 255, 255, 255, 255, 255, 255, 255, 255, 1]);   // -1 as int64
  const out: number[] = [];
  writeVarint(out, v);
  return Uint8Array.from(out);
}

type Mutation = (bytes: Uint8Array, rng: Rng) => Uint8Array;

const MUTATIONS: Record<string, Mutation> = {
  /** Flip 1 to 4 bits, mostly outside large payloads (weights), where the structure is. */
  bitFlip: (bytes, rng) => {
    const out = bytes.slice();
    const structural = leaves(parseTree(bytes)).filter((f) => (f.raw?.length ?? 0) < 64);
    for (let k = 1 + rng.int(4); k > 0; k--) {
      const f = structural.length && rng.next() < 0.8 ? rng.pick(structural) : undefined;
      const at = f?.raw && f.raw.length ? f.raw.byteOffset - bytes.byteOffset + rng.int(f.raw.length) : rng.int(out.length);
      out[at] ^= 1 << rng.int(8);
    }
    return out;
  },
  truncate: (bytes, rng) => bytes.slice(0, rng.int(bytes.length)),
  /** Swap two fields of one message (two nodes, a node's inputs, two dims...). */
  fieldSwap: (bytes, rng) => {
    const tree = parseTree(bytes);
    const many = messages(tree).filter((m) => m.fields.length >= 2);
    if (!many.length) return bytes;
    const m = rng.pick(many), i = rng.int(m.fields.length), j = rng.int(m.fields.length);
    [m.fields[i], m.fields[j]] = [m.fields[j], m.fields[i]];
    return serialize(tree);
  },
  /** Swap the values of two same-numbered leaf fields anywhere (names, input references, dims). */
  valueSwap: (bytes, rng) => {
    const tree = parseTree(bytes);
    const all = leaves(tree);
    const a = rng.pick(all), peers = all.filter((f) => f.no === a.no && f.wire === a.wire && f !== a);
    if (!peers.length) return bytes;
    const b = rng.pick(peers);
    [a.raw, b.raw] = [b.raw, a.raw];
    return serialize(tree);
  },
  fieldDelete: (bytes, rng) => {
    const tree = parseTree(bytes);
    const m = rng.pick(messages(tree).filter((x) => x.fields.length > 0));
    m.fields.splice(rng.int(m.fields.length), 1);
    return serialize(tree);
  },
  fieldDuplicate: (bytes, rng) => {
    const tree = parseTree(bytes);
    const m = rng.pick(messages(tree).filter((x) => x.fields.length > 0));
    const i = rng.int(m.fields.length);
    m.fields.splice(i, 0, m.fields[i]);
    return serialize(tree);
  },
  /** Set a varint (a dim, a type code, an attribute int, an opset) to an extreme value. */
  extremeVarint: (bytes, rng) => {
    const tree = parseTree(bytes);
    const ints = leaves(tree).filter((f) => f.wire === 0);
    if (!ints.length) return bytes;
    rng.pick(ints).raw = varintBytes(rng.pick(EXTREMES));
    return serialize(tree);
  },
  /** A length prefix that disagrees with its payload. */
  lengthLie: (bytes, rng) => {
    const tree = parseTree(bytes);
    const delimited = messages(tree).flatMap((m) => m.fields.filter((f) => f.wire === 2));
    if (!delimited.length) return bytes;
    const f = rng.pick(delimited);
    const real = f.msg ? serialize(f.msg).length : f.raw!.length;
    f.lie = rng.pick([0, real + 1, real - 1, real * 2 + 7, 2 ** 31 - 1].filter((x) => x >= 0 && x !== real));
    return serialize(tree);
  },
};

function mutate(bytes: Uint8Array, rng: Rng): { name: string; bytes: Uint8Array } {
  const names = Object.keys(MUTATIONS);
  const name = rng.pick(names);
  return { name, bytes: MUTATIONS[name](bytes, rng) };
}
