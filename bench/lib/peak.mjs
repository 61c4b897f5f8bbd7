// The roofline microbenchmark: this machine's WebAssembly SIMD arithmetic peak on one core (f32x4
// mul+add chains kept in registers, and relaxed madd when the engine has it) and its memory
// bandwidth (v128 loads, stores and load+store over a buffer far beyond the L3 cache). Every figure
// is the median of several timed repetitions after a warm-up.
// (A benchmark tool, so it builds its probes with binaryen directly; the compiler's own binaryen
// use stays behind compiler/codegen/wasm/.)
import binaryen from 'binaryen';
import os from 'node:os';
import v8 from 'node:v8';

export { measurePeak, peakMarkdown, flopsProbe, bandwidthProbe, CHAINS };

const CHAINS = 10;
const RELAXED_FLAG = '--experimental-wasm-relaxed-simd';
// (func (result v128) i32.const 1 i8x16.splat i32.const 2 i8x16.splat i8x16.relaxed_swizzle), as runtime/loader.ts
const RELAXED_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 15, 1, 13, 0, 65, 1, 253, 15, 65, 2, 253, 15, 253, 128, 2, 11]);

/**
 * Measures the peak. quick: fewer and shorter repetitions and no bandwidth (what the model
 * benchmark needs when bench/results/peak.json is missing). Enables relaxed SIMD in this process
 * (Node 20 has it behind a flag) before compiling anything, so call it before other wasm work.
 */
async function measurePeak({ quick = false, reps = quick ? 3 : 7, bufferMB = 256 } = {}) {
  v8.setFlagsFromString('--no-liftoff');
  let relaxedSimd = WebAssembly.validate(RELAXED_PROBE) ? 'native' : 'unavailable';
  if (relaxedSimd === 'unavailable') {
    v8.setFlagsFromString(RELAXED_FLAG);
    if (WebAssembly.validate(RELAXED_PROBE)) relaxedSimd = `enabled by ${RELAXED_FLAG}`;
  }
  const trips = quick ? 5_000_000 : 20_000_000;
  const result = {
    date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model ?? 'unknown cpu',
    quick, reps, relaxed_simd: relaxedSimd,
    plain_gflops: await flops(false, trips, reps),
    relaxed_gflops: relaxedSimd === 'unavailable' ? null : await flops(true, trips, reps),
  };
  if (!quick) result.bandwidth = await bandwidth(bufferMB, reps);
  return result;
}

function compileWat(wat) {
  const m = binaryen.parseText(wat);
  m.setFeatures(binaryen.Features.All);
  const bytes = m.emitBinary();
  m.dispose();
  return bytes;
}

