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
};
