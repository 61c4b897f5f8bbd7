// Runs one case in this process: read every data set, run the model through the runtime's
// Specializer (compiles for the feeds' shapes; inputs that decide shapes, such as Reshape's target,
// are compiled in as constants when the model cannot be compiled without their values), compare
// with the stored outputs. Errors become an Outcome (see outcome.ts).

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Specializer } from '../../runtime/dynamic.js';
import type { Tensor } from '../../runtime/tensor.js';
import type { CaseInfo, ModelInfo } from './cases.js';
import { compareTensors } from './compare.js';
import { classifyError, type Outcome } from './outcome.js';
import { readTensorPb } from './tensor-pb.js';

export { runCase };

interface DataSet { inputs: Record<string, Tensor>; outputs: Tensor[] }

function layoutOf(s: string | undefined): 'auto' | 'nchw' | 'nhwc' | undefined {
  return s === 'auto' || s === 'nchw' || s === 'nhwc' ? s : undefined;
}

async function runCase(c: CaseInfo, info: ModelInfo): Promise<Outcome> {
  let sets: DataSet[];
  try {
    sets = c.dataSets.map((d) => readDataSet(d, info));
  } catch (e) {
    if (e instanceof UnreadableData) return { status: 'unsupported', detail: e.message, missing: [e.key] };
    // Sequence and optional values are not TensorProtos: the model's I/O types are out of scope.
    return { status: 'unsupported', detail: `test data unreadable as tensors: ${(e as Error).message}`, missing: ['(non-tensor I/O)'] };
  }
  if (!sets.length) return { status: 'fail', kind: 'harness', detail: 'no test_data_set_* folder' };
  const model = new Specializer(join(c.dir, 'model.onnx'), { compile: { modelName: c.name, maxThreads: 1, layout: layoutOf(process.env.ACCELC_CONFORMANCE_LAYOUT) }, session: { threads: 1 } });
  try {
    for (const [k, set] of sets.entries()) {
      const got = await model.run(set.inputs);
      for (const [i, want] of set.outputs.entries()) {
        const name = info.outputs[i];
        const t = got[name];
        if (!t) return { status: 'fail', kind: 'mismatch', detail: `data set ${k}: output '${name}' missing` };
        const diff = compareTensors(t, want);
        if (diff) return { status: 'fail', kind: 'mismatch', detail: `data set ${k}, output '${name}': ${diff}` };
      }
    }
    return { status: 'pass' };
  } catch (e) {
    return classifyError(e, info.ops);
  } finally {
    await model.release();
  }
}

class UnreadableData extends Error {
  constructor(message: string, readonly key: string) { super(message); }
}

function readDataSet(dir: string, info: ModelInfo): DataSet {
  const inputs: Record<string, Tensor> = {};
  for (let i = 0; existsSync(join(dir, `input_${i}.pb`)); i++) {
    const pb = readTensorPb(join(dir, `input_${i}.pb`));
    if ('unsupported' in pb) throw new UnreadableData(`input ${i}: ${pb.unsupported}`, `(${pb.unsupported.replace('element type', 'dtype')})`);
    const name = info.inputs[i] ?? pb.name;
    inputs[name] = pb.tensor;
  }
  const outputs: Tensor[] = [];
  for (let i = 0; existsSync(join(dir, `output_${i}.pb`)); i++) {
    const pb = readTensorPb(join(dir, `output_${i}.pb`));
    if ('unsupported' in pb) throw new UnreadableData(`output ${i}: ${pb.unsupported}`, `(${pb.unsupported.replace('element type', 'dtype')})`);
    outputs.push(pb.tensor);
  }
  return { inputs, outputs };
}
