// `accelc inspect model.onnx [--json]`: the graph before and after the graph passes, and the
// kernels it lowers to, each with the ops it fused, FLOPs and bytes moved.

import { access } from 'node:fs/promises';
import { fail } from '../../errors.js';
import { flagBool, flagList, layoutFlag, parseShapes } from '../args.js';
import type { Command } from '../command.js';
import type { Graph } from '../../ir/graph.js';

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'show the graph before and after optimization and the kernels it becomes',
  usage: 'accelc inspect model.onnx [--json] [--shape NAME=DIMS] [--layout auto|nchw|nhwc] [--disable-pass P]',
  flags: [
    { name: 'json', kind: 'boolean', help: 'print one JSON object: {model, source, optimized, kernels: [{name, ops, flops, bytes}], totals}' },
    { name: 'shape', kind: 'string', multiple: true, value: 'NAME=DIMS', help: 'fix the shape of an input, e.g. input=1x3x224x224' },
    { name: 'layout', kind: 'string', value: 'auto|nchw|nhwc', help: 'convolution layout (see accelc compile --help)' },
    { name: 'disable-pass', kind: 'string', multiple: true, value: 'PASS', help: 'skip a graph pass' },
  ],
  async run(args, ctx) {
    if (args.positionals.length !== 1) fail('E_USAGE', `inspect takes one model: ${this.usage}`);
    const model = args.positionals[0]!;
    await access(model).catch(() => fail('E_FILE', `cannot read '${model}': no such file or directory`));
    const { lowerModel } = await import('../../compile.js');
    const { printGraph } = await import('../../ir/print-graph.js');
    const { source, graph, program, warnings } = lowerModel(model, { shapes: parseShapes(flagList(args, 'shape')), disablePasses: flagList(args, 'disable-pass'), layout: layoutFlag(args) });
    for (const w of warnings) ctx.err(`accelc: warning: ${w}`);
    const kernels = program.kernels.map((k) => ({ name: k.name, ops: k.ops.join('_'), flops: k.flops, bytes: k.bytes }));
    const totals = { kernels: kernels.length, flops: sum(kernels.map((k) => k.flops)), bytes: sum(kernels.map((k) => k.bytes)) };
    if (flagBool(args, 'json')) {
      ctx.out(JSON.stringify({ model: graph.name, source: summary(source), optimized: summary(graph), kernels, totals }));
      return 0;
    }
    ctx.out(`# ${graph.name}: ${source.nodes.length} nodes -> ${graph.nodes.length} nodes -> ${kernels.length} kernels, ` +
      `${(totals.flops / 1e9).toFixed(3)} GFLOP, ${(totals.bytes / 1e6).toFixed(1)} MB moved\n`);
    ctx.out('## graph as imported'); ctx.out(printGraph(source)); ctx.out('');
    ctx.out('## graph after the passes'); ctx.out(printGraph(graph)); ctx.out('');
    ctx.out('## kernels');
    const w = Math.max(6, ...kernels.map((k) => k.ops.length));
    ctx.out(`${'#'.padStart(4)}  ${'ops'.padEnd(w)}  ${'MFLOP'.padStart(9)}  ${'MB'.padStart(7)}  name`);
    kernels.forEach((k, i) => ctx.out(`${String(i).padStart(4)}  ${k.ops.padEnd(w)}  ${(k.flops / 1e6).toFixed(2).padStart(9)}  ${(k.bytes / 1e6).toFixed(2).padStart(7)}  ${k.name}`));
    return 0;
  },
};

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

function summary(g: Graph): { nodes: number; ops: Record<string, number> } {
  const ops: Record<string, number> = {};
  for (const n of g.nodes) ops[n.op] = (ops[n.op] ?? 0) + 1;
  return { nodes: g.nodes.length, ops };
}
