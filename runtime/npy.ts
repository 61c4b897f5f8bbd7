// NumPy .npy files (format versions 1, 2 and 3), C order, little-endian numeric dtypes.
// https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html

import { fail } from '../compiler/errors.js';
import { readFileBytes, writeFileBytes } from './platform.js';
import { dtypeInfo, formatDims, Tensor, type TensorType } from './tensor.js';

export { parseNpy, encodeNpy, readNpy, writeNpy, NPY_DESCR };

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ALIGN = 64;

/** The numpy descr written for each tensor type. */
const NPY_DESCR: Readonly<Record<TensorType, string>> = {
  float16: '<f2', float32: '<f4', float64: '<f8',
  int8: '|i1', int16: '<i2', int32: '<i4', int64: '<i8',
  uint8: '|u1', uint16: '<u2', uint32: '<u4', uint64: '<u8',
  bool: '|b1',
};

const BY_KIND: Record<string, TensorType> = Object.fromEntries(
  Object.entries(NPY_DESCR).map(([type, descr]) => [descr.slice(1), type as TensorType]),
);

/** Parses one .npy file; `what` names it in errors (a path, or 'x.npy in a.npz'). */
function parseNpy(bytes: Uint8Array, what = '.npy data'): Tensor {
  const bad = (msg: string): never => fail('E_FILE', `${what}: ${msg}`);
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) bad('not a NumPy .npy file (bad magic)');
  const major = bytes[6]!;
  if (major < 1 || major > 3) bad(`unsupported .npy format version ${major}.${bytes[7]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) bad('truncated header');
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes + headerLen;
  if (start > bytes.length) bad('truncated header');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(8 + lenBytes, start));

  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) bad(`unreadable header ${header.trim()}`);
  const type = dtypeOfDescr(descr!, bad);
  if (fortran === 'True') {
    fail('E_UNSUPPORTED', `${what}: Fortran-order arrays are not supported; save a C-order copy (np.ascontiguousarray)`);
  }
  const dims = shapeText!.split(',').map((s) => s.trim()).filter((s) => s !== '').map((s) => {
    const d = Number(s.replace(/L$/, ''));
    return Number.isInteger(d) && d >= 0 ? d : bad(`bad shape (${shapeText})`);
  });

  const info = dtypeInfo(type);
  const count = dims.reduce((a, b) => a * b, 1);
  const byteLength = count * info.bytes;
  if (start + byteLength > bytes.length) {
    bad(`truncated data: ${type} ${formatDims(dims)} needs ${byteLength} bytes, the file has ${bytes.length - start}`);
  }
  const copy = bytes.slice(start, start + byteLength); // fresh and aligned
  return new Tensor(type, new info.array(copy.buffer, 0, count), dims);
}

function dtypeOfDescr(descr: string, bad: (msg: string) => never): TensorType {
  const order = descr[0] ?? '';
  const kind = descr.slice(1);
  const type = BY_KIND[kind];
  if (!type || !'<|=>'.includes(order)) bad(`unsupported dtype '${descr}' (supported: ${Object.values(NPY_DESCR).join(' ')})`);
  if (order === '>' && kind[1] !== '1') bad(`big-endian dtype '${descr}' is not supported; save a little-endian array`);
  return type!;
}

function encodeNpy(t: Tensor): Uint8Array {
  const dims = t.dims.length === 1 ? `(${t.dims[0]},)` : `(${t.dims.join(', ')})`;
  let header = `{'descr': '${NPY_DESCR[t.type]}', 'fortran_order': False, 'shape': ${dims}, }`;
  const fixed = MAGIC.length + 2 + 2; // magic, version, 2-byte length (version 1)
  const padded = Math.ceil((fixed + header.length + 1) / ALIGN) * ALIGN;
  header = header.padEnd(padded - fixed - 1, ' ') + '\n';
  if (header.length > 0xffff) fail('E_UNSUPPORTED', `tensor with ${t.dims.length} dims has too long an .npy header`);
  const data = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const out = new Uint8Array(fixed + header.length + data.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[fixed + i] = header.charCodeAt(i);
  out.set(data, fixed + header.length);
  return out;
}

async function readNpy(path: string): Promise<Tensor> {
  return parseNpy(await readFileBytes(path), path);
}

async function writeNpy(path: string, t: Tensor): Promise<void> {
  await writeFileBytes(path, encodeNpy(t));
}
