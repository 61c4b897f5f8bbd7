// The conformance tooling (compare, TensorProto reading, outcome classification, summary and
// baseline check), and a sample of the suite run in-process when it is installed: one or two cases
// per operator family accelc gained for it, so `npm test` guards them without the full run.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import onnxProto from 'onnx-proto';
import { AccelcError } from '../../compiler/errors.js';
import { Tensor } from '../../runtime/tensor.js';
import { describeModel, listCases, SUITE_ROOT } from './cases.js';
import { compareTensors } from './compare.js';
import { classifyError, type CaseResult } from './outcome.js';
import { runCase } from './run-case.js';
import { checkBaseline, summarize } from './summary.js';
import { decodeTensorPb } from './tensor-pb.js';

const { onnx } = onnxProto;

describe('compareTensors', () => {
  const f = (xs: number[]) => new Tensor('float32', Float32Array.from(xs), [xs.length]);
  it('allows rtol 1e-3 + atol 1e-5, matches NaN with NaN and infinities exactly', () => {
    expect(compareTensors(f([1000.9, 1e-6, NaN, Infinity]), f([1000, 0, NaN, Infinity]))).toBeUndefined();
    expect(compareTensors(f([1002]), f([1000]))).toMatch(/1 of 1 elements differ/);
    expect(compareTensors(f([NaN]), f([1]))).toBeDefined();
    expect(compareTensors(f([Infinity]), f([-Infinity]))).toBeDefined();
  });
  it('is exact on integers, and checks type and dims first', () => {
    const i = (xs: number[]) => new Tensor('int32', Int32Array.from(xs), [xs.length]);
    expect(compareTensors(i([1, 2]), i([1, 2]))).toBeUndefined();
    expect(compareTensors(i([1, 3]), i([1, 2]))).toMatch(/differ/);
    expect(compareTensors(i([1, 2]), f([1, 2]))).toMatch(/type int32, expected float32/);
    expect(compareTensors(f([1, 2]), new Tensor('float32', Float32Array.of(1, 2), [2, 1]))).toMatch(/dims/);
  });
});

describe('decodeTensorPb', () => {
  const enc = (t: object) => onnx.TensorProto.encode(t).finish();
  it('reads raw_data and the typed fields', () => {
    const raw = decodeTensorPb(enc({ name: 'x', dataType: 1, dims: [2], rawData: new Uint8Array(Float32Array.of(1.5, -2).buffer) }));
    expect('tensor' in raw && Array.from(raw.tensor.data as Float32Array)).toEqual([1.5, -2]);
    const ints = decodeTensorPb(enc({ dataType: 7, dims: [2], int64Data: [3, -4] }));
    expect('tensor' in ints && Array.from(ints.tensor.data as BigInt64Array)).toEqual([3n, -4n]);
    const bools = decodeTensorPb(enc({ dataType: 9, dims: [1, 2], int32Data: [1, 0] }));
    expect('tensor' in bools && bools.tensor.type).toBe('bool');
  });
  it('reports element types a Tensor cannot hold', () => {
    expect(decodeTensorPb(enc({ dataType: 8, dims: [1], stringData: [new Uint8Array(1)] }))).toMatchObject({ unsupported: 'element type string' });
  });
});

describe('classifyError', () => {
  it('E_UNSUPPORTED is unsupported, by op; other AccelcErrors fail; anything else crashes', () => {
    const listed = new AccelcError({ code: 'E_UNSUPPORTED', message: '2 unsupported operators: Foo (opset 13) at node a; Bar (opset 13) at node b' });
    expect(classifyError(listed, [])).toMatchObject({ status: 'unsupported', missing: ['Foo', 'Bar'] });
    expect(classifyError(new AccelcError({ code: 'E_UNSUPPORTED', message: 'x', op: 'Conv' }), [])).toMatchObject({ missing: ['Conv'] });
    expect(classifyError(new AccelcError({ code: 'E_SHAPE', message: 'bad' }), [])).toMatchObject({ status: 'fail', kind: 'E_SHAPE' });
    expect(classifyError(new TypeError('oops'), [])).toMatchObject({ status: 'crash' });
  });
});

describe('summary and baseline', () => {
  const r = (category: string, status: CaseResult['status'], numeric = true): CaseResult => ({ category, name: 'c', ops: [], numeric, ms: 1, status });
  it('counts per category and the numeric node subset; the check fails on crashes and regressions', () => {
    const s = summarize([r('node', 'pass'), r('node', 'fail'), r('node', 'pass', false), r('simple', 'crash')], ['node', 'simple']);
    expect(s.categories.node).toMatchObject({ total: 3, pass: 2, fail: 1 });
    expect(s.numericNode).toMatchObject({ total: 2, pass: 1, passRate: 0.5 });
    expect(checkBaseline(s, { suite: '', pass: { node: 2, simple: 0 } }, ['node', 'simple'])).toHaveLength(1);   // the crash
    expect(checkBaseline(s, { suite: '', pass: { node: 3 } }, ['node'])).toHaveLength(2);
  });
});

