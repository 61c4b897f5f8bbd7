// The conformance suite on disk: one folder per case (model.onnx, test_data_set_*/input_N.pb and
// output_N.pb), grouped in categories. A case is "numeric" when every graph input and output is a
// tensor of a number or bool type and every node is in the default ONNX domain: the set the
// coverage target is counted over (strings, sequences, optionals and training ops are out of scope).

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';

export { SUITE_ROOT, CATEGORIES, listCases, describeModel };
export type { CaseInfo, ModelInfo };

const { onnx } = onnxProto;

const SUITE_ROOT = '/usr/share/libonnx-testdata/data';
const CATEGORIES = ['node', 'simple', 'pytorch-converted', 'pytorch-operator'] as const;

interface CaseInfo {
  category: string;
  name: string;
  dir: string;
  /** test_data_set_* folders, sorted. */
  dataSets: string[];
}

interface ModelInfo {
  ops: string[];
  opset: number;
  numeric: boolean;
  /** Graph inputs that are not initializers, in order (input_N.pb follows this order). */
  inputs: string[];
  outputs: string[];
}

const NUMERIC_ELEM = new Set([1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 16]);   // bfloat16 (16) counts as numeric too

function listCases(root = SUITE_ROOT, categories: readonly string[] = CATEGORIES): CaseInfo[] {
  const out: CaseInfo[] = [];
  for (const category of categories) {
    const base = join(root, category);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base).sort()) {
      const dir = join(base, name);
      if (!statSync(dir).isDirectory() || !existsSync(join(dir, 'model.onnx'))) continue;
      const dataSets = readdirSync(dir).filter((d) => d.startsWith('test_data_set_')).sort().map((d) => join(dir, d));
      out.push({ category, name, dir, dataSets });
    }
  }
  return out;
}

function describeModel(modelPath: string): ModelInfo {
  const m = onnx.ModelProto.decode(readFileSync(modelPath));
  const g = m.graph ?? new onnx.GraphProto();
  const inits = new Set((g.initializer ?? []).map((t) => t.name));
  const ioNumeric = [...(g.input ?? []), ...(g.output ?? [])].every((v) => {
    const tt = v.type?.tensorType;
    return !!tt && NUMERIC_ELEM.has(tt.elemType ?? 0);
  });
  const defaultDomain = (d: string | null | undefined) => !d || d === 'ai.onnx';
  const ops = [...new Set((g.node ?? []).map((n) => (defaultDomain(n.domain) ? '' : `${n.domain}.`) + (n.opType ?? '')))];
  const opsetEntry = (m.opsetImport ?? []).find((o) => defaultDomain(o.domain));
  return {
    ops,
    opset: Number(opsetEntry?.version ?? 0),
    numeric: ioNumeric && (g.node ?? []).every((n) => defaultDomain(n.domain)),
    inputs: (g.input ?? []).map((v) => v.name ?? '').filter((n) => !inits.has(n)),
    outputs: (g.output ?? []).map((v) => v.name ?? ''),
  };
}
