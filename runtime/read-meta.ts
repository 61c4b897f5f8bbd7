// Reads and checks the 'accelc' custom section of a compiled model. From raw bytes it walks the
// section headers itself, so the metadata (features the module needs, say) is known before the
// engine is asked to compile anything.

import { fail } from '../compiler/errors.js';
import { META_FORMAT, META_SECTION, type ModuleMeta, type TensorMeta } from './meta.js';
import { dtypeInfo, isTensorType, shapeSize } from './tensor.js';
import { wasm, type WasmModule } from './wasm-api.js';

export { isWasmBytes, readMetaFromBytes, readMetaFromModule, parseMeta, tensorBytes };

const PAGE = 65536;

function isWasmBytes(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x00 && b[1] === 0x61 && b[2] === 0x73 && b[3] === 0x6d;
}

function readMetaFromBytes(bytes: Uint8Array): ModuleMeta {
  if (!isWasmBytes(bytes)) fail('E_FILE', 'not a WebAssembly module (no \\0asm header)');
  if (bytes.length < 8 || bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) {
    fail('E_FILE', 'not a WebAssembly version 1 module');
  }
  const section = findCustomSection(bytes, META_SECTION);
  if (!section) fail('E_FILE', `not an accelc module (no '${META_SECTION}' custom section)`);
  return parseMeta(section);
}

function readMetaFromModule(module: WasmModule): ModuleMeta {
  const sections = wasm.Module.customSections(module, META_SECTION);
  if (sections.length === 0) fail('E_FILE', `not an accelc module (no '${META_SECTION}' custom section)`);
  return parseMeta(new Uint8Array(sections[0]!));
}

function findCustomSection(bytes: Uint8Array, name: string): Uint8Array | undefined {
  let pos = 8;
  while (pos < bytes.length) {
    const id = bytes[pos++]!;
    const [size, afterSize] = readLeb(bytes, pos);
    const end = afterSize + size;
    if (end > bytes.length) fail('E_FILE', 'truncated WebAssembly module (a section runs past the end)');
    if (id === 0) {
      const [len, afterLen] = readLeb(bytes, afterSize);
      const secName = new TextDecoder().decode(bytes.subarray(afterLen, afterLen + len));
      if (secName === name) return bytes.subarray(afterLen + len, end);
    }
    pos = end;
  }
  return undefined;
}

function readLeb(bytes: Uint8Array, pos: number): [value: number, next: number] {
  let result = 0;
  let shift = 0;
  for (;;) {
    if (pos >= bytes.length || shift > 28) fail('E_FILE', 'truncated or malformed WebAssembly module');
    const b = bytes[pos++]!;
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7;
  }
}

function parseMeta(payload: Uint8Array): ModuleMeta {
  let meta: ModuleMeta;
  try {
    meta = JSON.parse(new TextDecoder().decode(payload)) as ModuleMeta;
  } catch (e) {
    fail('E_FILE', `the '${META_SECTION}' section is not valid JSON: ${(e as Error).message}`);
  }
  checkMeta(meta);
  return meta;
}

function tensorBytes(t: TensorMeta): number {
  return shapeSize(t.shape) * dtypeInfo(t.dtype).bytes;
}

function checkMeta(meta: ModuleMeta): void {
  const bad = (what: string): never => fail('E_FILE', `bad '${META_SECTION}' metadata: ${what}`);
  if (typeof meta !== 'object' || meta === null) bad('not an object');
  if (meta.format !== META_FORMAT) {
    fail('E_FILE', `module metadata format ${String(meta.format)}, this runtime reads format ${META_FORMAT}; recompile the model with this accelc`);
  }
  const isCount = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 0;
  const { memory } = meta;
  if (!memory || !isCount(memory.pages) || !isCount(memory.maxPages) || memory.maxPages < memory.pages) {
    bad('memory.pages / memory.maxPages');
  }
  if (!meta.features || typeof meta.features !== 'object') bad('features');
  if (!meta.scratch || !isCount(meta.scratch.maxThreads)) bad('scratch');
  if (!Array.isArray(meta.kernels)) bad('kernels');
  for (const [kind, list] of [['input', meta.inputs], ['output', meta.outputs]] as const) {
    if (!Array.isArray(list)) bad(`${kind}s`);
    for (const t of list) {
      if (typeof t?.name !== 'string') bad(`an ${kind} without a name`);
      if (!isTensorType(t.dtype)) bad(`${kind} '${t.name}' has dtype '${String(t.dtype)}' this runtime does not know`);
      if (!Array.isArray(t.shape) || !t.shape.every(isCount)) bad(`${kind} '${t.name}' shape`);
      if (!isCount(t.offset)) bad(`${kind} '${t.name}' offset`);
      if (t.ranges !== undefined && !(Array.isArray(t.ranges) && t.ranges.every((r) => Array.isArray(r?.dims) && r.dims.length > 0 && r.dims.every(isCount) && typeof r.node === 'string' && typeof r.op === 'string'))) bad(`${kind} '${t.name}' ranges`);
      if (t.offset + tensorBytes(t) > memory.pages * PAGE) bad(`${kind} '${t.name}' lies outside the initial memory`);
    }
  }
}