/** One or two cases per operator family added for the suite. */
const SAMPLE = [
  'test_max_example', 'test_mean_example', 'test_and_bcast3v1d', 'test_greater_equal_bcast', 'test_elu', 'test_selu_default',
  'test_celu', 'test_softplus', 'test_prelu_broadcast', 'test_shrink_soft', 'test_sin', 'test_acos', 'test_asinh', 'test_round',
  'test_sign', 'test_isinf', 'test_mod_mixed_sign_int32', 'test_mod_mixed_sign_float32', 'test_bitshift_left_uint16',
  'test_cast_FLOAT_to_FLOAT16', 'test_cast_FLOAT16_to_DOUBLE', 'test_clip_splitbounds', 'test_split_equal_parts_1d',
  'test_tile', 'test_depthtospace_crd_mode_example', 'test_spacetodepth_example', 'test_tril_neg', 'test_triu_one_row',
  'test_gather_elements_negative_indices', 'test_scatter_elements_with_negative_indices', 'test_gathernd_example_int32_batch_dim1',
  'test_scatternd_multiply', 'test_argmax_negative_axis_keepdims_random_select_last_index', 'test_argmin_no_keepdims_example',
  'test_reduce_l2_keep_dims_random', 'test_reduce_log_sum_exp_do_not_keepdims_random', 'test_reduce_prod_default_axes_keepdims_random',
  'test_cumsum_2d_axis_1', 'test_cumsum_1d_reverse_exclusive', 'test_hardmax_negative_axis', 'test_onehot_negative_indices',
  'test_nonzero_example', 'test_compress_negative_axis', 'test_eyelike_with_dtype', 'test_layer_normalization_4d_axis1',
  'test_nllloss_NCd1d2_with_weight_reduction_mean', 'test_sce_mean_weight_ii_3d_log_prob', 'test_resize_upsample_scales_cubic',
  'test_resize_tf_crop_and_resize', 'test_resize_downsample_sizes_nearest_tf_half_pixel_for_nn', 'test_top_k_smallest',
  'test_instancenorm_example', 'test_lrn', 'test_mvn', 'test_batchnorm_example', 'test_convtranspose_3d', 'test_conv_with_strides_and_asymmetric_padding',
  'test_maxpool_with_argmax_2d_precomputed_pads', 'test_averagepool_3d_default', 'test_qlinearconv', 'test_dynamicquantizelinear',
  'test_quantizelinear_axis', 'test_hannwindow_symmetric', 'test_melweightmatrix', 'test_reshape_negative_extended_dims',
  'test_slice_neg_steps', 'test_range_float_type_positive_delta', 'test_concat_2d_axis_negative_1',
];

describe.skipIf(!existsSync(SUITE_ROOT))('a sample of the conformance suite', () => {
  const cases = listCases(SUITE_ROOT, ['node']).filter((c) => SAMPLE.includes(c.name));
  it('finds every sampled case', () => expect(cases.map((c) => c.name).sort()).toEqual([...SAMPLE].sort()));
  for (const c of cases) {
    it(c.name, async () => {
      const outcome = await runCase(c, describeModel(join(c.dir, 'model.onnx')));
      expect(outcome).toEqual({ status: 'pass' });
    });
  }
});

// The conformance suite's convolution and pooling cases again with every region channels-last
// (passes/layout-nhwc.ts, layout 'nhwc'): each must end as it does in the default layout.
describe.skipIf(!existsSync(SUITE_ROOT))('conv and pool cases of the conformance suite, channels-last', () => {
  const cases = listCases(SUITE_ROOT, ['node']).filter((c) => /^test_(conv|maxpool|averagepool|globalaveragepool|globalmaxpool)/.test(c.name));
  it('finds the cases', () => expect(cases.length).toBeGreaterThan(40));
  for (const c of cases) {
    it(c.name, async () => {
      const info = describeModel(join(c.dir, 'model.onnx'));
      const plain = await runCase(c, info);
      process.env.ACCELC_CONFORMANCE_LAYOUT = 'nhwc';
      try {
        expect(await runCase(c, info)).toEqual(plain);
      } finally {
        delete process.env.ACCELC_CONFORMANCE_LAYOUT;
      }
    });
  }
});
