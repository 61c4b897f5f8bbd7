// int64 fields from protobufjs arrive as Long objects ({low, high, unsigned}) or plain numbers.

import type { LongLike } from './proto.js';

export { longToBigInt, longToNumber };

/** Exact conversion; `unsigned` selects two's-complement vs unsigned reading of the 64 bits. */
function longToBigInt(v: LongLike, unsigned = false): bigint {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new RangeError(`not an integer: ${v}`);
    return unsigned ? BigInt.asUintN(64, BigInt(v)) : BigInt(v);
  }
  const bits = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
  return unsigned ? bits : BigInt.asIntN(64, bits);
}

/** Nearest double (exact below 2^53); used for dims and attributes. */
function longToNumber(v: LongLike): number {
  if (typeof v === 'number') return v;
  return (v.high | 0) * 4294967296 + (v.low >>> 0);
}
