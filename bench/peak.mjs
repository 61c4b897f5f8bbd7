// This machine's WebAssembly SIMD peak and memory bandwidth: the same as `node bench/run.mjs --peak`
// (the code is in bench/lib/peak.mjs); prints a table (or the JSON, with --json) and writes
// bench/results/peak.json. Usage: node bench/peak.mjs [--json]
process.argv.splice(2, 0, '--peak');
await import('./run.mjs');
