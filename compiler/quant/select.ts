// Which convolutions the INT8 rewrite quantizes: 2-D group-1 Conv and NhwcConv nodes with constant
// float32 weights and a float32 input, except a 1x1 conv with a depthwise conv fused in (its input is
// never stored) and a conv the float32 lowering computes by Winograd. Everything else stays float32.

import type { Graph, Node } from '../ir/graph.js';
import { fusedDepthwise } from '../passes/fuse-depthwise.js';
import { NHWC_DOMAIN } from '../passes/layout-nhwc.js';
import { winogradLegal, winogradPays } from '../lower/winograd.js';
import { geometry2d } from '../lower/conv-geometry.js';
import { MAX_K } from './params.js';

export { quantizableConvs, WINOGRAD_FASTER };

/**
 * Why a 3x3 stride-1 conv that Winograd F(2x2,3x3) would compute stays float32: the dot2 GEMM does 2x
 * the multiply-adds per instruction, Winograd 2.25x fewer of them (plus its transforms). ResNet-18
 * with them in INT8 took 1.01-1.26x the float32 module's time, without them 0.82-0.90x (one-off,
 * one thread, three rounds of 15 runs each).
 */
const WINOGRAD_FASTER = 'by Winograd (as fast in float32)';

/** Whether the float32 lowering would use Winograd (CompileOptions.winograd, as lower/winograd.ts's winogradApplies). */
function winogradUsed(n: Node, [, C, H, W]: number[], [M, , KH, KW]: number[], winograd: boolean | undefined): boolean {
  const g = geometry2d(n, H!, W!, [KH!, KW!]);
  return winograd === undefined ? winogradPays(g, 1, C!, M!) : winograd && winogradLegal(g, 1);
}

/** The quantizable nodes of an optimized graph, and the convolutions left in float32 with the reason. */
function quantizableConvs(g: Graph, winograd?: boolean): { nodes: Node[]; skipped: { node: string; reason: string }[] } {
  const nodes: Node[] = [], skipped: { node: string; reason: string }[] = [];
  for (const n of g.nodes) {
    if (!(n.domain === '' && n.op === 'Conv') && !(n.domain === NHWC_DOMAIN && n.op === 'NhwcConv')) continue;
    const reason = whyNot(g, n, winograd);
    if (reason) skipped.push({ node: n.name, reason });
    else nodes.push(n);
  }
  return { nodes, skipped };
}

function whyNot(g: Graph, n: Node, winograd: boolean | undefined): string | undefined {
  const x = g.values.get(n.inputs[0]!), w = g.values.get(n.inputs[1]!);
  if (fusedDepthwise(n)) return 'with a depthwise conv fused in';
  if (((n.attrs.group as number | undefined) ?? 1) !== 1) return 'grouped or depthwise';
  if (!w?.const || w.dtype !== 'float32') return 'weights not constant float32';
  if (x?.dtype !== 'float32' || x.shape.length !== 4) return 'input not a 4-D float32 tensor';
  const [, Cg, KH, KW] = w.shape as number[], K = Cg! * KH! * KW!;
  if (K > MAX_K) return `a reduction over ${K} values (an int32 sum of more than ${MAX_K} could overflow)`;
  if (n.op === 'Conv' && winogradUsed(n, x.shape as number[], w.shape as number[], winograd)) return WINOGRAD_FASTER;
  return undefined;
}
