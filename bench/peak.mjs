// This machine's WebAssembly SIMD arithmetic peak: a loop of independent f32x4 mul+add chains kept
// in registers (no memory traffic), timed warm; plain mul+add, and relaxed madd when the engine has
// it. Usage: node [--experimental-wasm-relaxed-simd] bench/peak.mjs
// (A benchmark tool, so it builds its probe with binaryen directly; the compiler's own binaryen use
// stays behind compiler/codegen/wasm/.)
import binaryen from 'binaryen';
import v8 from 'node:v8';

v8.setFlagsFromString('--no-liftoff');
const CHAINS = 10, TRIPS = 20_000_000;

function probe(relaxed) {
  let locals = '', init = '', body = '', sum = '(local.get $a0)';
  for (let i = 0; i < CHAINS; i++) {
    locals += ` (local $a${i} v128)`;
    init += `(local.set $a${i} (f32x4.splat (f32.const ${1 + i / 1000})))`;
    body += relaxed
      ? `(local.set $a${i} (f32x4.relaxed_madd (local.get $m) (local.get $c) (local.get $a${i})))`
      : `(local.set $a${i} (f32x4.add (local.get $a${i}) (f32x4.mul (local.get $m) (local.get $c))))`;
    if (i) sum = `(f32x4.add ${sum} (local.get $a${i}))`;
  }
  const wat = `(module (func (export "peak") (param $n i32) (result f32) (local $m v128) (local $c v128)${locals}
    (local.set $m (f32x4.splat (f32.convert_i32_s (local.get $n)))) (local.set $c (f32x4.splat (f32.const 0.000001))) ${init}
    (loop $l ${body} (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (f32x4.extract_lane 0 ${sum})))`;
  const m = binaryen.parseText(wat);
  m.setFeatures(binaryen.Features.All);
  const bytes = m.emitBinary();
  m.dispose();
  return bytes;
}

async function measure(relaxed) {
  const bytes = probe(relaxed);
  if (!WebAssembly.validate(bytes)) return undefined;
  const { instance } = await WebAssembly.instantiate(bytes);
  const f = instance.exports.peak;
  f(1000);
  const t = [];
  for (let r = 0; r < 7; r++) { const s = performance.now(); f(TRIPS); t.push(performance.now() - s); }
  t.sort((a, b) => a - b);
  return (TRIPS * CHAINS * 8) / t[3] / 1e6;   // 8 flops per f32x4 mul+add
}

const plain = await measure(false), relaxed = await measure(true);
console.log(JSON.stringify({ plain_gflops: +plain.toFixed(1), relaxed_gflops: relaxed === undefined ? null : +relaxed.toFixed(1) }));
