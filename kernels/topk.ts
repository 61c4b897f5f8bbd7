// TopK over f32, in AssemblyScript: the k largest of n values and their indices, best first.
// Ties go to the lower index; NaN ranks below every number (NaNs among themselves by index).
// One pass keeps the best k seen so far in a binary min-heap whose root is the worst of them, so
// the cost is O(n log k) and the extra memory O(k); the heap is then emptied from the back.
//
// The module manages its own memory, laid out from __heap_base and grown on demand:
//   [ input: n f32 ][ heap: k i32 (indices) ][ out values: k f32 ][ out indices: k i32 ]
// Host protocol: p = reserve(n, k); write n f32 at p; m = topk(n, k); read m values at
// outValues() and m indices at outIndices(). m = min(max(k, 0), n).

const MAX_N: i32 = 1 << 27; // 16 * MAX_N bytes stays below 4 GiB

let input: usize = 0;
let heap: usize = 0;
let outVals: usize = 0;
let outIdx: usize = 0;

/** Makes room for n values and k results; returns where to write the n values, 0 if it cannot. */
export function reserve(n: i32, k: i32): usize {
  if (n < 0) n = 0;
  if (n > MAX_N) return 0;
  k = clampK(k, n);
  input = (__heap_base + 15) & ~15;
  heap = input + (<usize>n << 2);
  outVals = heap + (<usize>k << 2);
  outIdx = outVals + (<usize>k << 2);
  const end = outIdx + (<usize>k << 2);
  const have = <usize>memory.size() << 16;
  if (end > have) {
    const pages = <i32>((end - have + 0xffff) >> 16);
    if (memory.grow(pages) < 0) return 0;
  }
  return input;
}

export function outValues(): usize {
  return outVals;
}

export function outIndices(): usize {
  return outIdx;
}

/** Selects the top k of the n values written at reserve(n, k)'s pointer; returns the count. */
export function topk(n: i32, k: i32): i32 {
  if (n < 0) n = 0;
  k = clampK(k, n);
  if (k == 0) return 0;
  let size = 0;
  for (let i = 0; i < n; i++) {
    if (size < k) {
      siftUp(size, i);
      size++;
    } else if (better(i, idxAt(0))) {
      siftDown(0, i, size);
    }
  }
  // Pop the worst into the last free slot until the heap is empty: best ends up first.
  for (let last = k - 1; last >= 0; last--) {
    const worst = idxAt(0);
    store<f32>(outVals + (<usize>last << 2), valAt(worst));
    store<i32>(outIdx + (<usize>last << 2), worst);
    if (last > 0) siftDown(0, idxAt(last), last);
  }
  return k;
}

function clampK(k: i32, n: i32): i32 {
  return k < 0 ? 0 : k > n ? n : k;
}

@inline function valAt(i: i32): f32 {
  return load<f32>(input + (<usize>i << 2));
}

@inline function idxAt(slot: i32): i32 {
  return load<i32>(heap + (<usize>slot << 2));
}

@inline function setSlot(slot: i32, index: i32): void {
  store<i32>(heap + (<usize>slot << 2), index);
}

/** Whether input[a] ranks above input[b]: larger value, NaN lowest, then lower index. */
@inline function better(a: i32, b: i32): bool {
  const x = valAt(a);
  const y = valAt(b);
  if (x != x) return y != y && a < b;
  if (y != y) return true;
  return x > y || (x == y && a < b);
}

/** Places `index` at `slot` (the heap's new last slot) and moves it up past better parents. */
function siftUp(slot: i32, index: i32): void {
  while (slot > 0) {
    const parent = (slot - 1) >> 1;
    const p = idxAt(parent);
    if (!better(p, index)) break;
    setSlot(slot, p);
    slot = parent;
  }
  setSlot(slot, index);
}

/** Places `index` at `slot` of a heap of `size` and moves it down past worse children. */
function siftDown(slot: i32, index: i32, size: i32): void {
  for (;;) {
    let child = 2 * slot + 1;
    if (child >= size) break;
    let c = idxAt(child);
    if (child + 1 < size) {
      const r = idxAt(child + 1);
      if (better(c, r)) {
        child++;
        c = r;
      }
    }
    if (!better(index, c)) break;
    setSlot(slot, c);
    slot = child;
  }
  setSlot(slot, index);
}
