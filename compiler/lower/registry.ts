// The op table: ONNX op type -> lowering. Ops in ALIAS_OPS only relabel a buffer (no kernel);
// ops in FOLDED_OPS must have been evaluated at compile time (shape computations).

import type { OpLowerer } from './context.js';
import { ELEMENTWISE_OPS, lowerBatchNorm, lowerElementwise } from './ops/elementwise.js';
import { lowerConv } from './ops/conv.js';
import { lowerGemm, lowerMatMul } from './ops/gemm.js';
import { lowerGlobalPool, lowerPool } from './ops/pool.js';
import { lowerReduce } from './ops/reduce.js';
import { lowerSoftmax } from './ops/softmax.js';
import { lowerTranspose } from './ops/transpose.js';
import { lowerConcat } from './ops/concat.js';
import { lowerSlice } from './ops/slice.js';
import { lowerGather } from './ops/gather.js';
import { lowerPad } from './ops/pad.js';
import { lowerExpand } from './ops/expand.js';
import { lowerFusedElementwise } from './ops/fused-elementwise.js';
import { lowerLayerNorm } from './ops/layernorm.js';
import { lowerPow } from './ops/pow.js';
import { lowerDropout } from './ops/dropout.js';
import { ACTIVATION_LOWERINGS } from './ops/activation.js';
import { TRIG_LOWERINGS } from './ops/trig.js';
import { INTEGER_LOWERINGS } from './ops/integer-ops.js';
import { LAYOUT_LOWERINGS } from './ops/layout.js';
import { INDEXING_LOWERINGS } from './ops/indexing.js';
import { REDUCE_MORE_LOWERINGS } from './ops/reduce-more.js';
import { LOSS_LOWERINGS } from './ops/loss.js';
import { RESIZE_LOWERINGS } from './ops/resize.js';
import { TOPK_LOWERINGS } from './ops/top-k.js';
import { NORMALIZATION_LOWERINGS } from './ops/normalization.js';
import { CONV_ND_LOWERINGS } from './ops/conv-nd.js';
import { POOL_ND_LOWERINGS } from './ops/pool-nd.js';
import { QUANTIZE_LOWERINGS } from './ops/quantize.js';
import { EINSUM_LOWERINGS } from './ops/einsum.js';
import { SEQUENCE_OP_LOWERINGS } from './ops/sequence-ops.js';
import { RNN_LOWERINGS } from './ops/rnn.js';
import { GRID_SAMPLE_LOWERINGS } from './ops/grid-sample.js';
import { lowerNhwcConv, lowerNhwcPool } from './ops/conv-nhwc.js';

export const ALIAS_OPS = new Set(['Identity', 'Dropout', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze']);
export const FOLDED_OPS = new Set(['Shape', 'Constant', 'ConstantOfShape', 'Range', 'Size']);

export const LOWERINGS: Record<string, OpLowerer> = {
  ...Object.fromEntries(ELEMENTWISE_OPS.map((op) => [op, lowerElementwise])),
  BatchNormalization: lowerBatchNorm,
  Conv: lowerConv,
  Gemm: lowerGemm,
  MatMul: lowerMatMul,
  MaxPool: lowerPool,
  AveragePool: lowerPool,
  GlobalAveragePool: lowerGlobalPool,
  GlobalMaxPool: lowerGlobalPool,
  ReduceMean: lowerReduce,
  ReduceSum: lowerReduce,
  ReduceMax: lowerReduce,
  ReduceMin: lowerReduce,
  Softmax: lowerSoftmax,
  LogSoftmax: lowerSoftmax,
  Transpose: lowerTranspose,
  Concat: lowerConcat,
  Slice: lowerSlice,
  Gather: lowerGather,
  Pad: lowerPad,
  Expand: lowerExpand,
  FusedElementwise: lowerFusedElementwise,
  LayerNormalization: lowerLayerNorm,
  Pow: lowerPow,
  Dropout: lowerDropout,
  NhwcConv: lowerNhwcConv,
  NhwcPool: lowerNhwcPool,
  NhwcGlobalPool: lowerGlobalPool,
  ...ACTIVATION_LOWERINGS,
  ...TRIG_LOWERINGS,
  ...INTEGER_LOWERINGS,
  ...LAYOUT_LOWERINGS,
  ...INDEXING_LOWERINGS,
  ...REDUCE_MORE_LOWERINGS,
  ...LOSS_LOWERINGS,
  ...RESIZE_LOWERINGS,
  ...TOPK_LOWERINGS,
  ...NORMALIZATION_LOWERINGS,
  ...CONV_ND_LOWERINGS,
  ...POOL_ND_LOWERINGS,
  ...QUANTIZE_LOWERINGS,
  ...EINSUM_LOWERINGS,
  ...SEQUENCE_OP_LOWERINGS,
  ...RNN_LOWERINGS,
  ...GRID_SAMPLE_LOWERINGS,
};
