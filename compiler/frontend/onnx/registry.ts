// The operator table: (op, opset range) -> OpSchema, for the default ONNX domain.

import type { OpSchema } from './op-schema.js';
import { batchNormSchemas } from './ops/batch-norm.js';
import { binarySchemas } from './ops/binary.js';
import { castSchemas } from './ops/cast.js';
import { clipSchemas } from './ops/clip.js';
import { concatSchemas } from './ops/concat.js';
import { constantOfShapeSchemas } from './ops/constant-of-shape.js';
import { convSchemas } from './ops/conv.js';
import { expandSchemas } from './ops/expand.js';
import { flattenSchemas } from './ops/flatten.js';
import { gatherSchemas } from './ops/gather.js';
import { gemmSchemas } from './ops/gemm.js';
import { globalPoolSchemas } from './ops/global-pool.js';
import { identitySchemas } from './ops/identity.js';
import { matmulSchemas } from './ops/matmul.js';
import { padSchemas } from './ops/pad.js';
import { poolSchemas } from './ops/pool.js';
import { rangeSchemas } from './ops/range.js';
import { reduceSchemas } from './ops/reduce.js';
import { reshapeSchemas } from './ops/reshape.js';
import { shapeSchemas } from './ops/shape-op.js';
import { sliceSchemas } from './ops/slice.js';
import { softmaxSchemas } from './ops/softmax.js';
import { squeezeSchemas } from './ops/squeeze.js';
import { transposeSchemas } from './ops/transpose.js';
import { unarySchemas } from './ops/unary.js';
import { whereSchemas } from './ops/where.js';
import { variadicSchemas } from './ops/variadic.js';
import { logicalSchemas } from './ops/logical.js';
import { activationSchemas } from './ops/activation.js';
import { roundingSchemas } from './ops/rounding.js';
import { trigSchemas } from './ops/trig.js';
import { integerOpSchemas } from './ops/integer-ops.js';
import { castLikeSchemas } from './ops/cast-like.js';
import { sizeSchemas } from './ops/size.js';
import { splitSchemas } from './ops/split.js';
import { tileSchemas } from './ops/tile.js';
import { depthSpaceSchemas } from './ops/depth-space.js';
import { triluSchemas } from './ops/trilu.js';
import { eyeLikeSchemas } from './ops/eye-like.js';
import { gatherElementsSchemas } from './ops/gather-elements.js';
import { gatherNdSchemas } from './ops/gather-nd.js';
import { argSchemas } from './ops/arg-minmax.js';
import { moreReduceSchemas } from './ops/reduce-more.js';
import { cumsumSchemas } from './ops/cumsum.js';
import { hardmaxSchemas } from './ops/hardmax.js';
import { oneHotSchemas } from './ops/one-hot.js';
import { nonZeroSchemas } from './ops/non-zero.js';
import { layerNormSchemas } from './ops/layer-norm.js';
import { lossSchemas } from './ops/loss.js';
import { resizeSchemas } from './ops/resize.js';
import { windowSchemas } from './ops/windows.js';
import { topKSchemas } from './ops/top-k.js';
import { normalizationSchemas } from './ops/normalization.js';
import { convTransposeSchemas } from './ops/conv-transpose.js';
import { quantizeSchemas } from './ops/quantize.js';
import { dataDependentSchemas } from './ops/data-dependent.js';
import { einsumSchemas } from './ops/einsum.js';
import { sequenceOpSchemas } from './ops/sequence-ops.js';
import { rnnSchemas } from './ops/rnn.js';
import { gridSampleSchemas } from './ops/grid-sample.js';

export { lookupOp, isDefaultDomain, ALL_SCHEMAS };

const ALL_SCHEMAS: readonly OpSchema[] = [
  ...batchNormSchemas, ...binarySchemas, ...castSchemas, ...clipSchemas, ...concatSchemas,
  ...constantOfShapeSchemas, ...convSchemas, ...expandSchemas, ...flattenSchemas, ...gatherSchemas,
  ...gemmSchemas, ...globalPoolSchemas, ...identitySchemas, ...matmulSchemas, ...padSchemas,
  ...poolSchemas, ...rangeSchemas, ...reduceSchemas, ...reshapeSchemas, ...shapeSchemas,
  ...sliceSchemas, ...softmaxSchemas, ...squeezeSchemas, ...transposeSchemas, ...unarySchemas,
  ...whereSchemas,
  ...variadicSchemas,
  ...logicalSchemas,
  ...activationSchemas,
  ...roundingSchemas,
  ...trigSchemas,
  ...integerOpSchemas,
  ...castLikeSchemas,
  ...sizeSchemas,
  ...splitSchemas,
  ...tileSchemas,
  ...depthSpaceSchemas,
  ...triluSchemas,
  ...eyeLikeSchemas,
  ...gatherElementsSchemas,
  ...gatherNdSchemas,
  ...argSchemas,
  ...moreReduceSchemas,
  ...cumsumSchemas,
  ...hardmaxSchemas,
  ...oneHotSchemas,
  ...nonZeroSchemas,
  ...layerNormSchemas,
  ...lossSchemas,
  ...resizeSchemas,
  ...windowSchemas,
  ...topKSchemas,
  ...normalizationSchemas,
  ...convTransposeSchemas,
  ...quantizeSchemas,
  ...dataDependentSchemas,
  ...einsumSchemas,
  ...sequenceOpSchemas,
  ...rnnSchemas,
  ...gridSampleSchemas,
];

const BY_OP = new Map<string, OpSchema[]>();
for (const s of ALL_SCHEMAS) {
  const list = BY_OP.get(s.op) ?? [];
  for (const other of list) {
    if (s.since <= (other.until ?? Infinity) && other.since <= (s.until ?? Infinity)) {
      throw new Error(`registry: ${s.op} schemas overlap (since ${s.since} and ${other.since})`);
    }
  }
  list.push(s);
  BY_OP.set(s.op, list);
}

function isDefaultDomain(domain: string): boolean {
  return domain === '' || domain === 'ai.onnx';
}

/** The schema implementing `op` at `opset` of the default domain, if any. */
function lookupOp(op: string, domain: string, opset: number): OpSchema | undefined {
  if (!isDefaultDomain(domain)) return undefined;
  return BY_OP.get(op)?.find((s) => s.since <= opset && opset <= (s.until ?? Infinity));
}