function median(times) {
  const s = [...times].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** Times fn() reps times after one untimed call; the median in ms. */
function timeMedian(fn, reps) {
  fn();
  const t = [];
  for (let r = 0; r < reps; r++) {
    const s = performance.now();
    fn();
    t.push(performance.now() - s);
  }
  return median(t);
}

const round1 = (v) => Math.round(v * 10) / 10;

// CHAINS independent accumulators, each a mul+add (or one relaxed madd) per trip: 8 flops per f32x4.
function flopsProbe(relaxed) {
  let locals = '', init = '', body = '', sum = '(local.get $a0)';
  for (let i = 0; i < CHAINS; i++) {
    locals += ` (local $a${i} v128)`;
    init += `(local.set $a${i} (f32x4.splat (f32.const ${1 + i / 1000})))`;
    body += relaxed
      ? `(local.set $a${i} (f32x4.relaxed_madd (local.get $m) (local.get $c) (local.get $a${i})))`
      : `(local.set $a${i} (f32x4.add (local.get $a${i}) (f32x4.mul (local.get $m) (local.get $c))))`;
    if (i) sum = `(f32x4.add ${sum} (local.get $a${i}))`;
  }
  return compileWat(`(module (func (export "peak") (param $n i32) (result f32) (local $m v128) (local $c v128)${locals}
    (local.set $m (f32x4.splat (f32.convert_i32_s (local.get $n)))) (local.set $c (f32x4.splat (f32.const 0.000001))) ${init}
    (loop $l ${body} (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (f32x4.extract_lane 0 ${sum})))`);
}

async function flops(relaxed, trips, reps) {
  const bytes = flopsProbe(relaxed);
  if (!WebAssembly.validate(bytes)) return null;
  const { instance } = await WebAssembly.instantiate(bytes);
  const peak = instance.exports.peak;
  peak(1000);
  return round1((trips * CHAINS * 8) / timeMedian(() => peak(trips), reps) / 1e6);
}

// read: 8 v128 loads per trip into 4 accumulators; write: 8 v128 stores; copy: 8 load+store pairs.
// Each loop walks [p, end) in 128-byte steps.
function bandwidthProbe(pages) {
  const unrolled = (f) => Array.from({ length: 8 }, (_, k) => f(k * 16, k % 4)).join(' ');
  const step = (ptrs) => ptrs.map((p) => `(local.set ${p} (i32.add (local.get ${p}) (i32.const 128)))`).join(' ');
  return compileWat(`(module (memory (export "memory") ${pages})
    (func (export "read") (param $p i32) (param $end i32) (result i32)
      (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
      (loop $l ${unrolled((o, a) => `(local.set $a${a} (i32x4.add (local.get $a${a}) (v128.load offset=${o} (local.get $p))))`)}
        ${step(['$p'])} (br_if $l (i32.lt_u (local.get $p) (local.get $end))))
      (i32x4.extract_lane 0 (v128.xor (v128.xor (local.get $a0) (local.get $a1)) (v128.xor (local.get $a2) (local.get $a3)))))
    (func (export "write") (param $p i32) (param $end i32)
      (local $v v128) (local.set $v (i32x4.splat (local.get $end)))
      (loop $l ${unrolled((o) => `(v128.store offset=${o} (local.get $p) (local.get $v))`)}
        ${step(['$p'])} (br_if $l (i32.lt_u (local.get $p) (local.get $end)))))
    (func (export "copy") (param $src i32) (param $dst i32) (param $end i32)
      (loop $l ${unrolled((o) => `(v128.store offset=${o} (local.get $dst) (v128.load offset=${o} (local.get $src)))`)}
        ${step(['$src', '$dst'])} (br_if $l (i32.lt_u (local.get $src) (local.get $end))))))`);
}

/** GB/s over a buffer of bufferMB; copy moves it into a second buffer and counts bytes read + written. */
async function bandwidth(bufferMB, reps) {
  const n = bufferMB * 2 ** 20;
  const { instance } = await WebAssembly.instantiate(bandwidthProbe((2 * n) / 65536));
  const { read, write, copy } = instance.exports;
  write(0, 2 * n); // touch every page first: page faults are not bandwidth
  let sink = 0;
  const gbs = (bytes, fn) => round1(bytes / timeMedian(fn, reps) / 1e6);
  const result = {
    buffer_mb: bufferMB,
    read_gbs: gbs(n, () => { sink ^= read(0, n); }),
    write_gbs: gbs(n, () => write(0, n)),
    copy_gbs: gbs(2 * n, () => copy(0, n, n)),
  };
  if (sink === 0.5) console.error(sink); // never true; keeps the reads observable
  return result;
}

function peakMarkdown(p) {
  const f = (v, unit) => (typeof v === 'number' ? `${v.toFixed(1)} ${unit}` : 'n/a');
  const lines = [
    '# WebAssembly SIMD roofline (one core)',
    '',
    `${p.date} · node ${p.node} · ${p.cpu} · median of ${p.reps} repetitions${p.quick ? ' (quick)' : ''} · relaxed SIMD: ${p.relaxed_simd}`,
    '',
    '| measure | value |',
    '|---|---:|',
    `| f32x4 mul+add, ${CHAINS} register chains | ${f(p.plain_gflops, 'GFLOP/s')} |`,
    `| f32x4 relaxed madd, ${CHAINS} register chains | ${f(p.relaxed_gflops, 'GFLOP/s')} |`,
  ];
  if (p.bandwidth) {
    const b = p.bandwidth;
    lines.push(
      `| read, v128.load over ${b.buffer_mb} MB | ${f(b.read_gbs, 'GB/s')} |`,
      `| write, v128.store over ${b.buffer_mb} MB | ${f(b.write_gbs, 'GB/s')} |`,
      `| copy ${b.buffer_mb} MB, bytes read + written | ${f(b.copy_gbs, 'GB/s')} |`,
    );
  }
  return lines.join('\n') + '\n';
}
