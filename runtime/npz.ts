// NumPy .npz files: a zip of .npy files, one per array, keyed by the file name without '.npy'.
// Reads stored and deflated entries (zip64 records included, as numpy writes them for large
// arrays) and checks each entry's CRC-32; writes stored entries (no zip64: under 4 GiB).

import { inflateRawSync } from 'node:zlib';
import { fail } from '../compiler/errors.js';
import { encodeNpy, parseNpy } from './npy.js';
import { readFileBytes, writeFileBytes } from './platform.js';
import type { Tensor } from './tensor.js';

export { parseNpz, encodeNpz, readNpz, writeNpz, crc32 };

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const SIG_END64 = 0x06064b50;
const SIG_END64_LOCATOR = 0x07064b50;
const U32_MAX = 0xffffffff;

interface Entry { name: string; method: number; flags: number; crc: number; csize: number; usize: number; local: number }

function parseNpz(bytes: Uint8Array, what = '.npz data'): Record<string, Tensor> {
  const bad = (msg: string): never => fail('E_FILE', `${what}: ${msg}`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Record<string, Tensor> = {};
  for (const e of readCentralDirectory(v, bad)) {
    if (e.flags & 1) bad(`entry '${e.name}' is encrypted`);
    if (e.local + 30 > v.byteLength || v.getUint32(e.local, true) !== SIG_LOCAL) bad(`entry '${e.name}': bad local header`);
    const start = e.local + 30 + v.getUint16(e.local + 26, true) + v.getUint16(e.local + 28, true);
    if (start + e.csize > bytes.length) bad(`entry '${e.name}' is truncated`);
    const raw = bytes.subarray(start, start + e.csize);
    let data: Uint8Array;
    if (e.method === 0) data = raw;
    else if (e.method === 8) data = inflate(raw, e.name, bad);
    else data = bad(`entry '${e.name}' uses zip compression method ${e.method}; only stored and deflated entries are supported`);
    if (data.length !== e.usize || crc32(data) !== e.crc) bad(`entry '${e.name}' is corrupt (size or CRC-32 mismatch)`);
    const key = e.name.replace(/\.npy$/, '');
    out[key] = parseNpy(data, `${what}: '${e.name}'`);
  }
  return out;
}

function inflate(raw: Uint8Array, name: string, bad: (msg: string) => never): Uint8Array {
  try {
    const b = inflateRawSync(raw);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (err) {
    return bad(`entry '${name}' does not inflate: ${(err as Error).message}`);
  }
}

function readCentralDirectory(v: DataView, bad: (msg: string) => never): Entry[] {
  let end = -1;
  for (let p = v.byteLength - 22; p >= Math.max(0, v.byteLength - 22 - 0xffff); p--) {
    if (v.getUint32(p, true) === SIG_END) { end = p; break; }
  }
  if (end < 0) bad('not a zip archive (no end of central directory)');
  let count = v.getUint16(end + 10, true);
  let offset = v.getUint32(end + 16, true);
  if ((count === 0xffff || offset === U32_MAX) && end >= 20 && v.getUint32(end - 20, true) === SIG_END64_LOCATOR) {
    const end64 = big(v, end - 20 + 8);
    if (end64 + 56 > v.byteLength || v.getUint32(end64, true) !== SIG_END64) bad('bad zip64 end of central directory');
    count = big(v, end64 + 32);
    offset = big(v, end64 + 48);
  }
  const entries: Entry[] = [];
  let p = offset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > v.byteLength || v.getUint32(p, true) !== SIG_CENTRAL) bad('bad zip central directory');
    const nameLen = v.getUint16(p + 28, true);
    const extraLen = v.getUint16(p + 30, true);
    const commentLen = v.getUint16(p + 32, true);
    const name = new TextDecoder().decode(new Uint8Array(v.buffer, v.byteOffset + p + 46, nameLen));
    const e: Entry = {
      name, flags: v.getUint16(p + 8, true), method: v.getUint16(p + 10, true), crc: v.getUint32(p + 16, true),
      csize: v.getUint32(p + 20, true), usize: v.getUint32(p + 24, true), local: v.getUint32(p + 42, true),
    };
    applyZip64Extra(v, p + 46 + nameLen, extraLen, e);
    entries.push(e);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** A zip64 extra field (id 1) holds, in order, whichever of usize, csize, offset overflowed. */
function applyZip64Extra(v: DataView, start: number, len: number, e: Entry): void {
  for (let p = start; p + 4 <= start + len;) {
    const id = v.getUint16(p, true);
    const size = v.getUint16(p + 2, true);
    if (id === 1) {
      let q = p + 4;
      if (e.usize === U32_MAX) { e.usize = big(v, q); q += 8; }
      if (e.csize === U32_MAX) { e.csize = big(v, q); q += 8; }
      if (e.local === U32_MAX) { e.local = big(v, q); }
    }
    p += 4 + size;
  }
}

function big(v: DataView, p: number): number {
  return Number(v.getBigUint64(p, true));
}

function encodeNpz(arrays: Record<string, Tensor>): Uint8Array {
  const enc = new TextEncoder();
  const files = Object.entries(arrays).map(([key, t]) => {
    const data = encodeNpy(t);
    return { name: enc.encode(`${key}.npy`), data, crc: crc32(data), utf8: /[^\x20-\x7e]/.test(key) };
  });
  const localSize = files.reduce((n, f) => n + 30 + f.name.length + f.data.length, 0);
  const centralSize = files.reduce((n, f) => n + 46 + f.name.length, 0);
  if (localSize + centralSize + 22 > U32_MAX || files.length > 0xffff) {
    fail('E_UNSUPPORTED', 'arrays too large for an .npz without zip64 (over 4 GiB or 65535 entries)');
  }
  const out = new Uint8Array(localSize + centralSize + 22);
  const v = new DataView(out.buffer);
  const offsets: number[] = [];
  let p = 0;
  for (const f of files) {
    offsets.push(p);
    p = writeHeader(v, p, SIG_LOCAL, f, 0);
    out.set(f.name, p);
    out.set(f.data, p + f.name.length);
    p += f.name.length + f.data.length;
  }
  const centralStart = p;
  files.forEach((f, i) => {
    p = writeHeader(v, p, SIG_CENTRAL, f, offsets[i]!);
    out.set(f.name, p);
    p += f.name.length;
  });
  v.setUint32(p, SIG_END, true);
  v.setUint16(p + 8, files.length, true);
  v.setUint16(p + 10, files.length, true);
  v.setUint32(p + 12, p - centralStart, true);
  v.setUint32(p + 16, centralStart, true);
  return out;
}

/** Writes a local (30-byte) or central (46-byte) header of a stored entry; returns where the name goes. */
function writeHeader(v: DataView, p: number, sig: number, f: { name: Uint8Array; data: Uint8Array; crc: number; utf8: boolean }, offset: number): number {
  const central = sig === SIG_CENTRAL;
  v.setUint32(p, sig, true);
  let q = p + 4;
  if (central) { v.setUint16(q, 20, true); q += 2; } // version made by
  v.setUint16(q, 20, true);                           // version needed
  v.setUint16(q + 2, f.utf8 ? 0x0800 : 0, true);      // flags
  v.setUint16(q + 4, 0, true);                        // method: stored
  v.setUint16(q + 6, 0, true);                        // time 00:00:00
  v.setUint16(q + 8, 0x21, true);                     // date 1980-01-01 (reproducible output)
  v.setUint32(q + 10, f.crc, true);
  v.setUint32(q + 14, f.data.length, true);
  v.setUint32(q + 18, f.data.length, true);
  v.setUint16(q + 22, f.name.length, true);
  v.setUint16(q + 24, 0, true);                       // extra length
  if (central) v.setUint32(q + 36, offset, true);     // comment, disk, attributes stay 0
  return p + (central ? 46 : 30);
}

let table: Uint32Array | undefined;

function crc32(data: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[i] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

async function readNpz(path: string): Promise<Record<string, Tensor>> {
  return parseNpz(await readFileBytes(path), path);
}

async function writeNpz(path: string, arrays: Record<string, Tensor>): Promise<void> {
  await writeFileBytes(path, encodeNpz(arrays));
}
