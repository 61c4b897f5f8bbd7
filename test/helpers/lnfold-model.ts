// Pieces of the small models the LayerNorm-fold tests build (test/passes/fold-layernorm.test.ts,
// lnfold-centred.test.ts): the LayerNorm node, a GELU (erf form, as exported from PyTorch) after a
// MatMul and bias, and the constants they read, kept to those a model's nodes use.

import type { onnx } from '../../compiler/frontend/onnx/proto.js';
import { attr, floatAttr, floatTensor, node } from '../frontend/build-model.js';
import { seededValues } from './ort-compare.js';

/** LayerNormalization(x, gamma, beta) -> out over `axis`. */
export function layerNorm(x: string, gamma: string, out: string, name: string, axis = -1, epsilon = 1e-5, beta = 'beta'): onnx.INodeProto {
  return node('LayerNormalization', [x, gamma, beta], [out], name, [attr('axis', axis), floatAttr('epsilon', epsilon)]);
}

/** MatMul(y, w) + bias, then GELU: 0.5 * a * (1 + erf(a / sqrt 2)) -> out; node and value names end in `k`. */
export function matmulGelu(y: string, out: string, k: string | number = ''): onnx.INodeProto[] {
  return [
    node('MatMul', [y, 'w'], [`m${k}`], `mm${k}`), node('Add', [`m${k}`, 'bias'], [`a${k}`], `bias${k}`),
    node('Div', [`a${k}`, 'sqrt2'], [`d${k}`], `div${k}`), node('Erf', [`d${k}`], [`e${k}`], `erf${k}`), node('Add', [`e${k}`, 'one'], [`p${k}`], `plus${k}`),
    node('Mul', [`a${k}`, `p${k}`], [`q${k}`], `mul${k}`), node('Mul', [`q${k}`, 'half'], [out], `half${k}`),
  ];
}

/**
 * The constants of the LayerNorm (gamma, beta over D), the GEMMs (w [D, N], wt [N, D], bias [N])
 * and the GELU, plus `extra`; only those some node reads.
 */
export function lnfoldInitializers(D: number, N: number, nodes: onnx.INodeProto[], extra: onnx.ITensorProto[] = []): onnx.ITensorProto[] {
  return [
    floatTensor('gamma', [D], seededValues(D, 5).map((v) => 1 + 0.5 * v)), floatTensor('beta', [D], seededValues(D, 6)),
    floatTensor('w', [D, N], seededValues(D * N, 3)), floatTensor('wt', [N, D], seededValues(D * N, 4)), floatTensor('bias', [N], seededValues(N, 7)),
    floatTensor('sqrt2', [], [Math.SQRT2]), floatTensor('one', [], [1]), floatTensor('half', [], [0.5]),
    ...extra,
  ].filter((t) => nodes.some((n) => n.input!.includes(t.name!)));
}
