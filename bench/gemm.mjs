// GEMM micro-benchmark: the register-blocked GEMM stage alone, on the shapes of ResNet-18's
// convolutions, for tile shapes, B layouts and A broadcast strategies.
// Usage: node bench/gemm.mjs [--tiles 4x2,4x3] [--packed|--strided] [--broadcast load-splat,splat] [--shapes MxNxK,...] [--relaxed] [--dot2]
// --dot2: the quantized GEMM (i16 pairs, i32x4.dot_i16x8_s); GFLOP/s count 2 per multiply-add as for f32.
import { gemmKernel } from '../dist/compiler/lower/gemm-stage.js';
import { planMemory } from '../dist/compiler/lower/memory-plan.js';
import { emitWasm } from '../dist/compiler/codegen/wasm/index.js';
import { loadModel } from '../dist/runtime/loader.js';
import { load } from '../dist/compiler/ir/loop.js';

const args = process.argv.slice(2);
const arg = (n, d) => { const i = args.indexOf(`--${n}`); return i >= 0 ? args[i + 1] : d; };
const tiles = arg('tiles', '4x2,4x3,3x4,5x2,6x2').split(',').map((t) => t.split('x').map(Number));
const shapes = (arg('shapes', '64x3136x576,128x784x1152,256x196x2304,512x49x4608')).split(',').map((s) => s.split('x').map(Number));
const broadcasts = arg('broadcast', 'load-splat').split(',');
const dot2 = args.includes('--dot2');
const layouts = args.includes('--packed') ? ['packed'] : args.includes('--strided') ? ['strided'] : ['strided', 'packed'];

function program(M, N, K, mr, nr, layout, broadcast) {
  const bufs = new Map(), storages = new Map();
  const add = (name, shape, region) => {
    const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
    bufs.set(name, { name, dtype: dot2 ? 'i32' : 'f32', shape, strides, offset: 0, storage: name, scope: 'global' });
    storages.set(name, { name, bytes: shape.reduce((a, b) => a * b, 1) * 4, region, offset: -1 });
  };
  const tn = nr * 4, blocks = Math.ceil(M / mr), cols = Math.ceil(N / tn);
  const KP = dot2 ? Math.ceil(K / 2) : K;
  add('A', [blocks, KP, mr], 'arena');
  add('B', layout === 'packed' ? [cols, KP, tn] : [1, KP, N], 'arena');
  add('C', [1, M, N], 'arena');
  const k = gemmKernel({
    name: 'gemm', out: bufs.get('C'), batch: 1, M, N, K: KP, tile: { mr, nr }, broadcast, arith: dot2 ? 'dot2' : 'f32',
    a: (_b, ib, ii, _i, kk) => load('A', [ib, kk, ii]),
    b: (b, kk, j, jo, jt) => (layout === 'packed' ? load('B', [jo, kk, jt]) : load('B', [b, kk, j])),
  });
  const p = { name: 'gemm', bufs, storages, kernels: [{ name: 'gemm', ops: ['Gemm'], nodes: ['gemm'], body: k.body, flops: k.flops, bytes: 0 }],
    inputs: [], outputs: [{ name: 'C', dtype: 'float32', shape: [1, M, N], buf: 'C' }] };
  planMemory(p);
  return p;
}

for (const [M, N, K] of shapes) {
  const line = [];
  for (const layout of layouts) for (const [mr, nr] of tiles) for (const broadcast of broadcasts) {
    const { wasm } = emitWasm(program(M, N, K, mr, nr, layout, broadcast), { optimize: !args.includes('--noopt'), relaxedSimd: args.includes('--relaxed') });
    const m = await loadModel(wasm, {});
    const f = m.exports.kernels[0];
    for (let i = 0; i < 3; i++) f(0, 1);
    const t = [];
    for (let i = 0; i < 9; i++) { const s = performance.now(); f(0, 1); t.push(performance.now() - s); }
    t.sort((a, b) => a - b);
    line.push(`${layout[0]}${mr}x${nr}${broadcasts.length > 1 ? `/${broadcast}` : ''}: ${(2 * M * N * K / t[4] / 1e6).toFixed(1)}`);
  }
  console.log(`M=${M} N=${N} K=${K}  GFLOP/s  ${line.join('  ')}`);
}
