// Reads the bytes of a tensor stored outside the model (TensorProto.data_location = EXTERNAL).
// The location must stay inside the model's folder: absolute paths, `..` components and symlinks
// that resolve elsewhere are refused before anything is opened.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fail, isAccelcError } from '../../errors.js';
import type { onnx } from './proto.js';

export { readExternalData };

interface Where { model: string; tensor: string }

/** Returns exactly `byteLength` bytes of the tensor's payload. */
function readExternalData(t: onnx.ITensorProto, byteLength: number, modelDir: string | undefined, where: Where): Uint8Array {
  const bad = (code: 'E_MODEL' | 'E_FILE', msg: string): never =>
    fail(code, `tensor '${where.tensor}': ${msg}`, { model: where.model });
  const kv = new Map<string, string>();
  for (const e of t.externalData ?? []) kv.set(e.key ?? '', e.value ?? '');
  const location = kv.get('location');
  if (!location) return bad('E_MODEL', 'external data has no location');
  if (modelDir === undefined) return bad('E_FILE', `external data '${location}' needs the model's folder (load the model from a file)`);
  checkRelative(location, bad);
  const offset = parseSize(kv.get('offset') ?? '0', 'offset', bad);
  const length = kv.has('length') ? parseSize(kv.get('length')!, 'length', bad) : undefined;
  if (length !== undefined && length !== byteLength) {
    bad('E_MODEL', `external data length ${length} does not match the ${byteLength} bytes its shape and type need`);
  }
  const file = resolveInside(modelDir, location, bad);
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    if (offset + byteLength > size) {
      bad('E_MODEL', `external data range [${offset}, ${offset + byteLength}) is outside '${location}' (${size} bytes)`);
    }
    const out = new Uint8Array(byteLength);
    let done = 0;
    while (done < byteLength) {
      const n = fs.readSync(fd, out, done, byteLength - done, offset + done);
      if (n === 0) bad('E_FILE', `unexpected end of '${location}'`);
      done += n;
    }
    return out;
  } catch (e) {
    if (isAccelcError(e)) throw e;
    return bad('E_FILE', `cannot read external data '${location}': ${errCode(e)}`);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function checkRelative(location: string, bad: (code: 'E_MODEL', msg: string) => never): void {
  if (location.includes('\0')) bad('E_MODEL', 'external data location contains a NUL byte');
  if (path.posix.isAbsolute(location) || path.win32.isAbsolute(location) || /^[a-zA-Z]:/.test(location)) {
    bad('E_MODEL', `external data location '${location}' is an absolute path; it must be relative to the model's folder`);
  }
  if (location.split(/[\\/]/).includes('..')) {
    bad('E_MODEL', `external data location '${location}' contains '..'; it must stay inside the model's folder`);
  }
}

/** The real path of dir/location, which must exist, be a regular file and lie inside dir. */
function resolveInside(dir: string, location: string, bad: (code: 'E_MODEL' | 'E_FILE', msg: string) => never): string {
  let realDir: string;
  let realFile: string;
  try {
    realDir = fs.realpathSync(dir);
    realFile = fs.realpathSync(path.join(dir, location));
  } catch (e) {
    return bad('E_FILE', `cannot open external data '${location}': ${errCode(e)}`);
  }
  const rel = path.relative(realDir, realFile);
  if (rel === '' || rel === '..' || rel.startsWith('..' + path.sep) || path.isAbsolute(rel)) {
    bad('E_MODEL', `external data '${location}' resolves outside the model's folder`);
  }
  if (!fs.statSync(realFile).isFile()) bad('E_FILE', `external data '${location}' is not a regular file`);
  return realFile;
}

function parseSize(text: string, what: string, bad: (code: 'E_MODEL', msg: string) => never): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) bad('E_MODEL', `external data ${what} '${text}' is not a non-negative integer`);
  return Number(text);
}

function errCode(e: unknown): string {
  return e instanceof Error && 'code' in e ? String(e.code) : String(e);
}
